/**
 * Bounded names for outbound requests: which service a request went to and an operation template
 * built only from known path words. Everything else in a path (ids, tenant, conversation, device
 * names) becomes `{id}`, and the query is dropped, so no label can carry a name or a token.
 */

export type Service = 'defender' | 'entra' | 'graph' | 'teams' | 'other';

/** Microsoft's hosts; requests to other hosts (the local twin, a proxy) are told apart by their paths. */
const HOSTS: readonly [RegExp, Service][] = [
  [/(^|\.)login\.(microsoftonline\.(com|us)|windows\.net|chinacloudapi\.cn|partner\.microsoftonline\.cn)$/i, 'entra'],
  [/(^|\.)graph\.microsoft\.(com|us)$/i, 'graph'],
  [/(^|\.)(securitycenter\.(microsoft\.com|windows\.com|microsoft\.us)|security\.microsoft\.com)$/i, 'defender'],
  [/(^|\.)(botframework\.(com|us|azure\.us)|trafficmanager\.net|teams\.microsoft\.(com|us))$/i, 'teams'],
];

const PATHS: readonly [RegExp, Service][] = [
  [/\/v3\/(conversations|teams)(\/|$)|^\/v1\/\.well-known\//, 'teams'],
  [/\/oauth2\/|\/\.well-known\/openid-configuration$|\/discovery\//, 'entra'],
  [/^\/api\/(v1\.0\/)?(alerts|machines|machineactions|advancedqueries|files|ips|domains|users|indicators|investigations|vulnerabilities|recommendations|software|exposureScore)(\/|$)/i, 'defender'],
  [/^\/(v1\.0|beta)\/security\//, 'graph'],
];

/** Path words kept in operation templates (lower-case); any other segment is `{id}`. */
const WORDS = new Map([
  'api', 'v1.0', 'beta', 'security', 'incidents', 'alerts', 'alerts_v2', 'machines', 'machineactions', 'isolate', 'unisolate',
  'runAntiVirusScan', 'restrictCodeExecution', 'unrestrictCodeExecution', 'collectInvestigationPackage', 'StopAndQuarantineFile',
  'offboard', 'cancel', 'getPackageUri', 'logonusers', 'software', 'vulnerabilities', 'recommendations', 'findbytag', 'tags',
  'advancedqueries', 'run', 'files', 'ips', 'domains', 'users', 'indicators', 'investigations', 'availableMachineActions',
  'startInvestigation', 'exposureScore', 'v3', 'conversations', 'activities', 'members', 'pagedmembers', 'teams', 'v1', 'v2.0',
  '.well-known', 'openidconfiguration', 'openid-configuration', 'keys', 'oauth2', 'token', 'authorize', 'discovery', 'instance',
].map((word) => [word.toLowerCase(), word]));

const MAX_SEGMENTS = 8;

export function serviceOf(host: string, path: string): Service {
  const bare = host.replace(/:\d+$/, '');
  for (const [pattern, service] of HOSTS) if (pattern.test(bare)) return service;
  const pathOnly = path.split('?')[0];
  for (const [pattern, service] of PATHS) if (pattern.test(pathOnly)) return service;
  return 'other';
}

/** `GET /api/machines/{id}/isolate`: the method and the path's known words, ids replaced. */
export function operationOf(method: string, path: string): string {
  const segments = path.split('?')[0].split('/').filter(Boolean);
  // A Teams service URL has a regional prefix (`/amer/`): the operation starts at the API version.
  const start = Math.max(0, segments.findIndex((segment) => segment === 'v3'));
  const template = segments.slice(start, start + MAX_SEGMENTS).map((segment) => WORDS.get(segment.toLowerCase()) ?? '{id}');
  return `${methodOf(method)} /${template.join('/')}`;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function methodOf(method: string): string {
  const upper = method.toUpperCase();
  return METHODS.has(upper) ? upper : 'OTHER';
}

export function statusClassOf(status: number | 'error'): string {
  if (status === 'error' || !Number.isInteger(status) || status < 100 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx`;
}
