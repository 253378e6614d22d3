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
