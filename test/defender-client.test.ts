import { DefenderClient, type AccessTokenSource, type DefenderClientOptions, type RequestInfo } from '../src/defender/client';
import { DefenderApiError, type DefenderErrorKind } from '../src/defender/errors';
import type { Alert, Machine } from '../src/defender/model';
import { odataDate, odataString } from '../src/defender/odata';
import { TwinClock } from '../src/twin/clock';
import { DEFENDER_API, SEEDED, SEEDED_USERS, seedDirectory } from '../src/twin/directory';
import { EntraTwin } from '../src/twin/entra';
import { DOCUMENTED_WINDOWS } from '../src/twin/defender/rate-limits';
import { toDefenderTimestamp, WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { DefenderTwin } from '../src/twin/defender/server';

const DEFENDER = DEFENDER_API.identifierUris[0];

let clock: TwinClock;
let entra: EntraTwin;
let defender: DefenderTwin;
let sleeps: number[];
let requestInfos: RequestInfo[];

beforeAll(async () => {
  clock = new TwinClock();
  clock.freeze();
  entra = await EntraTwin.start({ directory: seedDirectory(), clock });
  defender = await DefenderTwin.start({ entra, clock });
});
afterAll(async () => {
  await defender.close();
  await entra.close();
});
beforeEach(() => {
  defender.requests.length = 0;
  defender.faults.clear();
  defender.rateLimits.enabled = false;
  sleeps = [];
  requestInfos = [];
});

/** Waiting moves the twin's clock instead of sleeping, so Retry-After and back-off cost no real time. */
function clientWith(options: Partial<DefenderClientOptions> = {}): DefenderClient {
  return new DefenderClient({
    baseUrl: defender.baseUrl,
    readRetry: { maxAttempts: 3, budgetMs: 10_000 },
    onRequest: (info) => requestInfos.push(info),
    timer: {
      now: () => clock.now(),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    },
    ...options,
  });
}

const asUser = (oid: string): AccessTokenSource => async () =>
  entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER, userOid: oid });
const alice = asUser(SEEDED_USERS.alice);
const bob = asUser(SEEDED_USERS.bob);
const carol = asUser(SEEDED_USERS.carol);
const dave = asUser(SEEDED_USERS.dave);
const app: AccessTokenSource = async () => entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: DEFENDER });

function machineNamed(name: string): Machine {
  const machine = defender.data.machines.find((candidate) => candidate.computerDnsName === name);
  if (!machine) throw new Error(`the twin has no ${name}`);
  return machine;
}

const usedDevices = new Set<string>();
/** An active Windows workstation that supports Selective isolation, no test has touched and with no isolation history. */
function freshDevice(): Machine {
  const history = new Set(defender.data.actions.filter((a) => a.type === 'Isolate' || a.type === 'Unisolate').map((a) => a.machineId));
  const supportsSelective = (machine: Machine) =>
    machine.osPlatform === 'Windows11' || (machine.osPlatform === 'Windows10' && !['1607', '1703'].includes(machine.version ?? ''));
  const machine = defender.data.machines.find((candidate) =>
    supportsSelective(candidate) && candidate.healthStatus === 'Active' && candidate.rbacGroupName === 'Workstations' &&
    !history.has(candidate.id) && !usedDevices.has(candidate.id) &&
    !Object.values<string>(WELL_KNOWN_DEVICES).includes(candidate.computerDnsName));
  if (!machine) throw new Error('no fresh device left in the twin');
  usedDevices.add(machine.id);
  return machine;
}

async function failure(attempt: Promise<unknown>): Promise<DefenderApiError> {
  const error = await attempt.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(DefenderApiError);
  return error as DefenderApiError;
}

async function expectKind(attempt: Promise<unknown>, kind: DefenderErrorKind): Promise<DefenderApiError> {
  const error = await failure(attempt);
  expect(error.kind).toBe(kind);
  return error;
}

/** Waits until the twin has answered every request it received (a delayed one answers after the client gave up). */
async function twinAnsweredAll(): Promise<void> {
  const unanswered = () => defender.requests.some((request) => request.status === 0 && request.fault !== 'resetConnection');
  for (let waited = 0; unanswered() && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(unanswered()).toBe(false);
}

const recorded = (endpoint: string) => defender.requests.filter((request) => request.endpoint === endpoint);
const decodedPaths = () => defender.requests.map((request) => decodeURIComponent(request.path));

describe('reading alerts', () => {
  it('lists alerts with filters, order and top in exactly one request', async () => {
    const alerts = await clientWith().listAlerts(alice, { severities: ['high', 'Medium'], statuses: ['new'], top: 5 });

    const expected = defender.data.alerts
      .filter((alert) => ['High', 'Medium'].includes(alert.severity) && alert.status === 'New')
      .sort((a, b) => b.alertCreationTime.localeCompare(a.alertCreationTime))
      .slice(0, 5);
    expect(alerts.map((alert) => alert.id)).toEqual(expected.map((alert) => alert.id));
    expect(defender.requests).toHaveLength(1);
    expect(decodedPaths()[0]).toBe(
      "/api/alerts?$filter=(severity eq 'High' or severity eq 'Medium') and status eq 'New'&$orderby=alertCreationTime desc&$top=5",
    );
    expect(alerts[0]).not.toHaveProperty('@odata.context');
  });

  it('gets one alert with its evidence in one request', async () => {
    const withEvidence = defender.data.alerts.find((alert) => alert.evidence.length > 0)!;
    const alert = await clientWith().getAlert(alice, withEvidence.id);
    expect(alert.id).toBe(withEvidence.id);
    expect(alert.evidence).toEqual(withEvidence.evidence);
    expect(defender.requests).toHaveLength(1);
  });

  it('refuses an unknown severity before calling Defender', async () => {
    const error = await expectKind(clientWith().listAlerts(alice, { severities: ['catastrophic'] }), 'bad_request');
    expect(error.message).toContain('High');
    expect(defender.requests).toHaveLength(0);
  });

  it('reports to the metrics hook route templates only, never names or queries', async () => {
    const name = WELL_KNOWN_DEVICES.apostrophe;
    await clientWith().getMachine(alice, name);
    await clientWith().searchMachines(alice, 'ws-');
    expect(requestInfos.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'GET', path: '/api/machines/{id}', status: 200 },
      { method: 'GET', path: '/api/machines', status: 200 },
    ]);
  });
});

describe('OData values are escaped', () => {
  it('quotes and doubles apostrophes, and writes dates as unquoted ISO literals', () => {
    expect(odataString("o'brien")).toBe("'o''brien'");
    expect(odataString("''")).toBe("''''''");
    expect(() => odataString('line\nbreak')).toThrow(DefenderApiError);
    expect(() => odataString('nul\u0000')).toThrow(DefenderApiError);
    expect(() => odataString('\uD800lone')).toThrow(DefenderApiError);
    expect(odataDate(Date.UTC(2024, 4, 1, 10, 0, 0))).toBe('2024-05-01T10:00:00.000Z');
    expect(odataDate('2021-01-26T20:33:57.7220239Z')).toBe('2021-01-26T20:33:57.7220239Z');
    expect(odataDate('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(() => odataDate("2024-05-01' or 1 eq 1")).toThrow(DefenderApiError);
  });

  it('finds the device with an apostrophe by name, by prefix and through its actions', async () => {
    const client = clientWith();
    const target = machineNamed(WELL_KNOWN_DEVICES.apostrophe);

    expect((await client.getMachine(alice, WELL_KNOWN_DEVICES.apostrophe)).id).toBe(target.id);
    expect((await client.searchMachines(alice, "o'brien")).map((machine) => machine.id)).toEqual([target.id]);
    expect(decodedPaths()[1]).toBe("/api/machines?$filter=startswith(computerDnsName,'o''brien')&$top=10");
    expect(defender.requests.every((request) => request.status === 200)).toBe(true);
  });

  it.each([
    "zzz') or startswith(computerDnsName,'",
    "zzz' or computerDnsName ne '",
    "zzz'&$filter=computerDnsName ne 'x",
    "zzz') or true or ('",
    "%27) or (1 eq 1",
  ])('returns nothing extra for the injection attempt %p', async (text) => {
    expect(await clientWith().searchMachines(alice, text)).toEqual([]);
    expect(defender.requests).toHaveLength(1);
    expect(defender.requests[0].status).toBe(200);
  });

  it('keeps injection in alert filters inside the literal', async () => {
    const alerts = await clientWith().listAlerts(alice, { assignedTo: "nobody' or severity ne 'x", top: 100 });
    expect(alerts).toEqual([]);
    expect(defender.requests[0].status).toBe(200);
  });

  it('keeps path input inside its segment', async () => {
    const client = clientWith();
    await expectKind(client.getMachine(alice, '../alerts'), 'not_found');
    await expectKind(client.getMachine(alice, `${WELL_KNOWN_DEVICES.isolated}/isolate`), 'not_found');
    expect(defender.requests.map((request) => request.endpoint)).toEqual(['machines.get', 'machines.get']);
    await expectKind(client.getMachine(alice, '..'), 'bad_request');
    await expectKind(client.getMachineAction(alice, "x' or '1"), 'bad_request');
    await expectKind(client.findMachinesByIp(alice, "10.0.0.1',timestamp=2024-01-01Z)", new Date(clock.now())), 'bad_request');
    expect(defender.requests).toHaveLength(2);
  });
});

describe('devices', () => {
  it('answers "device <name>" in three requests: the device, its isolation state and its alerts', async () => {
    const client = clientWith();
    const machine = await client.getMachine(bob, WELL_KNOWN_DEVICES.isolated);
    const state = await client.isolationState(bob, machine.id);
    const alerts = await client.machineAlerts(bob, machine.id);
    expect(state).toMatchObject({ isolated: true, scope: 'Full', pending: null, last: { type: 'Isolate', status: 'Succeeded' } });
    expect(alerts.every((alert: Alert) => alert.machineId === machine.id)).toBe(true);
    expect(defender.requests).toHaveLength(3);
    expect(decodedPaths()[1]).toBe(
      `/api/machineactions?$filter=machineId eq '${machine.id}' and (type eq 'Isolate' or type eq 'Unisolate')` +
        '&$orderby=creationDateTimeUtc desc&$top=5',
    );
  });

  it('says "no such device" and offers the closest names', async () => {
    const client = clientWith();
    const error = await expectKind(client.getMachine(alice, 'ws-0042.contoso.loca'), 'not_found');
    expect(error.status).toBe(404);
    expect(error.code).toBe('ResourceNotFound');
    expect(error.message).toBe('Defender has no device "ws-0042.contoso.loca", or it is outside the device groups you can see.');
    const suggestions = await client.closestMachineNames(alice, 'ws-0042.contoso.loca');
    expect(suggestions[0]).toBe(WELL_KNOWN_DEVICES.isolated);
    expect(suggestions.length).toBeLessThanOrEqual(3);
    expect(defender.requests).toHaveLength(2);
  });

  it('treats a device outside the user\'s device groups as not found', async () => {
    await expectKind(clientWith().getMachine(bob, WELL_KNOWN_DEVICES.finance), 'not_found');
  });

  it('finds devices by IP address at a point in time', async () => {
    const target = machineNamed(WELL_KNOWN_DEVICES.server);
    const machines = await clientWith().findMachinesByIp(alice, target.lastIpAddress, new Date(clock.now()));
    expect(machines.map((machine) => machine.id)).toContain(target.id);
  });

  it('lists machine actions newest first, filtered by type', async () => {
    const target = machineNamed(WELL_KNOWN_DEVICES.isolated);
    const actions = await clientWith().machineActions(alice, target.id, { types: ['Isolate'], top: 2 });
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((action) => action.type === 'Isolate' && action.machineId === target.id)).toBe(true);
    const times = actions.map((action) => action.creationDateTimeUtc);
    expect([...times].sort().reverse()).toEqual(times);
  });
});

describe('paging alerts changed since a watermark', () => {
  it('pages from the last alert read (lastUpdateTime ge), oldest change first, with evidence, stopping at the short page', async () => {
    const since = defender.data.alerts.map((alert) => alert.lastUpdateTime).sort()[200];
    const expected = defender.data.alerts
      .filter((alert) => alert.lastUpdateTime > since)
      .sort((a, b) => a.lastUpdateTime.localeCompare(b.lastUpdateTime));
    const pages: Alert[][] = [];
    for await (const page of clientWith().alertsChangedSince(app, since, 7)) pages.push(page);

    expect(pages.flat().map((alert) => alert.id)).toEqual(expected.map((alert) => alert.id));
    expect(pages.every((page) => page.length <= 7)).toBe(true);
    expect(pages.flat().some((alert) => alert.evidence.length > 0)).toBe(true);
    // Each next page starts again with the last alert read: 7 new alerts, then 6 a page, then the short page.
    expect(defender.requests).toHaveLength(Math.floor((expected.length - 7) / 6) + 2);
    const paths = decodedPaths();
    expect(paths[0]).toBe(`/api/alerts?$filter=lastUpdateTime gt ${since}&$expand=evidence&$orderby=lastUpdateTime asc&$top=7`);
    expect(paths[1]).toBe(
      `/api/alerts?$filter=lastUpdateTime ge ${expected[6].lastUpdateTime}&$expand=evidence&$orderby=lastUpdateTime asc&$top=7`,
    );
    expect(defender.requests.every((request) => request.upn === undefined)).toBe(true); // the app's own token
  });

  it('reads every alert once even when one changes between two page reads', async () => {
    const since = defender.data.alerts.map((alert) => alert.lastUpdateTime).sort()[200];
    const expected = defender.data.alerts
      .filter((alert) => alert.lastUpdateTime > since)
      .sort((a, b) => a.lastUpdateTime.localeCompare(b.lastUpdateTime));
    const moved = expected[2];
    const { lastUpdateTime } = moved;
    let listings = 0;
    defender.afterAnswer = (request) => {
      if (request.endpoint === 'alerts.list' && ++listings === 1) defender.updateAlert(moved.id, { lastUpdateTime: toDefenderTimestamp(clock.now() + 1) });
    };
    try {
      const read: Alert[] = [];
      for await (const page of clientWith().alertsChangedSince(app, since, 7)) read.push(...page);
      const ids = read.map((alert) => alert.id);
      expect(new Set(ids)).toEqual(new Set(expected.map((alert) => alert.id)));
      expect(ids.filter((id) => id === moved.id)).toHaveLength(2); // as it was, then as it is now
      expect(ids.at(-1)).toBe(moved.id);
      expect(decodedPaths().some((path) => path.includes('$skip'))).toBe(false);
    } finally {
      defender.afterAnswer = undefined;
      defender.updateAlert(moved.id, { lastUpdateTime });
    }
  });

  it('follows @odata.nextLink when more than 10,000 alerts changed', async () => {
    const big = await DefenderTwin.start({ entra, clock, alertCount: 10_050 });
    try {
      const since = '2000-01-01T00:00:00Z';
      const pages: Alert[][] = [];
      for await (const page of clientWith({ baseUrl: big.baseUrl }).alertsChangedSince(app, since)) pages.push(page);
      expect(pages.map((page) => page.length)).toEqual([10_000, 50]);
      expect(new Set(pages.flat().map((alert) => alert.id)).size).toBe(10_050);
      expect(big.requests).toHaveLength(2);
      expect(decodeURIComponent(big.requests[1].path)).toContain('$skip=10000');

      // A next link that lost $filter (microsoft-365-docs issue #8316) is refused, never followed.
      big.faults.inject('alerts.list', { kind: 'nextLinkWithoutFilter' });
      const seen: Alert[][] = [];
      const paging = (async () => {
        for await (const page of clientWith({ baseUrl: big.baseUrl }).alertsChangedSince(app, since)) seen.push(page);
      })();
      await expect(paging).rejects.toMatchObject({ kind: 'malformed_response', message: expect.stringContaining('$filter') });
      expect(seen.map((page) => page.length)).toEqual([10_000]);
      expect(big.requests).toHaveLength(3);
    } finally {
      await big.close();
    }
  }, 60_000);
});

describe('isolation', () => {
  it('shows the state before, during and after an isolate and a release as the twin\'s clock advances', async () => {
    const client = clientWith();
    const device = freshDevice();
    expect(await client.isolationState(alice, device.id)).toEqual({ isolated: false, scope: null, pending: null, last: null });

    const isolate = await client.isolate(alice, device.id, 'Ransomware suspected (alert 1234)', 'Selective');
    expect(isolate).toMatchObject({ type: 'Isolate', status: 'Pending', scope: 'Selective', requestor: 'alice@contoso.onmicrosoft.com' });
    expect(await client.isolationState(alice, device.id)).toMatchObject({ isolated: false, pending: { id: isolate.id } });

    clock.advance(60_000);
    expect(await client.isolationState(alice, device.id)).toMatchObject({
      isolated: true, scope: 'Selective', pending: null, last: { id: isolate.id, status: 'Succeeded' },
    });
    expect((await client.getMachineAction(alice, isolate.id)).status).toBe('Succeeded');

    const release = await client.unisolate(alice, device.id, 'Clean after investigation');
    expect(await client.isolationState(alice, device.id)).toMatchObject({ isolated: true, pending: { id: release.id } });
    clock.advance(60_000);
    expect(await client.isolationState(alice, device.id)).toMatchObject({ isolated: false, scope: null, last: { id: release.id } });

    const isolateRequests = recorded('machines.isolate');
    expect(isolateRequests).toHaveLength(1);
    expect(recorded('machines.unisolate')).toHaveLength(1);
  });

  it('maps a duplicate in-flight isolate to already_in_progress, and the pending action is one read away', async () => {
    const client = clientWith();
    const device = freshDevice();
    const first = await client.isolate(alice, device.id, 'First request', 'Full');
    const error = await expectKind(client.isolate(bob, device.id, 'Second request', 'Full'), 'already_in_progress');
    expect(error.code).toBe('ActiveRequestAlreadyExists');
    expect(error.status).toBe(400);
    expect((await client.isolationState(alice, device.id)).pending).toMatchObject({ id: first.id, requestor: 'alice@contoso.onmicrosoft.com' });
  });

  it('maps an unsupported operating system to unsupported_os', async () => {
    const kiosk = machineNamed(WELL_KNOWN_DEVICES.selectiveUnsupported);
    const error = await expectKind(clientWith().isolate(alice, kiosk.id, 'Selective please', 'Selective'), 'unsupported_os');
    expect(error.code).toBe('OsPlatformNotSupported');
  });

  it('refuses an empty comment before calling Defender', async () => {
    await expectKind(clientWith().isolate(alice, freshDevice().id, '   ', 'Full'), 'bad_request');
    expect(defender.requests).toHaveLength(0);
  });
});

describe('read retries', () => {
  it.each([
    ['a 429 with Retry-After', { kind: 'throttle', retryAfterSeconds: 2 }, 'throttle'],
    ['a 500', { kind: 'serverError', status: 500 }, 'serverError'],
    ['a 503', { kind: 'serverError', status: 503 }, 'serverError'],
    ['a connection reset', { kind: 'resetConnection' }, 'resetConnection'],
    ['a truncated JSON body', { kind: 'malformedJson' }, 'malformedJson'],
    ['an empty body', { kind: 'emptyBody' }, 'emptyBody'],
  ] as const)('retries a read after %s and succeeds', async (_label, fault, recordedFault) => {
    defender.faults.inject('alerts.list', fault, 1);
    const alerts = await clientWith().listAlerts(alice, { top: 3 });
    expect(alerts).toHaveLength(3);
    expect(recorded('alerts.list').map((request) => request.fault)).toEqual([recordedFault, undefined]);
    if (fault.kind === 'throttle') expect(sleeps).toEqual([2000]);
  });

  it('retries a read that times out', async () => {
    defender.faults.inject('alerts.get', { kind: 'latency', ms: 1000 }, 1);
    const id = defender.data.alerts[0].id;
    const alert = await clientWith({ timeoutMs: 200 }).getAlert(alice, id);
    expect(alert.id).toBe(id);
    expect(recorded('alerts.get')).toHaveLength(2);
    await twinAnsweredAll();
  });

  it('gives up after the bounded number of attempts with a clear message', async () => {
    defender.faults.inject('alerts.list', { kind: 'serverError', status: 500 });
    const error = await expectKind(clientWith().listAlerts(alice), 'server');
    expect(error.status).toBe(500);
    expect(error.target).toEqual(expect.any(String));
    expect(error.message).toBe('Defender had an internal error (HTTP 500) while trying to list alerts. Please try again in a moment.');
    expect(recorded('alerts.list')).toHaveLength(3);
  });

  it('does not wait for a Retry-After beyond the budget: "Defender is busy, try again in N s"', async () => {
    defender.faults.inject('alerts.list', { kind: 'throttle', retryAfterSeconds: 45 });
    const error = await expectKind(clientWith().listAlerts(alice), 'throttled');
    expect(error.retryAfterSeconds).toBe(45);
    expect(error.message).toBe('Defender is busy, try again in 45 s.');
    expect(recorded('alerts.list')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("waits out the twin's own rate limit when Retry-After fits the budget", async () => {
    defender.rateLimits.enabled = true;
    defender.rateLimits.reset();
    defender.rateLimits.setLimits([{ limit: 1, windowMs: 3000 }], 'alerts.get');
    try {
      const id = defender.data.alerts[1].id;
      const client = clientWith();
      await client.getAlert(alice, id);
      await client.getAlert(alice, id);
      expect(recorded('alerts.get').map((request) => request.status)).toEqual([200, 429, 200]);
      expect(sleeps).toEqual([3000]);

      defender.rateLimits.setLimits([{ limit: 1, windowMs: 60_000 }], 'alerts.get');
      await client.getAlert(alice, id);
      const error = await expectKind(client.getAlert(alice, id), 'throttled');
      expect(error.retryAfterSeconds).toBe(60);
    } finally {
      defender.rateLimits.setLimits(DOCUMENTED_WINDOWS, 'alerts.get');
    }
  });
});

describe('actions are sent exactly once', () => {
  it.each([
    ['a 500', { kind: 'serverError', status: 500 }, 'server'],
    ['a connection reset', { kind: 'resetConnection' }, 'network'],
    ['a truncated body', { kind: 'malformedJson' }, 'malformed_response'],
    ['a 429', { kind: 'throttle', retryAfterSeconds: 1 }, 'throttled'],
  ] as const)('does not retry an isolate that gets %s', async (_label, fault, kind) => {
    defender.faults.inject('machines.isolate', fault);
    const error = await expectKind(clientWith().isolate(alice, freshDevice().id, 'Contain', 'Full'), kind);
    expect(recorded('machines.isolate')).toHaveLength(1);
    expect(sleeps).toEqual([]);
    if (kind !== 'throttled') expect(error.message).toContain('may or may not have been accepted');
  });

  it('does not retry an isolate that times out', async () => {
    defender.faults.inject('machines.isolate', { kind: 'latency', ms: 1000 }, 1);
    const device = freshDevice();
    const error = await expectKind(clientWith({ timeoutMs: 200 }).isolate(alice, device.id, 'Contain', 'Full'), 'timeout');
    expect(error.message).toContain('did not answer within 1 s');
    expect(error.message).toContain('may or may not have been accepted');
    expect(recorded('machines.isolate')).toHaveLength(1);
  });

  it('does not retry a release that gets a 503', async () => {
    defender.faults.inject('machines.unisolate', { kind: 'serverError', status: 503 });
    await expectKind(clientWith().unisolate(alice, machineNamed(WELL_KNOWN_DEVICES.isolated).id, 'Release'), 'server');
    expect(recorded('machines.unisolate')).toHaveLength(1);
  });
});

describe('permission errors people understand', () => {
  it('names the missing Defender role permission on a 403', async () => {
    const device = machineNamed(WELL_KNOWN_DEVICES.isolated);
    const error = await expectKind(clientWith().isolate(carol, device.id, 'Viewer tries', 'Full'), 'forbidden');
    expect(error.status).toBe(403);
    expect(error.requiredAccess).toEqual({
      rolePermission: 'Active remediation actions', delegatedPermissions: ['Machine.Isolate'], applicationPermissions: ['Machine.Isolate'],
    });
    expect(error.message).toContain('"Active remediation actions"');
    expect(error.serverMessage).toContain('Active remediation actions');

    const read = await expectKind(clientWith().listAlerts(dave), 'forbidden');
    expect(read.requiredAccess?.rolePermission).toBe('View Data');
    expect(recorded('alerts.list')).toHaveLength(1); // a 403 is not retried
  });

  it('maps a rejected token to unauthorized without retrying', async () => {
    const error = await expectKind(clientWith().listAlerts(async () => 'not-a-token'), 'unauthorized');
    expect(error.message).not.toContain('not-a-token');
    expect(defender.requests).toHaveLength(1);
  });
});
