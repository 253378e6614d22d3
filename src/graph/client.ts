import { DefenderApiError, type DefenderOperation } from '../defender/errors';
import { type AccessTokenSource, DefenderHttp, type DefenderCall, type DefenderHttpOptions } from '../defender/http';
import { anyOf, odataString, pathSegment, queryString } from '../defender/odata';
import type { HuntingResult, Incident, IncidentChange } from './model';

export interface IncidentQuery {
  /** Graph's names: high, medium, low, informational. */
  severities?: readonly string[];
  /** active, resolved, redirected, inProgress. */
  statuses?: readonly string[];
  assignedTo?: string;
  /** 1..50 (Graph's page size for incidents). */
  top?: number;
}

const MAX_TOP = 50;
const INCIDENT_ID = /^\d{1,19}$/;

/**
 * Microsoft Graph's security API as the bot uses it, always with the acting user's delegated Graph
 * token: Defender XDR then applies their roles and device groups. Same transport as the Defender
 * client (time-outs, bounded read retries honouring Retry-After, error mapping; a PATCH is sent once).
 */
export class GraphSecurityClient {
  private readonly http: DefenderHttp;

  constructor(options: DefenderHttpOptions) {
    this.http = new DefenderHttp(options);
  }

  async listIncidents(token: AccessTokenSource, query: IncidentQuery = {}): Promise<Incident[]> {
    const conditions: string[] = [];
    if (query.severities?.length) conditions.push(anyOf('severity', query.severities));
    if (query.statuses?.length) conditions.push(anyOf('status', query.statuses));
    if (query.assignedTo !== undefined) conditions.push(`assignedTo eq ${odataString(query.assignedTo)}`);
    const top = Math.min(MAX_TOP, Math.max(1, Math.floor(query.top ?? 10)));
    const target = `/v1.0/security/incidents${queryString({ $filter: conditions.length ? conditions.join(' and ') : undefined, $top: top })}`;
    const body = await this.http.read(token, this.call('GET', target, '/v1.0/security/incidents', 'listIncidents'));
    if (!Array.isArray(body.value) || !body.value.every(isIncident)) throw new DefenderApiError('malformed_response', { operation: 'listIncidents' });
    return body.value;
  }

  /** One incident with its alerts (`$expand=alerts`). */
  async getIncident(token: AccessTokenSource, id: string): Promise<Incident> {
    const target = `/v1.0/security/incidents/${incidentSegment(id)}?$expand=alerts`;
    return incident(await this.http.read(token, this.call('GET', target, '/v1.0/security/incidents/{id}', 'getIncident', id)), 'getIncident');
  }

  /** Triage: exactly one PATCH, never retried (update-incident). */
  async updateIncident(token: AccessTokenSource, id: string, change: IncidentChange): Promise<Incident> {
    const target = `/v1.0/security/incidents/${incidentSegment(id)}`;
    return incident(await this.http.act(token, { ...this.call('PATCH', target, '/v1.0/security/incidents/{id}', 'updateIncident', id), body: change }), 'updateIncident');
  }

  /**
   * Advanced hunting (runHuntingQuery): a read, so retried within the budget (honouring Retry-After).
   * `timespan` is ISO 8601 (Graph's default: the last 30 days).
   */
  async runHuntingQuery(token: AccessTokenSource, query: string, timespan?: string): Promise<HuntingResult> {
    const call = this.call('POST', '/v1.0/security/runHuntingQuery', '/v1.0/security/runHuntingQuery', 'runHuntingQuery');
    const body = await this.http.read(token, { ...call, body: { Query: query, ...(timespan ? { Timespan: timespan } : {}) } });
    const { schema, results } = body;
    if (!Array.isArray(schema) || !Array.isArray(results) || !schema.every((column) => typeof column?.Name === 'string')) {
      throw new DefenderApiError('malformed_response', { operation: 'runHuntingQuery' });
    }
    return { schema: schema as HuntingResult['schema'], results: results as HuntingResult['results'] };
  }

  private call(method: DefenderCall['method'], target: string, route: string, operation: DefenderOperation, id?: string): DefenderCall {
    return { method, target, route, operation, ...(id === undefined ? {} : { subject: { kind: 'incident', id } }) };
  }
}

function incidentSegment(id: string): string {
  if (!INCIDENT_ID.test(id)) throw DefenderApiError.invalidInput(`"${id}" is not an incident id (incident ids are numbers, e.g. 42).`);
  return pathSegment(id, 'incident id');
}

function incident(body: Record<string, unknown>, operation: DefenderOperation): Incident {
  const { '@odata.context': _context, ...fields } = body;
  if (!isIncident(fields)) throw new DefenderApiError('malformed_response', { operation });
  return fields;
}

function isIncident(value: unknown): value is Incident {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return ['id', 'displayName', 'severity', 'status', 'createdDateTime'].every((key) => typeof record[key] === 'string') &&
    (record.alerts === undefined || Array.isArray(record.alerts));
}
