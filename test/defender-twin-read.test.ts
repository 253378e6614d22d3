import { sparseMachine, WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import {
  ALERT_FIELDS, CONTEXT_BASE, DEFENDER_TIMESTAMP, DefenderHarness, EVIDENCE_FIELDS, keysOf, MACHINE_ACTION_FIELDS,
  MACHINE_FIELDS, ODATA_JSON,
} from './support/defender-twin-harness';

let twin: DefenderHarness;
let token: string;

beforeAll(async () => {
  twin = await DefenderHarness.start({ seed: 7 });
  token = twin.appToken();
});
afterAll(() => twin.close());

const get = (path: string) => twin.call('GET', path, { token });

function expectODataHeaders(headers: Headers): void {
  expect(headers.get('content-type')).toBe(ODATA_JSON);
  expect(headers.get('odata-version')).toBe('4.0');
}

describe('alerts', () => {
  it('lists alerts as an OData collection with the documented fields, and evidence only on $expand', async () => {
    const reply = await get('/api/alerts');
    expect(reply.status).toBe(200);
    expectODataHeaders(reply.headers);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Alerts`);
    expect(reply.body['@odata.nextLink']).toBeUndefined();
    expect(reply.body.value).toHaveLength(twin.defender.data.alerts.length);
    const sparse = sparseMachine(twin.defender.data)!;
    for (const alert of reply.body.value) {
      // Alerts on the sparse device leave out `domains` (and carry null arrays), as real answers may.
      expect(keysOf(alert)).toEqual(alert.machineId === sparse.id ? ALERT_FIELDS.filter((field) => field !== 'domains') : ALERT_FIELDS);
      expect(['UnSpecified', 'Informational', 'Low', 'Medium', 'High']).toContain(alert.severity);
      expect(['Unknown', 'New', 'InProgress', 'Resolved']).toContain(alert.status);
      expect(alert.alertCreationTime).toMatch(DEFENDER_TIMESTAMP);
      expect(alert.evidence).toEqual([]);
    }

    const expanded = (await get('/api/alerts?$expand=evidence')).body.value as { evidence: Record<string, unknown>[] }[];
    const evidence = expanded.flatMap((alert) => alert.evidence);
    expect(evidence.length).toBeGreaterThan(0);
    for (const item of evidence) expect(keysOf(item)).toEqual(EVIDENCE_FIELDS);
  });

  it('answers one alert with evidence and #Alerts/$entity, on /api and /api/v1.0 alike', async () => {
    const seeded = twin.defender.data.alerts.find((alert) => alert.evidence.length > 0)!;
    for (const prefix of ['/api', '/api/v1.0']) {
      const reply = await get(`${prefix}/alerts/${seeded.id}`);
      expect(reply.status).toBe(200);
      expectODataHeaders(reply.headers);
      expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Alerts/$entity`);
      expect(keysOf(reply.body)).toEqual(ALERT_FIELDS);
      expect(reply.body.evidence).toEqual(seeded.evidence);
    }
    const missing = await get('/api/alerts/da000000000000000000_1');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ResourceNotFound');
  });

  it('filters, orders, pages with $top/$skip and counts', async () => {
    const high = (await get("/api/alerts?$filter=severity eq 'High'&$orderby=alertCreationTime desc")).body.value;
    const expected = twin.defender.data.alerts.filter((alert) => alert.severity === 'High');
    expect(high).toHaveLength(expected.length);
    const times = high.map((alert: { alertCreationTime: string }) => alert.alertCreationTime);
    expect(times).toEqual([...times].sort().reverse());

    const page = await get('/api/alerts?$top=5&$skip=5&$orderby=alertCreationTime asc');
    expect(page.body.value).toHaveLength(5);
    expect(page.body['@odata.nextLink']).toBeUndefined();

    const counted = await get("/api/alerts?$filter=status ne 'Resolved'&$count=true&$top=1");
    const open = twin.defender.data.alerts.filter((alert) => alert.status !== 'Resolved').length;
    expect(counted.body['@odata.count']).toBe(open);

    const bare = await get("/api/alerts/$count?$filter=status ne 'Resolved'");
    expect(bare.status).toBe(200);
    expect(bare.text).toBe(String(open));
  });

  it('refuses invalid OData with 400 ODataError, $top above 10,000 included', async () => {
    for (const query of ['$top=10001', "$filter=severity eq 'Urgent' or", '$filter=title eq \'x\'', '$select=id', '$top=-1']) {
      const reply = await get(`/api/alerts?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('ODataError');
    }
  });

  it("answers the alert's machine as #Machines/$entity", async () => {
    const alert = twin.defender.data.alerts[3];
    const reply = await get(`/api/alerts/${alert.id}/machine`);
    expect(reply.status).toBe(200);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines/$entity`);
    expect(reply.body.id).toBe(alert.machineId);
  });
});

describe('machines', () => {
  it('lists machines with the documented fields and no isolation flag', async () => {
    const reply = await get('/api/machines');
    expect(reply.status).toBe(200);
    expectODataHeaders(reply.headers);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines`);
    const sparse = sparseMachine(twin.defender.data)!;
    for (const machine of reply.body.value) {
      expect(keysOf(machine)).toEqual(machine.id === sparse.id ? MACHINE_FIELDS.filter((field) => field !== 'ipAddresses') : MACHINE_FIELDS);
      expect(machine.id).toMatch(/^[0-9a-f]{40}$/);
      expect(['Active', 'Inactive', 'ImpairedCommunication', 'NoSensorData', 'NoSensorDataImpairedCommunication', 'Unknown'])
        .toContain(machine.healthStatus);
    }
    const filtered = await get(`/api/machines?$filter=startswith(computerDnsName,'srv-')&$orderby=computerDnsName`);
    expect(filtered.body.value.every((machine: { computerDnsName: string }) => machine.computerDnsName.startsWith('srv-'))).toBe(true);
  });

  it('finds one machine by id or by computer name, the apostrophe one included', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.apostrophe);
    for (const key of [machine.id, encodeURIComponent(machine.computerDnsName), machine.computerDnsName.toUpperCase()]) {
      const reply = await get(`/api/machines/${key}`);
      expect(reply.status).toBe(200);
      expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines/$entity`);
      expect(reply.body.id).toBe(machine.id);
    }
    expect((await get('/api/machines/0000000000000000000000000000000000000000')).status).toBe(404);
    expect((await get('/api/machines/no-such-host.contoso.local')).status).toBe(404);
  });

  it('finds machines by tag, exactly or by prefix', async () => {
    const vip = await get('/api/machines/findbytag?tag=VIP');
    expect(vip.status).toBe(200);
    expect(vip.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines`);
    expect(vip.body.value.map((machine: { computerDnsName: string }) => machine.computerDnsName)).toContain(WELL_KNOWN_DEVICES.isolated);
    expect((await get('/api/machines/findbytag?tag=Crit')).body.value).toEqual([]);
    const prefixed = await get('/api/machines/findbytag?tag=Crit&useStartsWithFilter=true');
    expect(prefixed.body.value.map((machine: { computerDnsName: string }) => machine.computerDnsName)).toContain(WELL_KNOWN_DEVICES.server);
    expect((await get('/api/machines/findbytag')).body.error.code).toBe('MissingRequiredParameter');
  });

  it('finds machines by IP around a timestamp, and refuses timestamps older than 30 days', async () => {
    const server = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const now = new Date(twin.clock.now()).toISOString();
    const reply = await get(`/api/machines/findbyip(ip='${server.lastIpAddress}',timestamp=${now})`);
    expect(reply.status).toBe(200);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines`);
    expect(reply.body.value.map((machine: { id: string }) => machine.id)).toEqual([server.id]);

    const old = new Date(twin.clock.now() - 31 * 24 * 3600_000).toISOString();
    const tooOld = await get(`/api/machines/findbyip(ip='${server.lastIpAddress}',timestamp=${old})`);
    expect(tooOld.status).toBe(400);
    const badIp = await get(`/api/machines/findbyip(ip='10.1.999.1',timestamp=${now})`);
    expect(badIp.status).toBe(400);
    expect(badIp.body.error.code).toBe('InvalidIpAddress');
  });

  it("lists a machine's alerts (OData) and counts them", async () => {
    const server = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const expected = twin.defender.data.alerts.filter((alert) => alert.machineId === server.id);
    const reply = await get(`/api/machines/${server.id}/alerts`);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Alerts`);
    expect(reply.body.value.map((alert: { id: string }) => alert.id).sort()).toEqual(expected.map((alert) => alert.id).sort());
    expect((await get(`/api/machines/${server.id}/alerts/$count`)).text).toBe(String(expected.length));
  });
});

describe('machine actions', () => {
  it('lists actions with the documented fields, filtered and ordered as isolation-history clients ask', async () => {
    const isolated = twin.machineByName(WELL_KNOWN_DEVICES.isolated);
    const query = `$filter=machineId eq '${isolated.id}' and (type eq 'Isolate' or type eq 'Unisolate')`
      + '&$orderby=creationDateTimeUtc desc&$top=5';
    const reply = await get(`/api/machineactions?${query}`);
    expect(reply.status).toBe(200);
    expectODataHeaders(reply.headers);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#MachineActions`);
    const actions = reply.body.value;
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(keysOf(action)).toEqual(MACHINE_ACTION_FIELDS);
      expect(['Isolate', 'Unisolate']).toContain(action.type);
      expect(action.machineId).toBe(isolated.id);
    }
    const created = actions.map((action: { creationDateTimeUtc: string }) => action.creationDateTimeUtc);
    expect(created).toEqual([...created].sort().reverse());
    expect(actions[0]).toMatchObject({ type: 'Isolate', status: 'Succeeded' });
  });

  it('answers one action, 404 for an unknown GUID and 400 for a non-GUID id', async () => {
    const seeded = twin.defender.data.actions[0];
    const reply = await get(`/api/machineactions/${seeded.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#MachineActions/$entity`);
    expect(reply.body.id).toBe(seeded.id);
    const unknown = await get('/api/machineactions/8af71966-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const notGuid = await get('/api/machineactions/12345');
    expect(notGuid.status).toBe(400);
    expect(notGuid.body.error).toMatchObject({ code: 'BadRequest', message: expect.stringContaining("'Edm.Guid'") });
  });
});

describe('routes the twin does not serve', () => {
  it('answers a wrong method with 405, an empty body and Allow', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const wrong = await twin.call('GET', `/api/machines/${machine.id}/isolate`, { token });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.text).toBe('');
    const deleteAlerts = await twin.call('DELETE', '/api/alerts', { token });
    expect(deleteAlerts.status).toBe(405);
    expect(deleteAlerts.headers.get('allow')).toBe('GET');
  });

  it('answers an unknown path with 404 in the Defender error shape', async () => {
    const reply = await get('/api/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: 'ResourceNotFound', message: expect.any(String), target: expect.any(String) } });
  });

  it('answers real Defender routes it does not simulate with 501, never a made-up success', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const action = twin.defender.data.actions[0];
    const calls: [string, string][] = [
      ['POST', `/api/machines/${machine.id}/runliveresponse`], ['POST', `/api/machines/${machine.id}/offboard`],
      ['POST', `/api/machines/${machine.id}/startInvestigation`], ['GET', `/api/machines/${machine.id}/logonusers`],
      ['POST', '/api/advancedqueries/run'], ['POST', '/api/alerts/batchUpdate'], ['POST', '/api/alerts/CreateAlertByReference'],
      ['GET', `/api/machineactions/${action.id}/GetLiveResponseResultDownloadLink(index=0)`],
    ];
    for (const [method, path] of calls) {
      const reply = await twin.call(method, path, { token, body: method === 'POST' ? { Comment: 'x' } : undefined });
      expect([method, path, reply.status, reply.body.error.code]).toEqual([method, path, 501, 'NotImplemented']);
    }
  });
});

describe('paging beyond 10,000 rows and an empty tenant', () => {
  let big: DefenderHarness;
  beforeAll(async () => {
    big = await DefenderHarness.start({ machineCount: 12, alertCount: 10_003 });
  });
  afterAll(() => big.close());

  it('answers 10,000 alerts and a nextLink on the twin that carries the query and $skip', async () => {
    const bigToken = big.appToken();
    const query = '$filter=alertCreationTime ge 2000-01-01T00:00:00Z&$orderby=alertCreationTime asc';
    const page = await big.call('GET', `/api/alerts?${query}`, { token: bigToken });
    expect(page.body.value).toHaveLength(10_000);
    const nextLink: string = page.body['@odata.nextLink'];
    expect(nextLink.startsWith(`${big.defender.baseUrl}/api/alerts?`)).toBe(true);
    const nextParams = new URL(nextLink).searchParams;
    expect(nextParams.get('$filter')).toBe('alertCreationTime ge 2000-01-01T00:00:00Z');
    expect(nextParams.get('$skip')).toBe('10000');
    const rest = await big.call('GET', nextLink, { token: bigToken });
    expect(rest.body.value).toHaveLength(3);
    expect(rest.body['@odata.nextLink']).toBeUndefined();

    const capped = await big.call('GET', '/api/alerts?$top=10000', { token: bigToken });
    expect(capped.body.value).toHaveLength(10_000);
    expect(capped.body['@odata.nextLink']).toBeUndefined();
  });

  it('answers GET /api/machines on a tenant without machines with 404 (documented oddity)', async () => {
    const empty = await DefenderHarness.start({ machineCount: 0, alertCount: 0 });
    try {
      const reply = await empty.call('GET', '/api/machines', { token: empty.appToken() });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('ResourceNotFound');
      expect((await empty.call('GET', '/api/alerts', { token: empty.appToken() })).body.value).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});
