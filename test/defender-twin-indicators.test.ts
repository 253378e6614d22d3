/**
 * The Defender twin's indicators, as post-ti-indicator, ti-indicator, indicators-overview and
 * delete-ti-indicator-by-id (learn.microsoft.com/defender-endpoint/...) describe them: refused what
 * Defender refuses, created as the caller, updated when submitted again, capped at 15,000 active.
 */
import { ACTIVE_INDICATOR_LIMIT } from '../src/twin/defender/indicators';
import { DEFENDER_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { DefenderHarness } from './support/defender-twin-harness';

let twin: DefenderHarness;
beforeEach(async () => {
  twin = await DefenderHarness.start();
});
afterEach(() => twin.close());

const bob = () => twin.userToken(SEEDED_USERS.bob);
const valid = { indicatorValue: 'a'.repeat(64), indicatorType: 'FileSha256', action: 'Block', title: 'From alert 1', description: 'Blocked by bob', generateAlert: true };
const submit = (body: unknown, token = bob()) => twin.call('POST', '/api/indicators', { token, body });
const codeOf = (reply: { body: unknown }) => (reply.body as { error: { code: string; message: string } }).error;

describe('POST /api/indicators', () => {
  it('creates an indicator as the user (200 and the entity), and submitting the same value and type again updates it', async () => {
    const reply = await submit({ ...valid, expirationTime: new Date(twin.clock.now() + 86_400_000).toISOString() });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ indicatorValue: 'a'.repeat(64), action: 'Block', sourceType: 'User', createdBySource: 'bob@contoso.onmicrosoft.com' });
    const again = await submit({ ...valid, action: 'Warn' });
    expect(again.status).toBe(200);
    expect(twin.defender.indicators.indicators).toHaveLength(1);
    expect(twin.defender.indicators.indicators[0].action).toBe('Warn');
  });

  it.each([
    ['an unknown type', { indicatorType: 'FileSha512' }, 'InvalidInput'],
    ['an unknown action', { action: 'Quarantine' }, 'InvalidInput'],
    ['a hash of the wrong length', { indicatorValue: 'abc' }, 'InvalidInput'],
    ['a missing title', { title: undefined }, 'MissingRequiredParameter'],
    ['a missing description', { description: '' }, 'MissingRequiredParameter'],
    ['Audit without generateAlert', { action: 'Audit', generateAlert: false }, 'InvalidInput'],
    ['an expiry in the past', { expirationTime: '2000-01-01T00:00:00Z' }, 'InvalidInput'],
    ['a wrongly cased property', { IndicatorValue: 'x' }, 'InvalidRequestBody'],
    ['CIDR notation', { indicatorType: 'IpAddress', indicatorValue: '203.0.113.0/24' }, 'InvalidInput'],
    ['an IPv6 address without all 8 segments', { indicatorType: 'IpAddress', indicatorValue: '2001:db8::1' }, 'InvalidIpAddress'],
    ['remediation of an IP address', { indicatorType: 'IpAddress', indicatorValue: '203.0.113.9', action: 'BlockAndRemediate' }, 'InvalidInput'],
    ['a URL that is not http(s)', { indicatorType: 'Url', indicatorValue: 'ftp://example.com/a' }, 'InvalidInput'],
    ['a domain that is not a name', { indicatorType: 'DomainName', indicatorValue: 'not a domain' }, 'InvalidInput'],
  ])('refuses %s with 400', async (_name, change, code) => {
    const reply = await submit({ ...valid, ...change });
    expect(reply.status).toBe(400);
    expect(codeOf(reply).code).toBe(code);
    expect(twin.defender.indicators.indicators).toHaveLength(0);
  });

  it('needs Ti.ReadWrite in the token and a role with Active remediation actions', async () => {
    const readOnlyApp = '0c0501e0-0000-4000-8000-0000000000ff';
    twin.entra.directory.addApp({
      clientId: readOnlyApp, displayName: 'Alert reader', tenantId: SEEDED.tenantId, secrets: [], identifierUris: [], exposedScopes: [],
      preAuthorizedClientIds: [], applicationPermissions: {}, delegatedPermissions: { [DEFENDER_API.appId]: ['Alert.Read', 'Machine.Read'] },
    });
    const withoutScope = await submit(valid, twin.userToken(SEEDED_USERS.bob, readOnlyApp));
    expect(withoutScope.status).toBe(403);
    expect(codeOf(withoutScope).message).toContain('Ti.ReadWrite');
    const viewer = await submit(valid, twin.userToken(SEEDED_USERS.carol));
    expect(viewer.status).toBe(403);
    expect(codeOf(viewer).message).toContain('Active remediation actions');
    expect(twin.defender.indicators.indicators).toHaveLength(0);
  });

  it('refuses a new indicator once the tenant has 15,000 active ones; an expired one does not count', async () => {
    twin.defender.indicators.fillTo(ACTIVE_INDICATOR_LIMIT, twin.clock.now());
    const full = await submit(valid);
    expect(full.status).toBe(400);
    expect(codeOf(full).message).toContain('15000');
    twin.defender.indicators.indicators[0].expirationTime = new Date(twin.clock.now() - 1000).toISOString();
    expect((await submit(valid)).status).toBe(200);
  });
});

describe('DELETE /api/indicators/{id}', () => {
  it('is application-only: a user token is refused with 403', async () => {
    await submit(valid);
    const reply = await twin.call('DELETE', '/api/indicators/1', { token: bob() });
    expect(reply.status).toBe(403);
    expect(codeOf(reply).message).toContain('Missing delegated scopes');
  });
});
