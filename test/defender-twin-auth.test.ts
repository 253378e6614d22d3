import { ConfidentialClientApplication } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { DEFENDER_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import { foreignSigningKeys } from '../src/twin/signing-keys';
import { DEFENDER_RESOURCE, DefenderHarness } from './support/defender-twin-harness';

let twin: DefenderHarness;

beforeAll(async () => {
  twin = await DefenderHarness.start();
});
afterAll(() => twin.close());

const isolateBody = { Comment: 'Isolate due to alert 1234', IsolationType: 'Full' };

function expectDefenderError(reply: { status: number; headers: Headers; body: unknown }, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(reply.headers.get('odata-version')).toBeNull();
  expect(reply.body).toEqual({ error: { code, message: expect.any(String), target: expect.any(String) } });
}

describe('authentication (401) and audience or tenant (403)', () => {
  it('refuses a request without a bearer token with 401 Unauthorized', async () => {
    expectDefenderError(await twin.call('GET', '/api/alerts'), 401, 'Unauthorized');
    expectDefenderError(await twin.call('GET', '/api/alerts', { headers: { Authorization: 'Basic abc' } }), 401, 'Unauthorized');
  });

  it('refuses a malformed token and a token signed by a key Entra never published with 401', async () => {
    expectDefenderError(await twin.call('GET', '/api/alerts', { token: 'not-a-jwt' }), 401, 'Unauthorized');
    const genuine = jwt.decode(twin.appToken()) as jwt.JwtPayload;
    const forged = foreignSigningKeys(twin.entra.keys.kid).sign(genuine);
    expectDefenderError(await twin.call('GET', '/api/alerts', { token: forged }), 401, 'Unauthorized');
  });

  it('accepts a token until it expires (with 5 minutes of skew), then answers 401', async () => {
    const token = twin.entra.issueAccessToken({ clientId: SEEDED.automationAppId, resource: DEFENDER_RESOURCE, lifetimeSeconds: 60 });
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
    twin.clock.advance((60 + 301) * 1000);
    expectDefenderError(await twin.call('GET', '/api/alerts?$top=1', { token }), 401, 'Unauthorized');
  });

  it('refuses a valid token for another audience with 403, not 401', async () => {
    const token = twin.entra.issueAccessToken({ clientId: SEEDED.botAppId, resource: 'https://api.botframework.com' });
    expectDefenderError(await twin.call('GET', '/api/alerts', { token }), 403, 'Forbidden');
  });

  it('accepts the windowsatpservice App ID URI as audience too', async () => {
    const token = twin.entra.issueAccessToken({
      clientId: SEEDED.automationAppId, resource: 'https://securitycenter.onmicrosoft.com/windowsatpservice',
    });
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
  });

  it('serves one tenant: a valid token of another tenant (Mallory, admin at Fabrikam) gets 403', async () => {
    const reply = await twin.call('GET', '/api/machines', { token: twin.userToken(SEEDED_USERS.mallory) });
    expectDefenderError(reply, 403, 'Forbidden');
    expect(reply.body.error.message).toContain(SEEDED.otherTenantId);
  });
});

describe('application permissions (roles)', () => {
  it('lets the bot app, with a token from client credentials over HTTP (msal-node), read but not isolate', async () => {
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: SEEDED.botAppId, clientSecret: SEEDED.botAppSecret,
        authority: twin.entra.authority(SEEDED.tenantId), knownAuthorities: [twin.entra.knownAuthority],
      },
    });
    const result = await msal.acquireTokenByClientCredential({ scopes: [`${DEFENDER_RESOURCE}/.default`] });
    const token = result!.accessToken;
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);

    expect((await twin.call('GET', '/api/alerts?$top=3', { token })).status).toBe(200);
    expect((await twin.call('GET', `/api/machines/${machine.id}`, { token })).status).toBe(200);
    expect((await twin.call('GET', '/api/machineactions?$top=3', { token })).status).toBe(200);

    const isolate = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token, body: isolateBody });
    expectDefenderError(isolate, 403, 'Forbidden');
    expect(isolate.body.error.message).toBe(
      'Missing application roles. API required roles: Machine.Isolate, application roles: Alert.Read.All,Machine.Read.All.',
    );
    const patch = await twin.call('PATCH', `/api/alerts/${twin.defender.data.alerts[0].id}`, { token, body: { status: 'Resolved' } });
    expectDefenderError(patch, 403, 'Forbidden');
    expect(twin.defender.requests.at(-1)).toMatchObject({ method: 'PATCH', status: 403, appId: SEEDED.botAppId, endpoint: 'alerts.update' });
  });

  it('lets an app with Machine.Isolate act, with its display name and tenant as requestor', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const reply = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token: twin.appToken(), body: isolateBody });
    expect(reply.status).toBe(201);
    expect(reply.body.requestor).toBe('SOC Automation (contoso.onmicrosoft.com)');
  });

  it('refuses machine reads to an app whose token only carries alert roles', async () => {
    twin.entra.directory.addApp({
      clientId: '0a1b2c3d-0000-4000-8000-00000000a1e7', displayName: 'Alert Reader', tenantId: SEEDED.tenantId, secrets: [],
      identifierUris: [], exposedScopes: [], preAuthorizedClientIds: [],
      applicationPermissions: { [DEFENDER_API.appId]: ['Alert.Read.All'] }, delegatedPermissions: {},
    });
    const token = twin.appToken('0a1b2c3d-0000-4000-8000-00000000a1e7');
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
    expectDefenderError(await twin.call('GET', '/api/machines', { token }), 403, 'Forbidden');
    expectDefenderError(await twin.call('GET', '/api/machineactions', { token }), 403, 'Forbidden');
  });
});

describe('delegated permissions: scopes, Defender role and device groups', () => {
  it("lets a viewer (Carol) read everything but neither isolate nor update alerts", async () => {
    const token = twin.userToken(SEEDED_USERS.carol);
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    expect((await twin.call('GET', '/api/machines', { token })).body.value).toHaveLength(twin.defender.data.machines.length);
    expect((await twin.call('GET', `/api/machines/${machine.id}`, { token })).status).toBe(200);

    const isolate = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token, body: isolateBody });
    expectDefenderError(isolate, 403, 'Forbidden');
    expect(isolate.body.error.message).toContain('Active remediation actions');
    const alert = twin.defender.data.alerts[0];
    expectDefenderError(await twin.call('PATCH', `/api/alerts/${alert.id}`, { token, body: { status: 'InProgress' } }), 403, 'Forbidden');
    expect(twin.defender.requests.at(-1)).toMatchObject({ upn: 'carol@contoso.onmicrosoft.com', appId: SEEDED.botAppId, status: 403 });
  });

  it('refuses a user without a Defender role (Dave) even reads', async () => {
    const reply = await twin.call('GET', '/api/alerts', { token: twin.userToken(SEEDED_USERS.dave) });
    expectDefenderError(reply, 403, 'Forbidden');
    expect(reply.body.error.message).toContain('View Data');
  });

  it('limits a responder (Bob, Workstations only) to his device group: lists filter, single items are 404', async () => {
    const token = twin.userToken(SEEDED_USERS.bob);
    const machines = (await twin.call('GET', '/api/machines', { token })).body.value as { rbacGroupName: string }[];
    expect(machines.length).toBeGreaterThan(0);
    expect(new Set(machines.map((machine) => machine.rbacGroupName))).toEqual(new Set(['Workstations']));

    const alerts = (await twin.call('GET', '/api/alerts', { token })).body.value as { machineId: string }[];
    const workstationIds = new Set(twin.defender.data.machines.filter((m) => m.rbacGroupName === 'Workstations').map((m) => m.id));
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((alert) => workstationIds.has(alert.machineId))).toBe(true);

    const actions = (await twin.call('GET', '/api/machineactions', { token })).body.value as { machineId: string }[];
    expect(actions.every((action) => workstationIds.has(action.machineId))).toBe(true);

    const finance = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const financeAlert = twin.defender.data.alerts.find((alert) => alert.machineId === finance.id)!;
    const financeAction = twin.defender.data.actions.find((action) => action.machineId === finance.id)!;
    for (const path of [
      `/api/machines/${finance.id}`, `/api/machines/${encodeURIComponent(finance.computerDnsName)}`, `/api/alerts/${financeAlert.id}`,
      `/api/machines/${finance.id}/alerts`, `/api/machineactions/${financeAction.id}`,
    ]) {
      expectDefenderError(await twin.call('GET', path, { token }), 404, 'ResourceNotFound');
    }
    const isolate = await twin.call('POST', `/api/machines/${finance.id}/isolate`, { token, body: isolateBody });
    expectDefenderError(isolate, 404, 'ResourceNotFound');
    expect(twin.defender.data.actions.filter((action) => action.machineId === finance.id && action.requestor.startsWith('bob'))).toEqual([]);
  });

  it('lets the responder act on a device in his group, with his UPN as requestor', async () => {
    const token = twin.userToken(SEEDED_USERS.bob);
    const workstation = twin.machineByName(WELL_KNOWN_DEVICES.apostrophe);
    const reply = await twin.call('POST', `/api/machines/${workstation.id}/isolate`, { token, body: isolateBody });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ requestor: 'bob@contoso.onmicrosoft.com', machineId: workstation.id, status: 'Pending' });
  });

  it('lets an admin (Alice) see every device, ungrouped ones included', async () => {
    const machines = (await twin.call('GET', '/api/machines', { token: twin.userToken(SEEDED_USERS.alice) })).body.value;
    expect(machines).toHaveLength(twin.defender.data.machines.length);
    expect(machines.some((machine: { rbacGroupName: string | null }) => machine.rbacGroupName === null)).toBe(true);
  });

  it('needs the delegated scope as well as the role: an app consented only for alerts cannot read machines', async () => {
    const clientId = '0a1b2c3d-0000-4000-8000-0000000005c0';
    twin.entra.directory.addApp({
      clientId, displayName: 'Alert Viewer', tenantId: SEEDED.tenantId, secrets: [], identifierUris: [], exposedScopes: [],
      preAuthorizedClientIds: [], applicationPermissions: {}, delegatedPermissions: { [DEFENDER_API.appId]: ['Alert.Read'] },
    });
    const token = twin.userToken(SEEDED_USERS.alice, clientId);
    expect((await twin.call('GET', '/api/alerts?$top=1', { token })).status).toBe(200);
    const reply = await twin.call('GET', '/api/machines', { token });
    expectDefenderError(reply, 403, 'Forbidden');
    expect(reply.body.error.message).toContain('Missing delegated scopes');
  });

  it("follows role changes in the directory at once (the user's role is read per request)", async () => {
    const token = twin.userToken(SEEDED_USERS.carol);
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    twin.entra.directory.updateUser(SEEDED_USERS.carol, { defenderRole: 'responder' });
    try {
      const reply = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token, body: isolateBody });
      expect(reply.status).toBe(201);
    } finally {
      twin.entra.directory.updateUser(SEEDED_USERS.carol, { defenderRole: 'viewer' });
    }
  });
});
