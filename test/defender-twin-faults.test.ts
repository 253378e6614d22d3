import { SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { DefenderHarness } from './support/defender-twin-harness';

let twin: DefenderHarness;

beforeEach(async () => {
  twin = await DefenderHarness.start();
});
afterEach(() => twin.close());

describe('rate limits (reference §6)', () => {
  it('allows 100 calls a minute per app and endpoint, then answers 429 with Retry-After until the window moves', async () => {
    const token = twin.appToken();
    for (let call = 0; call < 100; call += 1) {
      expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
    }
    const limited = await twin.call('GET', '/api/alerts?$top=1', { token });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 'TooManyRequests', message: expect.any(String), target: expect.any(String) } });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Counted per endpoint and per app: other endpoints and other apps are not limited.
    expect((await twin.call('GET', '/api/machines?$top=1', { token })).status).toBe(200);
    expect((await twin.call('GET', '/api/alerts?$top=1', { token: twin.appToken(SEEDED.botAppId) })).status).toBe(200);

    twin.clock.advance(retryAfter * 1000);
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
  });

  it('applies the hourly window too, counts delegated calls per app, and can be tightened or switched off', async () => {
    twin.defender.rateLimits.setLimits([{ limit: 2, windowMs: 60_000 }, { limit: 3, windowMs: 3_600_000 }]);
    const alice = twin.userToken(SEEDED_USERS.alice);
    const carol = twin.userToken(SEEDED_USERS.carol);
    expect((await twin.call('GET', '/api/machines', { token: alice })).status).toBe(200);
    expect((await twin.call('GET', '/api/machines', { token: carol })).status).toBe(200);
    expect((await twin.call('GET', '/api/machines', { token: alice })).status).toBe(429); // same app (the bot), same endpoint
    twin.clock.advance(60_000);
    expect((await twin.call('GET', '/api/machines', { token: alice })).status).toBe(200);
    twin.clock.advance(60_000);
    const hourly = await twin.call('GET', '/api/machines', { token: alice });
    expect(hourly.status).toBe(429);
    expect(Number(hourly.headers.get('retry-after'))).toBeGreaterThan(60);

    twin.defender.rateLimits.enabled = false;
    expect((await twin.call('GET', '/api/machines', { token: alice })).status).toBe(200);
    twin.defender.rateLimits.enabled = true;
    twin.defender.rateLimits.reset();
    expect((await twin.call('GET', '/api/machines', { token: alice })).status).toBe(200);
  });

  it('can give one endpoint its own limit', async () => {
    twin.defender.rateLimits.setLimits([{ limit: 1, windowMs: 60_000 }], 'machines.isolate');
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const token = twin.appToken();
    const isolate = () => twin.call('POST', `/api/machines/${machine.id}/isolate`, { token, body: { Comment: 'x' } });
    expect((await isolate()).status).toBe(201);
    expect((await isolate()).status).toBe(429);
    expect((await twin.call('GET', '/api/machines', { token })).status).toBe(200);
  });
});

describe('fault injection', () => {
  it('throttles a burst of N requests with 429 and the given Retry-After, then recovers', async () => {
    const token = twin.appToken();
    twin.defender.faults.inject('alerts', { kind: 'throttle', retryAfterSeconds: 7 }, 2);
    for (let call = 0; call < 2; call += 1) {
      const reply = await twin.call('GET', '/api/alerts?$top=1', { token });
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('7');
      expect(reply.body.error.code).toBe('TooManyRequests');
    }
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
    expect(twin.defender.requests.map((request) => request.fault ?? null).slice(-3)).toEqual(['throttle', 'throttle', null]);
  });

  it('answers 500 and 503 in the Defender error shape, only on the targeted endpoints', async () => {
    const token = twin.appToken();
    twin.defender.faults.inject('machines.list', { kind: 'serverError', status: 500 });
    twin.defender.faults.inject('machineActions', { kind: 'serverError', status: 503 });
    const machines = await twin.call('GET', '/api/machines', { token });
    expect(machines.status).toBe(500);
    expect(machines.body.error.code).toBe('InternalServerError');
    const actions = await twin.call('GET', '/api/machineactions', { token });
    expect(actions.status).toBe(503);
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);

    twin.defender.faults.clear('machines.list');
    expect((await twin.call('GET', '/api/machines', { token })).status).toBe(200);
    expect((await twin.call('GET', '/api/machineactions', { token })).status).toBe(503);
    twin.defender.faults.clear();
    expect((await twin.call('GET', '/api/machineactions', { token })).status).toBe(200);
  });

  it('resets the connection without an answer', async () => {
    twin.defender.faults.inject('*', { kind: 'resetConnection' }, 1);
    await expect(twin.call('GET', '/api/alerts', { token: twin.appToken() })).rejects.toThrow();
    expect((await twin.call('GET', '/api/alerts?$top=1', { token: twin.appToken() })).status).toBe(200);
  });

  it('cuts the JSON body in half after the action was taken', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    twin.defender.faults.inject('machines.isolate', { kind: 'malformedJson' }, 1);
    const reply = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token: twin.appToken(), body: { Comment: 'x' } });
    expect(reply.status).toBe(201);
    expect(() => JSON.parse(reply.text)).toThrow();
    expect(reply.text.startsWith('{"@odata.context"')).toBe(true);
    expect(twin.defender.data.actions.filter((action) => action.machineId === machine.id && action.status === 'Pending')).toHaveLength(1);
  });

  it('answers with an empty body', async () => {
    twin.defender.faults.inject('alerts.get', { kind: 'emptyBody' }, 1);
    const alert = twin.defender.data.alerts[0];
    const reply = await twin.call('GET', `/api/alerts/${alert.id}`, { token: twin.appToken() });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
    expect((await twin.call('GET', `/api/alerts/${alert.id}`, { token: twin.appToken() })).body.id).toBe(alert.id);
  });

  it('delays answers by the injected latency', async () => {
    twin.defender.faults.inject('machines.get', { kind: 'latency', ms: 300 }, 1);
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const started = performance.now();
    const reply = await twin.call('GET', `/api/machines/${machine.id}`, { token: twin.appToken() });
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});
