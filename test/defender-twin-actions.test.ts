import { DEFENDER_API, SEEDED, SEEDED_USERS } from '../src/twin/directory';
import type { Machine } from '../src/twin/defender/model';
import { WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';
import {
  CONTEXT_BASE, DEFENDER_TIMESTAMP, DefenderHarness, keysOf, MACHINE_ACTION_FIELDS, ODATA_JSON,
} from './support/defender-twin-harness';

let twin: DefenderHarness;

/**
 * A client consented for every delegated action permission (the bot is consented only for what it
 * uses), so that each response action of the Defender twin can be exercised as a user.
 */
const CONSOLE_APP_ID = '0c0501e0-0000-4000-8000-00000000c0de';

beforeEach(async () => {
  twin = await DefenderHarness.start();
  twin.defender.actionTiming = { pendingMs: 5_000, inProgressMs: 10_000, offlineTimeoutMs: 60 * 60_000 };
  twin.entra.directory.addApp({
    clientId: CONSOLE_APP_ID, displayName: 'Responder console', tenantId: SEEDED.tenantId, secrets: [], identifierUris: [],
    exposedScopes: [], preAuthorizedClientIds: [], applicationPermissions: {},
    delegatedPermissions: { [DEFENDER_API.appId]: DEFENDER_API.delegatedScopes },
  });
});
afterEach(() => twin.close());

const alice = () => twin.userToken(SEEDED_USERS.alice, CONSOLE_APP_ID);

function act(machine: Machine, segment: string, body: unknown, token = alice()) {
  return twin.call('POST', `/api/machines/${machine.id}/${segment}`, { token, body });
}

/**
 * Reference §8: the Succeeded Isolate/Unisolate that finished last decides (a held action can finish
 * after a newer one), and every unfinished one is a transition under way.
 */
async function isolationState(machine: Machine): Promise<{ isolated: boolean; scope: string | null; inFlight: string[] }> {
  const query = `$filter=machineId eq '${machine.id}' and (type eq 'Isolate' or type eq 'Unisolate')`
    + '&$orderby=creationDateTimeUtc desc&$top=5';
  const reply = await twin.call('GET', `/api/machineactions?${query}`, { token: alice() });
  expect(reply.status).toBe(200);
  const actions: { type: string; status: string; scope: string | null; lastUpdateDateTimeUtc: string }[] = reply.body.value;
  const decided = actions.filter((action) => action.status === 'Succeeded')
    .sort((a, b) => (a.lastUpdateDateTimeUtc < b.lastUpdateDateTimeUtc ? 1 : -1))[0];
  const inFlight = actions.filter((action) => action.status === 'Pending' || action.status === 'InProgress');
  return {
    isolated: decided?.type === 'Isolate',
    scope: decided?.type === 'Isolate' ? decided.scope : null,
    inFlight: inFlight.map((action) => `${action.type}:${action.status}`),
  };
}

describe('isolate and release through the action history', () => {
  it('shows an isolate as Pending, then InProgress, then Succeeded, and the derived isolation state follows', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    expect(await isolationState(machine)).toEqual({ isolated: false, scope: null, inFlight: [] });

    const reply = await act(machine, 'isolate', { Comment: 'Isolate due to alert 1234', IsolationType: 'Full' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toBe(ODATA_JSON);
    expect(reply.headers.get('odata-version')).toBe('4.0');
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#MachineActions/$entity`);
    expect(keysOf(reply.body)).toEqual(MACHINE_ACTION_FIELDS);
    expect(reply.body).toMatchObject({
      type: 'Isolate', title: null, scope: 'Full', status: 'Pending', requestor: 'alice@contoso.onmicrosoft.com',
      requestorComment: 'Isolate due to alert 1234', machineId: machine.id, computerDnsName: machine.computerDnsName,
      cancellationRequestor: null, cancellationComment: null, cancellationDateTimeUtc: null, errorHResult: 0,
      externalId: null, requestSource: 'PublicApi', relatedFileInfo: null, commands: [], troubleshootInfo: null,
    });
    expect(reply.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(reply.body.creationDateTimeUtc).toMatch(DEFENDER_TIMESTAMP);
    expect(await isolationState(machine)).toEqual({ isolated: false, scope: null, inFlight: ['Isolate:Pending'] });

    twin.clock.advance(5_000);
    const running = await twin.call('GET', `/api/machineactions/${reply.body.id}`, { token: alice() });
    expect(running.body.status).toBe('InProgress');
    expect(await isolationState(machine)).toEqual({ isolated: false, scope: null, inFlight: ['Isolate:InProgress'] });

    twin.clock.advance(10_000);
    const done = await twin.call('GET', `/api/machineactions/${reply.body.id}`, { token: alice() });
    expect(done.body.status).toBe('Succeeded');
    expect(Date.parse(done.body.lastUpdateDateTimeUtc) - Date.parse(done.body.creationDateTimeUtc)).toBe(15_000);
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: [] });

    const release = await act(machine, 'unisolate', { Comment: 'Threat removed' });
    expect(release.status).toBe(201);
    expect(release.body).toMatchObject({ type: 'Unisolate', scope: null, status: 'Pending' });
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: ['Unisolate:Pending'] });
    twin.clock.advance(15_000);
    expect(await isolationState(machine)).toEqual({ isolated: false, scope: null, inFlight: [] });
  });

  it('shows the seeded isolated device as isolated (Full) and releases it', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.isolated);
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: [] });
    expect((await act(machine, 'unisolate', { Comment: 'Released' })).status).toBe(201);
    twin.clock.advance(15_000);
    expect((await isolationState(machine)).isolated).toBe(false);
  });

  it('keeps isolation out of the Machine entity', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.isolated);
    const reply = await twin.call('GET', `/api/machines/${machine.id}`, { token: alice() });
    expect(Object.keys(reply.body).filter((key) => /isolat/i.test(key))).toEqual([]);
  });

  it('answers a second isolate in flight with 400 ActiveRequestAlreadyExists, or with the pending action when so configured', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const first = await act(machine, 'isolate', { Comment: 'First' });
    const second = await act(machine, 'isolate', { Comment: 'Second', IsolationType: 'Selective' });
    expect(second.status).toBe(400);
    expect(second.body.error).toMatchObject({ code: 'ActiveRequestAlreadyExists', message: expect.stringContaining('already in progress') });

    twin.defender.duplicatePolicy = 'returnExisting';
    const again = await act(machine, 'isolate', { Comment: 'Third' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'Pending', requestorComment: 'First' });

    twin.clock.advance(15_000);
    const afterwards = await act(machine, 'isolate', { Comment: 'After completion' });
    expect(afterwards.status).toBe(201);
    expect(afterwards.body.id).not.toBe(first.body.id);
  });

  it('keeps an isolate of an isolated device Pending until a later release succeeds, then isolates it again (issue #5903)', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.isolated);
    const stuck = await act(machine, 'isolate', { Comment: 'Isolate again by mistake' });
    expect(stuck.status).toBe(201);
    twin.clock.advance(30 * 60_000);
    expect((await twin.call('GET', `/api/machineactions/${stuck.body.id}`, { token: alice() })).body.status).toBe('Pending');
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: ['Isolate:Pending'] });

    expect((await act(machine, 'unisolate', { Comment: 'Release' })).status).toBe(201);
    twin.clock.advance(15_000);
    // The release succeeded, and the stuck isolate starts from that moment: the device is isolated again.
    expect(await isolationState(machine)).toEqual({ isolated: false, scope: null, inFlight: ['Isolate:Pending'] });
    twin.clock.advance(15_000);
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: [] });
    const rerun = await twin.call('GET', `/api/machineactions/${stuck.body.id}`, { token: alice() });
    expect(rerun.body.status).toBe('Succeeded');
  });

  it('queues an isolate behind one in flight when so configured, and it waits for a release', async () => {
    twin.defender.duplicatePolicy = 'queue';
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const first = await act(machine, 'isolate', { Comment: 'First' });
    const second = await act(machine, 'isolate', { Comment: 'Second' });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    twin.clock.advance(15_000);
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: ['Isolate:Pending'] });
  });

  it('keeps a release of a device that is not isolated Pending; a later isolation lets it run and undo that isolation [I]', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const stuck = await act(machine, 'unisolate', { Comment: 'Release by mistake' });
    twin.clock.advance(20_000);
    expect((await twin.call('GET', `/api/machineactions/${stuck.body.id}`, { token: alice() })).body.status).toBe('Pending');
    const cancel = await twin.call('POST', `/api/machineactions/${stuck.body.id}/cancel`, { token: alice(), body: { Comment: 'Not needed' } });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'Cancelled', cancellationComment: 'Not needed' });

    const again = await act(machine, 'unisolate', { Comment: 'Release by mistake, again' });
    await act(machine, 'isolate', { Comment: 'Real isolation' });
    twin.clock.advance(15_000);
    expect(await isolationState(machine)).toEqual({ isolated: true, scope: 'Full', inFlight: ['Unisolate:Pending'] });
    twin.clock.advance(15_000);
    expect((await twin.call('GET', `/api/machineactions/${again.body.id}`, { token: alice() })).body.status).toBe('Succeeded');
    expect((await isolationState(machine)).isolated).toBe(false);
  });

  it('leaves an isolate on an offline device Pending until it times out, and the device stays not isolated', async () => {
    const offline = twin.machineByName(WELL_KNOWN_DEVICES.offline);
    const reply = await act(offline, 'isolate', { Comment: 'Isolate the travel laptop' });
    expect(reply.body.status).toBe('Pending');
    twin.clock.advance(59 * 60_000);
    expect((await twin.call('GET', `/api/machineactions/${reply.body.id}`, { token: alice() })).body.status).toBe('Pending');
    twin.clock.advance(60_000);
    const timedOut = await twin.call('GET', `/api/machineactions/${reply.body.id}`, { token: alice() });
    expect(timedOut.body.status).toBe('TimeOut');
    expect(await isolationState(offline)).toEqual({ isolated: false, scope: null, inFlight: [] });
  });
});

describe('isolation types and OS gating', () => {
  it('isolates selectively where supported and refuses it on Windows 10 1607 and Linux', async () => {
    const finance = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const selective = await act(finance, 'isolate', { Comment: 'Keep Teams and Outlook', IsolationType: 'Selective' });
    expect(selective.status).toBe(201);
    expect(selective.body.scope).toBe('Selective');

    const kiosk = twin.machineByName(WELL_KNOWN_DEVICES.selectiveUnsupported);
    const refused = await act(kiosk, 'isolate', { Comment: 'x', IsolationType: 'Selective' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('OsPlatformNotSupported');
    // Full isolation needs Windows 10 1703 or later (reference §3.2): the 1607 kiosk cannot be isolated at all.
    expect((await act(kiosk, 'isolate', { Comment: 'x', IsolationType: 'Full' })).body.error.code).toBe('OsPlatformNotSupported');

    const linux = twin.defender.data.machines.find((machine) => machine.osPlatform === 'Linux' && machine.healthStatus === 'Active')!;
    expect((await act(linux, 'isolate', { Comment: 'x', IsolationType: 'Selective' })).body.error.code).toBe('OsPlatformNotSupported');
    expect((await act(linux, 'isolate', { Comment: 'x', IsolationType: 'Full' })).status).toBe(201);
  });

  it('contains an unmanaged device with IsolationType UnManagedDevice, and refuses that type on an onboarded one', async () => {
    const finance = twin.machineByName(WELL_KNOWN_DEVICES.finance);
    const onboarded = await act(finance, 'isolate', { Comment: 'x', IsolationType: 'UnManagedDevice' });
    expect(onboarded.status).toBe(400);
    expect(onboarded.body.error.code).toBe('BadRequest');

    const unmanaged: Machine = {
      ...finance, id: 'c0ffee'.padEnd(40, '0'), computerDnsName: 'byod-phone-01', onboardingStatus: 'CanBeOnboarded',
      healthStatus: 'Inactive', machineTags: [],
    };
    twin.defender.data.machines.push(unmanaged);
    expect((await act(unmanaged, 'isolate', { Comment: 'x', IsolationType: 'Full' })).status).toBe(400);
    expect((await act(unmanaged, 'runAntiVirusScan', { Comment: 'x', ScanType: 'Quick' })).status).toBe(400);
    const contain = await act(unmanaged, 'isolate', { Comment: 'Contain the unknown phone', IsolationType: 'UnManagedDevice' });
    expect(contain.status).toBe(201);
    expect(contain.body).toMatchObject({ type: 'Isolate', scope: 'UnManagedDevice', status: 'Pending' });
    twin.clock.advance(15_000); // enforced by the onboarded peers: no TimeOut although the device never reports
    expect((await twin.call('GET', `/api/machineactions/${contain.body.id}`, { token: alice() })).body.status).toBe('Succeeded');
    expect((await act(unmanaged, 'unisolate', { Comment: 'Release' })).status).toBe(201);
  });
});

describe('request bodies', () => {
  it('requires Comment and is strict about property casing and enum values', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const cases: [unknown, string][] = [
      [{}, 'MissingRequiredParameter'],
      [{ Comment: '   ' }, 'MissingRequiredParameter'],
      [{ comment: 'lower-case property' }, 'InvalidRequestBody'],
      [{ Comment: 'x', isolationType: 'Full' }, 'InvalidRequestBody'],
      [{ Comment: 'x', IsolationType: 'full' }, 'InvalidRequestBody'],
      [{ Comment: 'x', Extra: true }, 'InvalidRequestBody'],
      [{ Comment: 42 }, 'InvalidRequestBody'],
      ['{"Comment": "unterminated', 'InvalidRequestBody'],
    ];
    for (const [body, code] of cases) {
      const reply = await twin.call('POST', `/api/machines/${machine.id}/isolate`, {
        token: alice(), body, headers: { 'Content-Type': 'application/json' },
      });
      expect([body, reply.status, reply.body.error.code]).toEqual([body, 400, code]);
    }
    const noBody = await twin.call('POST', `/api/machines/${machine.id}/isolate`, { token: alice() });
    expect(noBody.body.error.code).toBe('MissingRequiredParameter');
    expect(twin.defender.data.actions.filter((action) => action.status === 'Pending')).toEqual([]);
  });

  it('accepts any casing once strict casing is switched off', async () => {
    twin.defender.strictBodyCasing = false;
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const reply = await act(machine, 'isolate', { comment: 'relaxed', isolationType: 'full' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ requestorComment: 'relaxed', scope: 'Full' });
  });
});

describe('the other response actions', () => {
  it('runs an antivirus scan (ScanType required, echoed in scope)', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    expect((await act(machine, 'runAntiVirusScan', { Comment: 'scan' })).body.error.code).toBe('MissingRequiredParameter');
    expect((await act(machine, 'runAntiVirusScan', { Comment: 'scan', ScanType: 'Deep' })).body.error.code).toBe('InvalidRequestBody');
    const reply = await act(machine, 'runAntiVirusScan', { Comment: 'scan', ScanType: 'Quick' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ type: 'RunAntiVirusScan', scope: 'Quick' });
  });

  it('restricts and unrestricts code execution, refused before Windows 10 1709', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    expect((await act(machine, 'restrictCodeExecution', { Comment: 'restrict' })).body.type).toBe('RestrictCodeExecution');
    expect((await act(machine, 'unrestrictCodeExecution', { Comment: 'unrestrict' })).body.type).toBe('UnrestrictCodeExecution');
    const old = twin.defender.data.machines.find((candidate) => candidate.osPlatform === 'Windows10' && candidate.version === '1703')!;
    const refused = await act(old, 'restrictCodeExecution', { Comment: 'restrict' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('OsPlatformNotSupported');
  });

  it('collects an investigation package, and always refuses a second collection while one runs', async () => {
    twin.defender.duplicatePolicy = 'returnExisting';
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const first = await act(machine, 'collectInvestigationPackage', { Comment: 'forensics' });
    expect(first.status).toBe(201);
    expect(first.body.type).toBe('CollectInvestigationPackage');
    const second = await act(machine, 'collectInvestigationPackage', { Comment: 'again' });
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe('ActiveRequestAlreadyExists');
  });

  it('gives the package link only once the collection succeeded, to Alerts investigation and the device group, 2 calls a minute', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const collect = await act(machine, 'collectInvestigationPackage', { Comment: 'forensics' });
    const uri = (token = alice()) => twin.call('GET', `/api/machineactions/${collect.body.id}/getPackageUri`, { token });
    const early = await uri();
    expect([early.status, early.body.error.code]).toEqual([404, 'ResourceNotFound']);
    twin.clock.advance(15_000);
    twin.defender.rateLimits.reset();
    const reply = await uri();
    expect(reply.status).toBe(200);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Edm.String`);
    // The page's example: the link itself in quotes inside the string.
    expect(reply.body.value).toMatch(/^"https:\/\/.+\/WDATP_Investigation_Package\.zip\?token=.+"$/);
    const third = await uri();
    expect(third.status).toBe(200);
    const throttled = await uri();
    expect([throttled.status, throttled.body.error.code]).toEqual([429, 'TooManyRequests']);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    twin.clock.advance(61_000);
    const viewer = await uri(twin.userToken(SEEDED_USERS.carol, CONSOLE_APP_ID));
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.message).toMatch(/Alerts investigation/);
    const scan = await act(machine, 'runAntiVirusScan', { Comment: 'scan', ScanType: 'Quick' });
    twin.clock.advance(61_000);
    expect((await twin.call('GET', `/api/machineactions/${scan.body.id}/getPackageUri`, { token: alice() })).status).toBe(404);
  });

  it('stops and quarantines a file by SHA-1', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const bad = await act(machine, 'StopAndQuarantineFile', { Comment: 'q', Sha1: 'not-a-hash' });
    expect(bad.body.error.code).toBe('InvalidHashValue');
    const sha1 = '87662BC3D60E4200CEABA0B7D4E9B5C1A1A2B3C4';
    const reply = await act(machine, 'StopAndQuarantineFile', { Comment: 'q', Sha1: sha1 });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      type: 'StopAndQuarantineFile', relatedFileInfo: { fileIdentifier: sha1.toLowerCase(), fileIdentifierType: 'Sha1' },
    });
  });

  it('ends matching actions Failed when a failure rule is set', async () => {
    twin.defender.actionFailures.push({ type: 'RunAntiVirusScan' });
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const reply = await act(machine, 'runAntiVirusScan', { Comment: 'scan', ScanType: 'Full' });
    twin.clock.advance(15_000);
    const done = await twin.call('GET', `/api/machineactions/${reply.body.id}`, { token: alice() });
    expect(done.body.status).toBe('Failed');
    expect(done.body.errorHResult).not.toBe(0);
  });

  it('cancels an action that is not final (200), and refuses a final, unknown or malformed one', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const scan = await act(machine, 'runAntiVirusScan', { Comment: 'scan', ScanType: 'Full' });
    const cancel = await twin.call('POST', `/api/machineactions/${scan.body.id}/cancel`, {
      token: alice(), body: { Comment: 'Requested by mistake' },
    });
    expect(cancel.status).toBe(200);
    expect(cancel.body['@odata.context']).toBe(`${CONTEXT_BASE}#MachineActions/$entity`);
    expect(cancel.body).toMatchObject({
      status: 'Cancelled', cancellationRequestor: 'alice@contoso.onmicrosoft.com', cancellationComment: 'Requested by mistake',
    });
    expect(cancel.body.cancellationDateTimeUtc).toMatch(DEFENDER_TIMESTAMP);
    twin.clock.advance(60_000);
    expect((await twin.call('GET', `/api/machineactions/${scan.body.id}`, { token: alice() })).body.status).toBe('Cancelled');

    const again = await twin.call('POST', `/api/machineactions/${scan.body.id}/cancel`, { token: alice(), body: { Comment: 'x' } });
    expect(again.status).toBe(400);
    const unknown = await twin.call('POST', '/api/machineactions/8af71966-0000-4000-8000-000000000000/cancel', { token: alice() });
    expect(unknown.status).toBe(404);
    const malformed = await twin.call('POST', '/api/machineactions/42/cancel', { token: alice() });
    expect(malformed.status).toBe(400);

    const viewer = await twin.call('POST', `/api/machineactions/${scan.body.id}/cancel`, { token: twin.userToken(SEEDED_USERS.carol, CONSOLE_APP_ID) });
    expect(viewer.status).toBe(403);
  });
});

describe('machine tags', () => {
  it('adds and removes a tag (200 + Machine) and findbytag sees it', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const added = await act(machine, 'tags', { Value: 'Quarantined', Action: 'Add' });
    expect(added.status).toBe(200);
    expect(added.body['@odata.context']).toBe(`${CONTEXT_BASE}#Machines/$entity`);
    expect(added.body.machineTags).toContain('Quarantined');
    const found = await twin.call('GET', '/api/machines/findbytag?tag=Quarantined', { token: alice() });
    expect(found.body.value.map((m: Machine) => m.id)).toEqual([machine.id]);

    const removed = await act(machine, 'tags', { Value: 'Quarantined', Action: 'Remove' });
    expect(removed.body.machineTags).not.toContain('Quarantined');
    expect((await act(machine, 'tags', { Value: 'x', Action: 'add' })).body.error.code).toBe('InvalidRequestBody');
    expect((await act(machine, 'tags', { Value: 'x' })).body.error.code).toBe('MissingRequiredParameter');
    expect((await act(machine, 'tags', { Value: 'x', Action: 'Add' }, twin.userToken(SEEDED_USERS.carol, CONSOLE_APP_ID))).status).toBe(403);
  });
});

describe('alert updates', () => {
  it('patches status, classification, determination, assignee and comment (200 + Alert)', async () => {
    const alert = twin.defender.data.alerts.find((candidate) => candidate.status === 'New')!;
    twin.clock.advance(60_000);
    const reply = await twin.call('PATCH', `/api/alerts/${alert.id}`, {
      token: alice(),
      body: {
        status: 'Resolved', assignedTo: 'alice@contoso.onmicrosoft.com', classification: 'TruePositive',
        determination: 'Malware', comment: 'Cleaned by AV',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.body['@odata.context']).toBe(`${CONTEXT_BASE}#Alerts/$entity`);
    const now = new Date(twin.clock.now()).toISOString().slice(0, 23);
    expect(reply.body).toMatchObject({
      status: 'Resolved', assignedTo: 'alice@contoso.onmicrosoft.com', classification: 'TruePositive', determination: 'Malware',
    });
    expect(reply.body.lastUpdateTime.startsWith(now)).toBe(true);
    expect(reply.body.resolvedTime.startsWith(now)).toBe(true);
    expect(reply.body.comments.at(-1)).toMatchObject({ comment: 'Cleaned by AV', createdBy: 'alice@contoso.onmicrosoft.com' });

    const reopened = await twin.call('PATCH', `/api/alerts/${alert.id}`, { token: alice(), body: { status: 'InProgress' } });
    expect(reopened.body).toMatchObject({ status: 'InProgress', resolvedTime: null, classification: 'TruePositive' });
  });

  it('stores the XDR-style determination names under the MDE names', async () => {
    const alert = twin.defender.data.alerts[0];
    const reply = await twin.call('PATCH', `/api/alerts/${alert.id}`, {
      token: alice(), body: { classification: 'InformationalExpectedActivity', determination: 'ConfirmedActivity' },
    });
    expect(reply.body.determination).toBe('ConfirmedUserActivity');
  });

  it('refuses bad values, wrong casing, empty bodies and unknown alerts', async () => {
    const alert = twin.defender.data.alerts[0];
    const cases: [unknown, number, string][] = [
      [{ status: 'Closed' }, 400, 'InvalidInput'],
      [{ Status: 'Resolved' }, 400, 'InvalidRequestBody'],
      [{ classification: 'FalsePositive', determination: 'Malware' }, 400, 'InvalidInput'],
      [{}, 400, 'InvalidRequestBody'],
    ];
    for (const [body, status, code] of cases) {
      const reply = await twin.call('PATCH', `/api/alerts/${alert.id}`, { token: alice(), body });
      expect([body, reply.status, reply.body.error.code]).toEqual([body, status, code]);
    }
    const unknown = await twin.call('PATCH', '/api/alerts/da000_1', { token: alice(), body: { status: 'Resolved' } });
    expect(unknown.status).toBe(404);
  });
});

describe('alerts raised and changed over time (for notifications)', () => {
  it('shows an added alert to a lastUpdateTime poll, and an updated one again after its change', async () => {
    const machine = twin.machineByName(WELL_KNOWN_DEVICES.server);
    const since = new Date(twin.clock.now()).toISOString();
    twin.clock.advance(1_000);
    const added = twin.defender.addAlert({ machineId: machine.id, severity: 'High', title: 'Suspicious PowerShell command line' });
    const poll = () => twin.call('GET', `/api/alerts?$filter=lastUpdateTime gt ${since}`, { token: alice() });
    const first = await poll();
    expect(first.body.value.map((alert: { id: string }) => alert.id)).toEqual([added.id]);
    expect(first.body.value[0]).toMatchObject({
      severity: 'High', status: 'New', machineId: machine.id, computerDnsName: machine.computerDnsName, rbacGroupName: 'Servers',
    });

    const older = twin.defender.data.alerts[0];
    twin.clock.advance(1_000);
    twin.defender.updateAlert(older.id, { status: 'InProgress' });
    const second = await poll();
    expect(second.body.value.map((alert: { id: string }) => alert.id).sort()).toEqual([added.id, older.id].sort());
  });
});
