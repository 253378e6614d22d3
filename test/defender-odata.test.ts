import { SEEDED } from '../src/twin/directory';
import type { Alert, Machine } from '../src/twin/defender/model';
import {
  ALERT_SPEC, applyODataQuery, buildNextLink, type EntitySpec, MACHINE_ACTION_SPEC, MACHINE_SPEC, ODataError, type ODataPage,
  parseODataQuery,
} from '../src/twin/defender/odata';
import { seedDefenderTenant, toDefenderTimestamp, WELL_KNOWN_DEVICES } from '../src/twin/defender/seed';

const NOW = Date.parse('2026-01-15T12:00:00.000Z');
const tenant = seedDefenderTenant({ tenantId: SEEDED.tenantId, now: NOW });
const { machines, alerts, actions } = tenant;

function query<T>(items: readonly T[], spec: EntitySpec<T>, options: Record<string, string> | string): ODataPage<T> {
  return applyODataQuery(items, parseODataQuery(new URLSearchParams(options), spec));
}
const filterMachines = (filter: string) => query(machines, MACHINE_SPEC, { $filter: filter }).items;
const filterAlerts = (filter: string) => query(alerts, ALERT_SPEC, { $filter: filter }).items;
const names = (items: readonly Machine[]) => items.map((m) => m.computerDnsName).sort();
const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();

/** The error parseODataQuery throws for these options (fails the test if none). */
function odataError<T>(spec: EntitySpec<T>, options: Record<string, string> | string): ODataError {
  try {
    parseODataQuery(new URLSearchParams(options), spec);
  } catch (error) {
    expect(error).toBeInstanceOf(ODataError);
    return error as ODataError;
  }
  throw new Error(`expected an ODataError for ${JSON.stringify(options)}`);
}

/** An OData string literal, escaped the way clients must escape it. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

describe('$filter comparison operators', () => {
  it('eq and ne on strings', () => {
    expect(names(filterMachines(`computerDnsName eq '${WELL_KNOWN_DEVICES.server}'`))).toEqual([WELL_KNOWN_DEVICES.server]);
    expect(filterMachines(`osPlatform ne 'Linux'`)).toEqual(machines.filter((m) => m.osPlatform !== 'Linux'));
  });

  it('compares strings case-sensitively, as OData does', () => {
    expect(filterMachines(`computerDnsName eq '${WELL_KNOWN_DEVICES.server.toUpperCase()}'`)).toEqual([]);
  });

  it('eq on enums given as strings', () => {
    expect(filterAlerts("severity eq 'High'")).toEqual(alerts.filter((a) => a.severity === 'High'));
    expect(filterMachines("healthStatus eq 'Inactive'")).toEqual(machines.filter((m) => m.healthStatus === 'Inactive'));
  });

  it('gt, ge, lt and le on numbers', () => {
    expect(filterMachines('rbacGroupId gt 101')).toEqual(machines.filter((m) => m.rbacGroupId > 101));
    expect(filterMachines('rbacGroupId ge 102')).toEqual(machines.filter((m) => m.rbacGroupId >= 102));
    expect(filterMachines('rbacGroupId lt 102')).toEqual(machines.filter((m) => m.rbacGroupId < 102));
    expect(filterMachines('rbacGroupId le 0')).toEqual(machines.filter((m) => m.rbacGroupId <= 0));
    const median = [...alerts].map((a) => a.incidentId!).sort((a, b) => a - b)[120];
    expect(filterAlerts(`incidentId le ${median}`)).toEqual(alerts.filter((a) => a.incidentId! <= median));
  });

  it('orders enums by their declared rank', () => {
    expect(filterAlerts("severity ge 'Medium'")).toEqual(alerts.filter((a) => a.severity === 'Medium' || a.severity === 'High'));
    expect(filterAlerts("severity lt 'Low'")).toEqual(alerts.filter((a) => a.severity === 'UnSpecified' || a.severity === 'Informational'));
  });

  it('compares with null: eq/ne match, ordering never does', () => {
    expect(filterAlerts('assignedTo eq null')).toEqual(alerts.filter((a) => a.assignedTo === null));
    expect(filterAlerts('assignedTo ne null')).toEqual(alerts.filter((a) => a.assignedTo !== null));
    expect(filterAlerts('investigationId gt 0')).toEqual(alerts.filter((a) => a.investigationId !== null));
    expect(filterAlerts('null eq assignedTo')).toEqual(filterAlerts('assignedTo eq null'));
  });

  it('accepts a literal on the left', () => {
    expect(filterAlerts("'High' eq severity")).toEqual(filterAlerts("severity eq 'High'"));
  });
});

describe('$filter logical operators', () => {
  it('and, or, not and parentheses, with and binding tighter than or', () => {
    const newOrHighInProgress = alerts.filter((a) => a.status === 'New' || (a.status === 'InProgress' && a.severity === 'High'));
    expect(filterAlerts("status eq 'New' or status eq 'InProgress' and severity eq 'High'")).toEqual(newOrHighInProgress);
    const openHigh = alerts.filter((a) => (a.status === 'New' || a.status === 'InProgress') && a.severity === 'High');
    expect(filterAlerts("(status eq 'New' or status eq 'InProgress') and severity eq 'High'")).toEqual(openHigh);
    expect(filterAlerts("not (status eq 'Resolved')")).toEqual(alerts.filter((a) => a.status !== 'Resolved'));
    expect(filterAlerts("not status eq 'Resolved' and severity eq 'Low'"))
      .toEqual(alerts.filter((a) => a.status !== 'Resolved' && a.severity === 'Low'));
  });

  it('the isolation-history query of reference §8', () => {
    const isolated = machines.find((m) => m.computerDnsName === WELL_KNOWN_DEVICES.isolated)!;
    const page = query(actions, MACHINE_ACTION_SPEC, {
      $filter: `machineId eq '${isolated.id}' and (type eq 'Isolate' or type eq 'Unisolate')`,
      $orderby: 'creationDateTimeUtc desc',
      $top: '5',
    });
    const expected = actions
      .filter((a) => a.machineId === isolated.id && (a.type === 'Isolate' || a.type === 'Unisolate'))
      .sort((a, b) => Date.parse(b.creationDateTimeUtc) - Date.parse(a.creationDateTimeUtc));
    expect(page.items).toEqual(expected);
    expect(page.items[0]).toMatchObject({ type: 'Isolate', status: 'Succeeded' });
  });

  it('in (...)', () => {
    expect(filterAlerts("status in ('New', 'InProgress')")).toEqual(alerts.filter((a) => a.status === 'New' || a.status === 'InProgress'));
    expect(filterMachines('rbacGroupId in (101,103)')).toEqual(machines.filter((m) => m.rbacGroupId === 101 || m.rbacGroupId === 103));
  });

  it('startswith()', () => {
    expect(filterMachines("startswith(computerDnsName,'srv-')")).toEqual(machines.filter((m) => m.computerDnsName.startsWith('srv-')));
    expect(filterMachines("not startswith(computerDnsName, 'ws-')")).toEqual(machines.filter((m) => !m.computerDnsName.startsWith('ws-')));
  });

  it('machineTags/any(tag: ...) and any()', () => {
    expect(filterMachines("machineTags/any(tag: tag eq 'VIP')")).toEqual(machines.filter((m) => (m.machineTags ?? []).includes('VIP')));
    expect(filterMachines("machineTags/any(t: t eq 'VIP' or t eq 'PCI')"))
      .toEqual(machines.filter((m) => (m.machineTags ?? []).includes('VIP') || (m.machineTags ?? []).includes('PCI')));
    expect(filterMachines("machineTags/any(t: startswith(t, 'Cri'))")).toEqual(machines.filter((m) => (m.machineTags ?? []).some((t) => t.startsWith('Cri'))));
    expect(filterMachines('machineTags/any()')).toEqual(machines.filter((m) => (m.machineTags ?? []).length > 0));
    expect(filterMachines("machineTags/all(t: t ne 'VIP') and healthStatus eq 'Active'"))
      .toEqual(machines.filter((m) => !(m.machineTags ?? []).includes('VIP') && m.healthStatus === 'Active'));
  });
});

describe('$filter dates', () => {
  const stamped = (lastUpdateTime: string) => ({ ...alerts[0], lastUpdateTime });
  const fixtures = [
    stamped('2026-01-15T12:00:00.0000500Z'),
    stamped('2026-01-15T11:59:59.9999999Z'),
    stamped('2026-01-15T12:00:01.0000000Z'),
  ];
  const matchingTimes = (filter: string) => query(fixtures, ALERT_SPEC, { $filter: filter }).items.map((a) => a.lastUpdateTime);

  it('takes unquoted ISO literals, including the documented 2018-08-01Z form', () => {
    expect(filterAlerts('lastUpdateTime ge 2019-11-22T00:00:00Z')).toHaveLength(alerts.length);
    expect(filterMachines('lastSeen gt 2018-08-01Z')).toHaveLength(machines.length);
    const cutoff = NOW - 7 * 86_400_000;
    const iso = new Date(cutoff).toISOString();
    expect(filterAlerts(`alertCreationTime ge ${iso}`)).toEqual(alerts.filter((a) => Date.parse(a.alertCreationTime) >= cutoff));
    expect(filterAlerts(`alertCreationTime lt ${iso.slice(0, 10)}`))
      .toEqual(alerts.filter((a) => Date.parse(a.alertCreationTime) < Date.parse(iso.slice(0, 10))));
  });

  it('compares instants, not strings: offsets and 100 ns precision count', () => {
    // 12:30+01:00 is 11:30Z; as text it would sort after every fixture.
    expect(matchingTimes('lastUpdateTime gt 2026-01-15T12:30:00+01:00')).toHaveLength(3);
    expect(matchingTimes('lastUpdateTime eq 2026-01-15T13:00:00.00005+01:00')).toEqual(['2026-01-15T12:00:00.0000500Z']);
    expect(matchingTimes('lastUpdateTime gt 2026-01-15T12:00:00.00004Z')).toEqual(['2026-01-15T12:00:00.0000500Z', '2026-01-15T12:00:01.0000000Z']);
    expect(matchingTimes('lastUpdateTime gt 2026-01-15T12:00:00.00006Z')).toEqual(['2026-01-15T12:00:01.0000000Z']);
    expect(matchingTimes('lastUpdateTime le 2026-01-15T11:59:59.9999999Z')).toEqual(['2026-01-15T11:59:59.9999999Z']);
  });

  it('compares stored values that are not in the canonical form as instants too', () => {
    const offsetStamped = [stamped('2026-01-15T13:00:00+01:00'), stamped('2026-01-15T12:00:00.5Z')];
    const matching = (filter: string) => query(offsetStamped, ALERT_SPEC, { $filter: filter }).items.map((a) => a.lastUpdateTime);
    expect(matching('lastUpdateTime gt 2026-01-15T12:30:00Z')).toEqual([]);
    expect(matching('lastUpdateTime eq 2026-01-15T12:00:00Z')).toEqual(['2026-01-15T13:00:00+01:00']);
    expect(matching('lastUpdateTime gt 2026-01-15T12:00:00.4999999Z')).toEqual(['2026-01-15T12:00:00.5Z']);
  });

  it('serves a poller watermark taken from a previous response', () => {
    const newest = [...alerts].sort((a, b) => (a.lastUpdateTime < b.lastUpdateTime ? 1 : -1))[0];
    expect(filterAlerts(`lastUpdateTime gt ${newest.lastUpdateTime}`)).toEqual([]);
    expect(filterAlerts(`lastUpdateTime ge ${newest.lastUpdateTime}`)).toEqual([newest]);
    expect(filterAlerts(`lastUpdateTime gt ${toDefenderTimestamp(NOW - 3_600_000)}`))
      .toEqual(alerts.filter((a) => Date.parse(a.lastUpdateTime) > NOW - 3_600_000));
  });

  it('rejects invalid dates, dates without a zone, and quoted dates', () => {
    expect(odataError(ALERT_SPEC, { $filter: 'lastUpdateTime ge 2026-02-30T00:00:00Z' }).message).toMatch(/2026-02-30T00:00:00Z.*not a valid date/);
    expect(odataError(ALERT_SPEC, { $filter: 'lastUpdateTime ge 2026-01-15T25:00:00Z' }).message).toMatch(/not a valid date/);
    expect(odataError(ALERT_SPEC, { $filter: 'lastUpdateTime ge 2026-01-15T10:00:00' }).message).toMatch(/not a valid date/);
    expect(odataError(ALERT_SPEC, { $filter: "lastUpdateTime ge '2026-01-15T10:00:00Z'" }).message).toMatch(/incompatible types/);
  });
});

describe('$filter string literals, escaping and injection', () => {
  it("matches the apostrophe device with the '' escape", () => {
    expect(names(filterMachines("computerDnsName eq 'o''brien-laptop.contoso.local'"))).toEqual([WELL_KNOWN_DEVICES.apostrophe]);
    expect(names(filterMachines(`computerDnsName eq ${literal(WELL_KNOWN_DEVICES.apostrophe)}`))).toEqual([WELL_KNOWN_DEVICES.apostrophe]);
    expect(names(filterMachines("startswith(computerDnsName,'o''b')"))).toEqual([WELL_KNOWN_DEVICES.apostrophe]);
  });

  it('keeps an escaped injection attempt inside the literal', () => {
    const attack = "x' or 1 eq 1 or computerDnsName eq 'y";
    expect(filterMachines(`computerDnsName eq ${literal(attack)}`)).toEqual([]);
    expect(filterMachines(`computerDnsName eq ${literal(`${WELL_KNOWN_DEVICES.server}' or computerDnsName ne '`)}`)).toEqual([]);
    expect(filterMachines(`machineTags/any(t: t eq ${literal("VIP') or true or ('")})`)).toEqual([]);
    // The same text unescaped changes the query: this is what the escaping prevents.
    expect(filterMachines(`computerDnsName eq '${attack}'`)).toHaveLength(machines.length);
  });

  it('keeps operators, commas and parentheses inside literals as text', () => {
    const tagged = [{ ...machines[0], machineTags: ["a,b (c) eq 'd'"] }, machines[1]];
    const page = query(tagged, MACHINE_SPEC, { $filter: `machineTags/any(t: t eq ${literal("a,b (c) eq 'd'")})` });
    expect(page.items).toEqual([tagged[0]]);
  });

  it('reports an unterminated literal', () => {
    expect(odataError(MACHINE_SPEC, { $filter: "computerDnsName eq 'o'brien'" }).message).toMatch(/Syntax error.*unterminated string literal/);
  });
});

describe('$filter property and type checks', () => {
  it.each([
    ['Machines', "rbacGroupName eq 'Finance'", 'rbacGroupName', MACHINE_SPEC],
    ['Machines', 'firstSeen gt 2020-01-01Z', 'firstSeen', MACHINE_SPEC],
    ['Alerts', "title eq 'x'", 'title', ALERT_SPEC],
    ['Alerts', "computerDnsName eq 'x'", 'computerDnsName', ALERT_SPEC],
    ['MachineActions', "computerDnsName eq 'x'", 'computerDnsName', MACHINE_ACTION_SPEC],
  ] as const)('%s: %s names the property that is not filterable', (_entity, filter, property, spec) => {
    expect(odataError(spec as EntitySpec<unknown>, { $filter: filter }).message)
      .toBe(`The property '${property}' cannot be used in the $filter query option.`);
  });

  it('allows each documented filterable property', () => {
    expect(() => parseODataQuery(new URLSearchParams({
      $filter: "alertCreationTime ge 2020-01-01Z and lastUpdateTime ge 2020-01-01Z and incidentId gt 0 and investigationId ne null "
        + "and id ne 'x' and assignedTo ne 'x' and detectionSource eq 'WindowsDefenderAv' and lastEventTime ge 2020-01-01Z "
        + "and status eq 'New' and severity eq 'High' and category eq 'Malware'",
    }), ALERT_SPEC)).not.toThrow();
    expect(() => parseODataQuery(new URLSearchParams({
      $filter: "computerDnsName eq 'x' and id eq 'x' and version eq '1709' and deviceValue eq 'High' and aadDeviceId eq null "
        + "and machineTags/any(t: t eq 'x') and lastSeen ge 2020-01-01Z and exposureLevel eq 'Low' and onboardingStatus eq 'Onboarded' "
        + "and lastIpAddress eq '10.0.0.1' and healthStatus eq 'Active' and osPlatform eq 'Windows10' and riskScore eq 'High' and rbacGroupId eq 101",
    }), MACHINE_SPEC)).not.toThrow();
    expect(() => parseODataQuery(new URLSearchParams({
      $filter: "id eq 'x' and status eq 'Pending' and machineId eq 'x' and type eq 'Isolate' and requestor eq 'x' and creationDateTimeUtc ge 2020-01-01Z",
    }), MACHINE_ACTION_SPEC)).not.toThrow();
  });

  it('names an unknown property', () => {
    expect(odataError(ALERT_SPEC, { $filter: "foo eq 'x'" }).message).toBe("Could not find a property named 'foo' on type 'Alert'.");
  });

  it('rejects incompatible operand types and unknown enum members', () => {
    expect(odataError(MACHINE_SPEC, { $filter: "rbacGroupId eq '101'" }).message).toMatch(/incompatible types.*Edm\.Int64.*Edm\.String/);
    expect(odataError(ALERT_SPEC, { $filter: 'status eq 1' }).message).toMatch(/incompatible types/);
    expect(odataError(ALERT_SPEC, { $filter: "severity eq 'Critical'" }).message).toMatch(/'Critical' is not a valid enumeration.*UnSpecified, Informational, Low, Medium, High/);
    expect(odataError(MACHINE_SPEC, { $filter: "machineTags eq 'VIP'" }).message).toMatch(/collection.*any\(\)/);
    expect(odataError(MACHINE_SPEC, { $filter: "healthStatus/any(h: h eq 'Active')" }).message).toMatch(/any\(\) needs a collection/);
    expect(odataError(MACHINE_SPEC, { $filter: "startswith(rbacGroupId, '1')" }).message).toMatch(/startswith needs string arguments/);
  });

  it('rejects functions other than startswith, and non-boolean filters', () => {
    expect(odataError(MACHINE_SPEC, { $filter: "contains(computerDnsName,'ws')" }).message).toMatch(/function 'contains' is not supported/);
    expect(odataError(MACHINE_SPEC, { $filter: 'computerDnsName' }).message).toMatch(/must evaluate to true or false/);
  });
});

describe('$filter syntax errors', () => {
  it.each([
    ["status eq 'New' and", /expected a value but found the end/],
    ["(status eq 'New'", /expected '\)'/],
    ["status eq 'New')", /unexpected '\)'/],
    ["status = 'New'", /unexpected character '='/],
    ['status eq', /expected a value/],
    ["status EQ 'New'", /unexpected 'EQ'/],
    ["status eq 'New' severity eq 'High'", /unexpected 'severity'/],
    ["status in 'New'", /expected '\('/],
    ["status in (severity)", /only contain literals/],
    ['and', /expected a value but found 'and'/],
    ['', /must not be empty/],
  ])('%j', (filter, message) => {
    const error = odataError(ALERT_SPEC, { $filter: filter });
    expect(error.message).toMatch(message);
  });

  it('gives the position of a syntax error', () => {
    expect(odataError(ALERT_SPEC, { $filter: "status eq 'New' and" }).message).toMatch(/^Syntax error in \$filter at position 19:/);
  });
});

describe('$top, $skip, $count and other options', () => {
  it('$top caps the result and never gives a nextSkip', () => {
    expect(query(alerts, ALERT_SPEC, { $top: '5' })).toEqual({ items: alerts.slice(0, 5) });
    expect(query(alerts, ALERT_SPEC, { $top: '0' }).items).toEqual([]);
    expect(query(alerts, ALERT_SPEC, { $top: '10000' }).items).toHaveLength(alerts.length);
  });

  it('rejects $top above 10,000 and values that are not non-negative integers', () => {
    expect(odataError(ALERT_SPEC, { $top: '10001' }).message).toMatch(/limit of '10000' for Top query has been exceeded.*'10001'/);
    for (const bad of ['-1', 'ten', '1.5', '']) expect(odataError(ALERT_SPEC, { $top: bad }).message).toMatch(/\$top/);
    expect(odataError(ALERT_SPEC, { $skip: '-3' }).message).toMatch(/\$skip/);
  });

  it('$skip with $top pages through a stable order', () => {
    const ordered = { $orderby: 'id' };
    const all = query(alerts, ALERT_SPEC, ordered).items;
    const pages = [0, 100, 200].map((skip) => query(alerts, ALERT_SPEC, { ...ordered, $top: '100', $skip: String(skip) }).items);
    expect(pages.map((page) => page.length)).toEqual([100, 100, 40]);
    expect(pages.flat()).toEqual(all);
    expect(query(alerts, ALERT_SPEC, { $skip: '1000' }).items).toEqual([]);
  });

  it('keeps ties in the collection\'s order on every request, so $skip pages through them once each', () => {
    const at = toDefenderTimestamp(NOW);
    const tied = alerts.slice(0, 9).map((alert) => ({ ...alert, lastUpdateTime: at }));
    const ordered = { $orderby: 'lastUpdateTime asc' };
    expect(query([...tied].reverse(), ALERT_SPEC, ordered).items).toEqual([...tied].reverse());
    const pages = [0, 4, 8].map((skip) => query(tied, ALERT_SPEC, { ...ordered, $top: '4', $skip: String(skip) }).items);
    expect(pages.flat()).toEqual(tied);
  });

  it('$count=true counts every match, across pages', () => {
    const page = query(alerts, ALERT_SPEC, { $filter: "status eq 'New'", $top: '3', $count: 'true' });
    expect(page.items).toHaveLength(3);
    expect(page.count).toBe(alerts.filter((a) => a.status === 'New').length);
    expect(query(alerts, ALERT_SPEC, { $count: 'false' }).count).toBeUndefined();
    expect(odataError(ALERT_SPEC, { $count: 'yes' }).message).toMatch(/\$count/);
  });

  it('$expand=evidence only on alerts', () => {
    expect(parseODataQuery(new URLSearchParams({ $expand: 'evidence' }), ALERT_SPEC).expandEvidence).toBe(true);
    expect(parseODataQuery(new URLSearchParams(), ALERT_SPEC).expandEvidence).toBe(false);
    expect(odataError(MACHINE_SPEC, { $expand: 'evidence' }).message).toMatch(/navigation property named 'evidence' on type 'Machine'/);
    expect(odataError(ALERT_SPEC, { $expand: 'machine' }).message).toMatch(/navigation property named 'machine'/);
  });

  it('rejects unknown and repeated options, ignores parameters without $', () => {
    expect(odataError(ALERT_SPEC, { $foo: '1' }).message).toMatch(/'\$foo' is not supported/);
    expect(odataError(MACHINE_SPEC, { $select: 'id' }).message).toMatch(/'\$select' is not supported/);
    expect(odataError(ALERT_SPEC, '$top=1&$top=2').message).toMatch(/'\$top' was specified more than once/);
    expect(query(machines, MACHINE_SPEC, { tag: 'VIP', useStartsWithFilter: 'true' }).items).toEqual(machines);
  });
});

describe('$orderby', () => {
  it('sorts ascending by default and descending on request', () => {
    const byName = query(machines, MACHINE_SPEC, { $orderby: 'computerDnsName' }).items.map((m) => m.computerDnsName);
    expect(byName).toEqual(machines.map((m) => m.computerDnsName).sort());
    const desc = query(machines, MACHINE_SPEC, { $orderby: 'computerDnsName desc' }).items.map((m) => m.computerDnsName);
    expect(desc).toEqual([...byName].reverse());
  });

  it('sorts enums by rank and dates by instant, with several keys', () => {
    const rank = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'];
    const sorted = query(alerts, ALERT_SPEC, { $orderby: 'severity desc, alertCreationTime asc' }).items;
    const expected = [...alerts].sort((a, b) => rank.indexOf(b.severity) - rank.indexOf(a.severity)
      || Date.parse(a.alertCreationTime) - Date.parse(b.alertCreationTime) || (a.alertCreationTime < b.alertCreationTime ? -1 : 1));
    expect(ids(sorted)).toEqual(ids(expected));
    expect(sorted.map((a) => a.id)).toEqual(expected.map((a) => a.id));
  });

  it('puts nulls first ascending and last descending', () => {
    const ascending = query(alerts, ALERT_SPEC, { $orderby: 'assignedTo' }).items;
    const nulls = alerts.filter((a) => a.assignedTo === null).length;
    expect(ascending.slice(0, nulls).every((a) => a.assignedTo === null)).toBe(true);
    const descending = query(alerts, ALERT_SPEC, { $orderby: 'assignedTo desc' }).items;
    expect(descending.slice(-nulls).every((a) => a.assignedTo === null)).toBe(true);
  });

  it('rejects unknown properties, non-primitive properties and bad syntax', () => {
    expect(odataError(ALERT_SPEC, { $orderby: 'foo desc' }).message).toMatch(/property named 'foo' on type 'Alert'/);
    expect(odataError(ALERT_SPEC, { $orderby: 'evidence' }).message).toMatch(/'evidence' cannot be used in \$orderby/);
    expect(odataError(ALERT_SPEC, { $orderby: 'severity up' }).message).toMatch(/Syntax error in \$orderby/);
  });

  it('applies a hand-built orderBy without a comparator too', () => {
    const page = applyODataQuery(machines, { orderBy: [{ property: 'rbacGroupId', descending: true }], skip: 0, expandEvidence: false, count: false });
    expect(page.items.map((m) => m.rbacGroupId)).toEqual(machines.map((m) => m.rbacGroupId).sort((a, b) => b - a));
  });
});

describe('paging and nextLink (reference §4.3)', () => {
  const many: Alert[] = Array.from({ length: 23_456 }, (_, index) => ({
    ...alerts[index % alerts.length],
    id: `da${String(index).padStart(18, '0')}_1`,
  }));
  const collectionUrl = 'https://api.securitycenter.microsoft.com/api/alerts';

  it('without $top: pages of 10,000 and a nextLink that carries the query and $skip', () => {
    let params = new URLSearchParams({ $filter: "severity ne 'UnSpecified'" });
    const expected = many.filter((a) => a.severity !== 'UnSpecified');
    const seen: Alert[] = [];
    const pageSizes: number[] = [];
    for (;;) {
      const page = applyODataQuery(many, parseODataQuery(params, ALERT_SPEC));
      seen.push(...page.items);
      pageSizes.push(page.items.length);
      if (page.nextSkip === undefined) break;
      const link = buildNextLink(collectionUrl, params, page.nextSkip);
      const url = new URL(link);
      expect(`${url.origin}${url.pathname}`).toBe(collectionUrl);
      expect(url.searchParams.get('$filter')).toBe("severity ne 'UnSpecified'");
      expect(url.searchParams.getAll('$skip')).toEqual([String(page.nextSkip)]);
      params = url.searchParams;
    }
    expect(pageSizes.slice(0, -1).every((size) => size === 10_000)).toBe(true);
    expect(seen).toEqual(expected);
  });

  it('with $top: min($top, 10000) items and no nextSkip', () => {
    expect(query(many, ALERT_SPEC, { $top: '10000' }).items).toHaveLength(10_000);
    expect(query(many, ALERT_SPEC, { $top: '10000' }).nextSkip).toBeUndefined();
    expect(query(many, ALERT_SPEC, { $top: '10000', $skip: '20000' }).items).toHaveLength(3_456);
  });

  it('no nextSkip when everything fits', () => {
    expect(query(alerts, ALERT_SPEC, {}).nextSkip).toBeUndefined();
    expect(query(many, ALERT_SPEC, { $skip: '13456' })).toEqual({ items: many.slice(13_456) });
  });

  it('builds the documented nextLink shape, replacing an existing $skip', () => {
    expect(buildNextLink('https://api.securitycenter.microsoft.com/api/machines', new URLSearchParams(), 10_000))
      .toBe('https://api.securitycenter.microsoft.com/api/machines?$skip=10000');
    const params = new URLSearchParams({ $filter: "healthStatus eq 'Active' and machineTags/any(t: t eq 'A&B')", $skip: '10000', $count: 'true' });
    const link = buildNextLink('https://api.securitycenter.microsoft.com/api/machines', params, 20_000);
    expect(link).toBe("https://api.securitycenter.microsoft.com/api/machines?$filter=healthStatus%20eq%20'Active'%20and%20machineTags/any(t:%20t%20eq%20'A%26B')&$count=true&$skip=20000");
    expect(new URL(link).searchParams.get('$filter')).toBe(params.get('$filter'));
  });
});
