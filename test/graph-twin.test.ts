/**
 * The Graph security twin over loopback: incidents built from the Defender twin's alerts, scoped
 * by the caller's device groups, with Graph's filters, PATCH, comments, errors and throttling.
 */
import { startTwin, type Twin } from '../src/twin';
import { GRAPH_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { fetchJson } from './support/fetch-json';

const GRAPH = GRAPH_API.identifierUris[0];
let twin: Twin;

beforeAll(async () => {
  twin = await startTwin({ seed: 7 });
});
afterAll(() => twin.close());

const tokenOf = (oid?: string) => twin.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: GRAPH, userOid: oid });
const call = (method: string, path: string, token: string, body?: unknown) => fetchJson(`${twin.graph.baseUrl}${path}`, {
  method,
  headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/** The incident ids whose alerts are on devices in these device groups. */
function incidentIdsIn(groups: string[] | 'all'): Set<string> {
  const { alerts, machines } = twin.defender.data;
  return new Set(alerts.filter((alert) => {
    const group = machines.find((machine) => machine.id === alert.machineId)?.rbacGroupName;
    return alert.incidentId !== null && (groups === 'all' || (group !== null && group !== undefined && groups.includes(group)));
  }).map((alert) => String(alert.incidentId)));
}

describe('incidents', () => {
  it('groups the Defender alerts into incidents by incidentId, newest first, with alerts on $expand', async () => {
    const reply = await call('GET', '/v1.0/security/incidents?$top=50&$expand=alerts', tokenOf(SEEDED_USERS.alice));
    expect(reply.status).toBe(200);
    const incidents = reply.body.value as { id: string; createdDateTime: string; alerts: { id: string; incidentId: string }[] }[];
    expect(incidents.length).toBeGreaterThan(1);
    expect(new Set(incidents.map((incident) => incident.id))).toEqual(new Set([...incidentIdsIn('all')].filter((id) => incidents.some((i) => i.id === id))));
    for (const incident of incidents) {
      const expected = twin.defender.data.alerts.filter((alert) => String(alert.incidentId) === incident.id).map((alert) => alert.id).sort();
      expect(incident.alerts.map((alert) => alert.id).sort()).toEqual(expected);
    }
    const times = incidents.map((incident) => incident.createdDateTime);
    expect(times).toEqual([...times].sort().reverse());
    const plain = await call('GET', '/v1.0/security/incidents?$top=1', tokenOf(SEEDED_USERS.alice));
    expect(plain.body.value[0].alerts).toBeUndefined();
  });

  it('shows a user only the incidents with an alert in their device groups, and only those alerts', async () => {
    const reply = await call('GET', '/v1.0/security/incidents?$top=50&$expand=alerts', tokenOf(SEEDED_USERS.bob));
    expect(reply.status).toBe(200);
    const visible = incidentIdsIn(['Workstations']);
    const ids = (reply.body.value as { id: string }[]).map((incident) => incident.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(visible.has(id)).toBe(true);
    const hidden = [...incidentIdsIn('all')].find((id) => !visible.has(id))!;
    expect(hidden).toBeDefined();
    const refused = await call('GET', `/v1.0/security/incidents/${hidden}`, tokenOf(SEEDED_USERS.bob));
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('NotFound');
    expect(refused.body.error.innerError['request-id']).toEqual(expect.any(String));
  });

  it('filters on status, severity and assignedTo as Graph documents', async () => {
    const token = tokenOf(SEEDED_USERS.alice);
    const all = twin.graph.incidents();
    const high = await call('GET', `/v1.0/security/incidents?$count=true&$filter=${encodeURIComponent("severity eq 'high' and status eq 'active'")}`, token);
    expect(high.status).toBe(200);
    expect(high.body['@odata.count']).toBe(all.filter((incident) => incident.severity === 'high' && incident.status === 'active').length);
    for (const incident of high.body.value) expect(incident).toMatchObject({ severity: 'high', status: 'active' });
    const bad = await call('GET', `/v1.0/security/incidents?$filter=${encodeURIComponent("title eq 'x'")}`, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BadRequest');
    expect((await call('GET', '/v1.0/security/incidents?$top=51', token)).status).toBe(400);
  });

  it('PATCHes status, assignee, classification and determination, and keeps comments, as the caller', async () => {
    const id = twin.graph.incidents()[0].id;
    const token = tokenOf(SEEDED_USERS.alice);
    const patched = await call('PATCH', `/v1.0/security/incidents/${id}`, token, {
      status: 'resolved', assignedTo: 'alice@contoso.onmicrosoft.com', classification: 'truePositive', determination: 'malware',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, status: 'resolved', assignedTo: 'alice@contoso.onmicrosoft.com', classification: 'truePositive', determination: 'malware' });
    const read = await call('GET', `/v1.0/security/incidents/${id}`, token);
    expect(read.body.status).toBe('resolved');
    const assigned = await call('GET', `/v1.0/security/incidents?$filter=${encodeURIComponent("assignedTo eq 'alice@contoso.onmicrosoft.com'")}`, token);
    expect(assigned.body.value.map((incident: { id: string }) => incident.id)).toContain(id);
    const comments = await call('POST', `/v1.0/security/incidents/${id}/comments`, token, { comment: 'Contained.' });
    expect(comments.status).toBe(200);
    expect(comments.body.value.at(-1)).toMatchObject({ comment: 'Contained.', createdByDisplayName: 'alice@contoso.onmicrosoft.com' });
    const awaiting = await call('PATCH', `/v1.0/security/incidents/${id}`, token, { status: 'awaitingAction' });
    expect(awaiting.status).toBe(400);
  });

  it('refuses a viewer\'s PATCH (Alerts investigation) and a token for another resource', async () => {
    const id = [...incidentIdsIn('all')][0];
    const viewer = await call('PATCH', `/v1.0/security/incidents/${id}`, tokenOf(SEEDED_USERS.carol), { status: 'active' });
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe('Forbidden');
    const defenderToken = twin.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: 'https://api.securitycenter.microsoft.com', userOid: SEEDED_USERS.alice });
    expect((await call('GET', '/v1.0/security/incidents', defenderToken)).status).toBe(401);
  });

  it('throttles with 429 TooManyRequests and Retry-After', async () => {
    twin.graph.setLimits([{ limit: 1, windowMs: 60_000 }]);
    try {
      const token = tokenOf(SEEDED_USERS.alice);
      expect((await call('GET', '/v1.0/security/incidents?$top=1', token)).status).toBe(200);
      const throttled = await call('GET', '/v1.0/security/incidents?$top=1', token);
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe('TooManyRequests');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      twin.graph.setLimits([{ limit: 150, windowMs: 60_000 }]);
    }
  });
});

describe('Graph tokens from the Entra twin', () => {
  it('grants the bot exactly the consented Graph scopes, as docs/deployment.md lists them', () => {
    const claims = twin.entra.verifyAccessToken(tokenOf(SEEDED_USERS.bob), [GRAPH]);
    expect(claims.scp!.split(' ').sort()).toEqual(['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All']);
  });
});

describe('advanced hunting (runHuntingQuery)', () => {
  const hunt = (query: string, oid: string = SEEDED_USERS.alice, extra: Record<string, unknown> = {}) =>
    call('POST', '/v1.0/security/runHuntingQuery', tokenOf(oid), { Query: query, ...extra });

  it('runs where/project/order/take over the tables built from the twin, with Graph\'s schema and results', async () => {
    const process = twin.graph.huntingTables().DeviceProcessEvents.rows[0];
    const reply = await hunt(`DeviceProcessEvents | where SHA256 == "${process.SHA256}" | project DeviceName, FileName, SHA256 | order by DeviceName asc | take 5`);
    expect(reply.status).toBe(200);
    expect(reply.body.schema).toEqual([{ Name: 'DeviceName', Type: 'String' }, { Name: 'FileName', Type: 'String' }, { Name: 'SHA256', Type: 'String' }]);
    expect(reply.body.results).toContainEqual({ DeviceName: process.DeviceName, FileName: process.FileName, SHA256: process.SHA256 });
  });

  it('supports has, contains, in, !=, ago() and summarize count() by', async () => {
    const rows = twin.graph.huntingTables().AlertInfo.rows;
    const counted = await hunt('AlertInfo | where Timestamp > ago(30d) and Severity in ("High", "Medium") and Title != "x" | summarize count() by Severity');
    expect(counted.status).toBe(200);
    const expected = (severity: string) => rows.filter((row) => row.Severity === severity && String(row.Timestamp) > new Date(twin.clock.now() - 30 * 86_400_000).toISOString()).length;
    expect(counted.body.results).toEqual(expect.arrayContaining([{ Severity: 'High', count_: expected('High') }, { Severity: 'Medium', count_: expected('Medium') }]));
    const has = await hunt('AlertInfo | where Title has "Mimikatz" | project Title');
    for (const row of has.body.results) expect(row.Title).toContain('Mimikatz');
    const contains = await hunt('AlertInfo | where Title contains "mimi" | project Title');
    expect(contains.body.results).toHaveLength(has.body.results.length);
  });

  it('scopes rows to the caller\'s device groups', async () => {
    const all = await hunt('DeviceInfo | project DeviceName, MachineGroup');
    const bob = await hunt('DeviceInfo | project DeviceName, MachineGroup', SEEDED_USERS.bob);
    expect(bob.body.results.length).toBeGreaterThan(0);
    expect(bob.body.results.length).toBeLessThan(all.body.results.length);
    for (const row of bob.body.results) expect(row.MachineGroup).toBe('Workstations');
  });

  it('answers unknown syntax, unknown tables and columns with Graph\'s 400', async () => {
    for (const query of ['DeviceInfo | extend X = 1', 'NoSuchTable', 'DeviceInfo | where Nope == 1', 'DeviceInfo | where DeviceName ==']) {
      const reply = await hunt(query);
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('BadRequest');
    }
  });

  it('refuses results past the row limit, and throttles past the quota', async () => {
    twin.graph.huntingRowLimit = 3;
    try {
      const reply = await hunt('DeviceInfo');
      expect(reply.status).toBe(400);
      expect(reply.body.error.message).toContain('limit of 3 rows');
    } finally {
      twin.graph.huntingRowLimit = 100_000;
    }
    twin.graph.setHuntingLimits([{ limit: 1, windowMs: 60_000 }]);
    try {
      expect((await hunt('DeviceInfo | take 1')).status).toBe(200);
      const throttled = await hunt('DeviceInfo | take 1');
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      twin.graph.setHuntingLimits([{ limit: 45, windowMs: 60_000 }]);
    }
  });
});
