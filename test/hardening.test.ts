/**
 * The security review's smaller findings, reproduced against the real bot over loopback: request
 * bodies are bounded before authentication, only Teams activities reach the bot, and hostile
 * input costs time linear in its size.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SEEDED_USERS } from '../src/twin/directory';
import { scrub } from '../src/logging';
import { botMessages, cardText, eventually, startBotWithTwin, type BotWithTwin } from './support/bot-harness';

const { alice } = SEEDED_USERS;

let env: BotWithTwin;
let port: number;
/**
 * Bot Framework signs Web Chat and Direct Line activities with the same keys as Teams ones (their JWKs
 * carried endorsements for those channels too: MicrosoftDocs/bot-docs#2300). Added before the SDK first reads the keys.
 */
let sharedKid: string;

beforeAll(async () => {
  env = await startBotWithTwin();
  port = (env.app.server.address() as AddressInfo).port;
  sharedKid = env.twin.teams.channelAuth.addKey(['msteams', 'webchat', 'directline']);
});
afterAll(() => env.close());

interface Upload {
  status: number;
  /** Body bytes written before the answer arrived. */
  sentBeforeAnswer: number;
}

/**
 * POSTs up to `totalBytes` of body in 64 KiB chunks (one buffer, reused: nothing the size of the
 * body is ever allocated here), stopping as soon as the server answers.
 */
function upload(options: { totalBytes: number; headers: http.OutgoingHttpHeaders }): Promise<Upload> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/messages', headers: options.headers });
    request.on('response', (response) => {
      answered = true;
      resolve({ status: response.statusCode ?? 0, sentBeforeAnswer: sent });
      response.resume();
      request.destroy();
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = () => {
      while (!answered && sent < options.totalBytes) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      if (!answered) request.end();
    };
    write();
  });
}

const FOUR_HUNDRED_MB = 400 * 1024 * 1024;

describe('request bodies are bounded before authentication', () => {
  it('a streamed 400 MB JSON body without a length is answered 413 long before it is fully sent', async () => {
    const result = await upload({ totalBytes: FOUR_HUNDRED_MB, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    expect(result.status).toBe(413);
    expect(result.sentBeforeAnswer).toBeLessThan(FOUR_HUNDRED_MB / 10);
  });

  it('a declared 400 MB body is answered 413 before any of it is read', async () => {
    const result = await upload({ totalBytes: FOUR_HUNDRED_MB, headers: { 'Content-Type': 'application/json', 'Content-Length': String(FOUR_HUNDRED_MB) } });
    expect(result.status).toBe(413);
    expect(result.sentBeforeAnswer).toBeLessThan(FOUR_HUNDRED_MB / 10);
  });

  it('multipart uploads are refused (415), and nothing is written to disk', async () => {
    const result = await upload({ totalBytes: 1024 * 1024, headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(1024 * 1024) } });
    expect(result.status).toBe(415);
  });

  it('a normal Teams activity still gets through', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    expect((await env.twin.teams.driver.say(alice, chat, 'help')).status).toBe(200);
  });
});

describe('only Teams activities reach the bot', () => {
  it('a validly signed Web Chat activity is refused with 403 and logged; the bot does not answer', async () => {
    // An Azure Bot has Web Chat and Direct Line on by default.
    const { channelAuth, serviceUrl } = env.twin.teams;
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    const before = env.twin.teams.driver.transcript(chat).length;
    const activity = { ...env.twin.teams.driver.messageActivity(alice, chat, 'alerts high'), channelId: 'webchat' };
    const response = await env.twin.teams.driver.post(activity, { authorization: `Bearer ${channelAuth.sign(channelAuth.activityClaims(serviceUrl), sharedKid)}` });
    expect(response.status).toBe(403);
    expect(env.twin.teams.driver.transcript(chat).length).toBe(before);
    expect(env.logs.some((line) => line.includes('"activity refused"') && line.includes('"channelId":"webchat"'))).toBe(true);
  });
});

describe('hostile input costs time linear in its size', () => {
  it('60 KB of "<" gets the "too long" answer', async () => {
    const chat = env.twin.teams.driver.personalChat(alice);
    await env.twin.teams.driver.install(chat);
    const before = botMessages(env.twin, chat).length;
    expect((await env.twin.teams.driver.say(alice, chat, '<'.repeat(60 * 1024))).status).toBe(200);
    const answer = await eventually(() => {
      const messages = botMessages(env.twin, chat);
      if (messages.length <= before) throw new Error('no answer yet');
      return cardText(messages[messages.length - 1].cards[0]);
    });
    expect(answer).toMatch(/too long/i);
  });

  it('the log scrubber finds tokens in 60 KB of token-like text, and leaves the rest as it was', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl';
    const noise = 'eyJ'.repeat(20 * 1024);
    const shortHeaders = 'eyJaa.'.repeat(10 * 1024);
    expect(scrub(noise) === noise).toBe(true);
    expect(scrub(`${noise} ${jwt} ${shortHeaders}`) === `${noise} [redacted-jwt] ${shortHeaders}`).toBe(true);
    expect(scrub(`x${jwt}.tail, eyJab.${jwt}`)).toBe('x[redacted-jwt].tail, eyJab.[redacted-jwt]');
    expect(scrub(`Authorization: Bearer abcdefgh12345 and password=hunter2&x=1`)).toBe('Authorization: Bearer [redacted] and password=[redacted]&x=1');
  });
});

describe('retention', () => {
  it('the daily sweep deletes audit entries older than AUDIT_RETENTION_DAYS (365 by default) and keeps newer ones', async () => {
    const entry = {
      userOid: 'a', upn: 'alice@contoso.onmicrosoft.com', machineId: 'm', computerDnsName: 'ws-1', action: 'Isolate',
      comment: 'c', result: 'requested', defenderActionId: null, conversationId: 'retention-test',
    };
    await env.store.appendAudit({ ...entry, time: new Date(Date.now() - 400 * 24 * 3600 * 1000).toISOString(), comment: 'too old' });
    await env.store.appendAudit({ ...entry, time: new Date(Date.now() - 300 * 24 * 3600 * 1000).toISOString(), comment: 'kept' });
    expect(await env.app.retention.run()).toBe(true);
    const left = (await env.store.listAudit({ limit: 100 })).filter((line) => line.conversationId === 'retention-test');
    expect(left.map((line) => line.comment)).toEqual(['kept']);
  });
});
