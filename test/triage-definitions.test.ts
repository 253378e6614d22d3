/** The triage definitions and the indicator values the bot recognises, as data: what each sends to Defender, and what it refuses. */
import { DETERMINATIONS, VERDICTS } from '../src/defender/alert-triage';
import { indicatorOf } from '../src/defender/indicators';
import { assign, resolve, triageStep, updateAlert } from '../src/bot/triage/registry';

const UPN = 'bob@contoso.com';

describe('triage definitions', () => {
  it('keep the verbs posted cards carry', () => {
    expect(triageStep('alert.assign')).toEqual({ definition: assign, step: 'run' });
    expect(triageStep('alert.triage')).toEqual({ definition: updateAlert, step: 'form' });
    expect(triageStep('alert.triage.save')).toEqual({ definition: updateAlert, step: 'save' });
    expect(triageStep('alert.resolve')).toBeUndefined();
  });

  it('assign: me is the acting user; a UPN as typed; anything else refused', () => {
    expect(assign.update({}, UPN)).toEqual({ assignedTo: UPN });
    expect(assign.update({ assignee: 'alice@contoso.com' }, UPN)).toEqual({ assignedTo: 'alice@contoso.com' });
    expect(assign.update({ assignee: 'not a upn' }, UPN)).toEqual({ problem: { kind: 'choice', input: 'assignee' } });
  });

  it('resolve: only a determination its classification allows', () => {
    expect(resolve.update({ classification: 'FalsePositive', determination: 'Clean', comment: 'lab' }, UPN))
      .toEqual({ status: 'Resolved', classification: 'FalsePositive', determination: 'Clean', comment: 'lab' });
    expect(resolve.update({ classification: 'FalsePositive', determination: 'Malware' }, UPN)).toEqual({ problem: { kind: 'choice', input: 'verdict' } });
    expect(resolve.update({ classification: 'Benign' }, UPN)).toEqual({ problem: { kind: 'choice', input: 'verdict' } });
  });

  it('the form: each verdict pairs a classification with one of its own determinations, and only those are sent', () => {
    expect(VERDICTS).toHaveLength(Object.values(DETERMINATIONS).flat().length);
    expect(updateAlert.update({ status: 'InProgress', verdict: 'keep' }, UPN)).toEqual({ status: 'InProgress' });
    expect(updateAlert.update({ status: 'Resolved', verdict: 'InformationalExpectedActivity:SecurityTesting', comment: ' red team ' }, UPN))
      .toEqual({ status: 'Resolved', classification: 'InformationalExpectedActivity', determination: 'SecurityTesting', comment: 'red team' });
    expect(updateAlert.update({ verdict: 'InformationalExpectedActivity:Malware' }, UPN)).toEqual({ problem: { kind: 'choice', input: 'verdict' } });
    expect(updateAlert.update({ status: 'Unknown' }, UPN)).toEqual({ problem: { kind: 'choice', input: 'status' } });
    expect(updateAlert.update({ status: '', verdict: 'keep', comment: '' }, UPN)).toEqual({ problem: { kind: 'nothing_to_change' } });
    expect(updateAlert.update({ status: 'New', comment: 'x'.repeat(1001) }, UPN)).toEqual({ problem: { kind: 'comment_too_long', length: 1001, max: 1000 } });
  });
});

describe('indicator values', () => {
  it.each([
    ['A'.repeat(40), 'FileSha1', 'a'.repeat(40)],
    ['b'.repeat(64), 'FileSha256', 'b'.repeat(64)],
    ['c'.repeat(32), 'FileMd5', 'c'.repeat(32)],
    ['203.0.113.9', 'IpAddress', '203.0.113.9'],
    ['2001:DB8::1', 'IpAddress', '2001:db8:0:0:0:0:0:1'],
    ['::1', 'IpAddress', '0:0:0:0:0:0:0:1'],
    ['https://evil.example.com/a?b=1', 'Url', 'https://evil.example.com/a?b=1'],
    ['Evil.Example.COM', 'DomainName', 'evil.example.com'],
  ])('%s is a %s (%s)', (text, type, value) => {
    expect(indicatorOf(text)).toEqual({ type, value });
  });

  it.each(['203.0.113.0/24', 'ftp://example.com/x', 'not a domain', 'localhost', 'abc', ''])('"%s" is none', (text) => {
    expect(indicatorOf(text)).toBeUndefined();
  });
});
