import crypto from 'node:crypto';
import net from 'node:net';
import type { Caller } from './auth';
import { parseJsonObject } from './bodies';
import { defenderErrors } from './errors';
import { toDefenderTimestamp } from './timestamps';

/**
 * Indicators (learn.microsoft.com/defender-endpoint/api/ti-indicator and post-ti-indicator):
 * `POST /api/indicators` submits a new indicator or updates the one with the same value and type.
 */
export const INDICATOR_TYPES = ['FileSha1', 'FileMd5', 'CertificateThumbprint', 'FileSha256', 'IpAddress', 'DomainName', 'Url'] as const;
export const INDICATOR_ACTIONS = ['Alert', 'Warn', 'Block', 'Audit', 'BlockAndRemediate', 'AlertAndBlock', 'Allowed'] as const;
const SEVERITIES = ['Informational', 'Low', 'Medium', 'High'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
export type IndicatorAction = (typeof INDICATOR_ACTIONS)[number];

/** "There's a limit of 15,000 active indicators per tenant" (post-ti-indicator; indicators-overview: no increase). */
export const ACTIVE_INDICATOR_LIMIT = 15_000;

/**
 * Which actions each type takes (indicators-overview, "Enforcement types"): files Allow, Audit,
 * Warn, Block execution, Block and remediate; IPs, URLs and domains no remediation; certificates
 * Allow and Block and remediate. The legacy Alert and AlertAndBlock were renamed to Audit and
 * BlockAndRemediate but stay accepted where those are [I].
 */
const ACTIONS_BY_TYPE: Record<IndicatorType, readonly IndicatorAction[]> = {
  FileSha1: ['Allowed', 'Audit', 'Warn', 'Block', 'BlockAndRemediate', 'Alert', 'AlertAndBlock'],
  FileMd5: ['Allowed', 'Audit', 'Warn', 'Block', 'BlockAndRemediate', 'Alert', 'AlertAndBlock'],
  FileSha256: ['Allowed', 'Audit', 'Warn', 'Block', 'BlockAndRemediate', 'Alert', 'AlertAndBlock'],
  IpAddress: ['Allowed', 'Audit', 'Warn', 'Block', 'Alert'],
  DomainName: ['Allowed', 'Audit', 'Warn', 'Block', 'Alert'],
  Url: ['Allowed', 'Audit', 'Warn', 'Block', 'Alert'],
  CertificateThumbprint: ['Allowed', 'BlockAndRemediate', 'AlertAndBlock'],
};

const HEX_LENGTH: Partial<Record<IndicatorType, number>> = { FileSha1: 40, FileMd5: 32, FileSha256: 64, CertificateThumbprint: 40 };
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export interface Indicator {
  id: string;
  indicatorValue: string;
  indicatorType: IndicatorType;
  action: IndicatorAction;
  title: string;
  description: string;
  application: string | null;
  severity: string | null;
  recommendedActions: string | null;
  rbacGroupNames: string[];
  generateAlert: boolean;
  expirationTime: string | null;
  createdBy: string;
  createdBySource: string;
  sourceType: 'User' | 'AadApp';
  creationTimeDateTimeUtc: string;
  lastUpdateTime: string;
  lastUpdatedBy: string;
}

const FIELDS = [
  'indicatorValue', 'indicatorType', 'action', 'application', 'title', 'description', 'expirationTime', 'severity',
  'recommendedActions', 'rbacGroupNames', 'educateUrl', 'generateAlert',
] as const;
type Field = (typeof FIELDS)[number];

/** The tenant's indicators and the rules of submitting one. */
export class IndicatorStore {
  readonly indicators: Indicator[] = [];

  /** Validates a body as Defender does, then creates the indicator or updates the one with its value and type. */
  submit(text: string, contentType: string | undefined, caller: Caller, now: number): Indicator {
    const body = parseIndicatorBody(text, contentType);
    const type = oneOf(body.indicatorType, INDICATOR_TYPES, 'indicatorType');
    const action = oneOf(body.action, INDICATOR_ACTIONS, 'action');
    const value = requiredText(body.indicatorValue, 'indicatorValue');
    checkValue(type, value);
    if (!ACTIONS_BY_TYPE[type].includes(action)) {
      throw defenderErrors.invalidInput(`Action '${action}' is not supported for indicator type '${type}'. Supported: ${ACTIONS_BY_TYPE[type].join(', ')}.`);
    }
    const generateAlert = body.generateAlert === undefined ? false : body.generateAlert;
    if (typeof generateAlert !== 'boolean') throw defenderErrors.invalidRequestBody("Property 'generateAlert' must be true or false.");
    if (action === 'Audit' && !generateAlert) throw defenderErrors.invalidInput("generateAlert must be true when the action is 'Audit'.");
    const expirationTime = optionalText(body.expirationTime, 'expirationTime');
    if (expirationTime !== null) {
      const at = Date.parse(expirationTime);
      if (Number.isNaN(at)) throw defenderErrors.invalidInput(`'${expirationTime}' is not a valid expirationTime.`);
      if (at <= now) throw defenderErrors.invalidInput('expirationTime must be in the future.');
    }
    const severity = optionalText(body.severity, 'severity');
    if (severity !== null) oneOf(severity, SEVERITIES, 'severity');
    const rbacGroupNames = body.rbacGroupNames ?? [];
    if (!Array.isArray(rbacGroupNames) || !rbacGroupNames.every((name) => typeof name === 'string')) {
      throw defenderErrors.invalidRequestBody("Property 'rbacGroupNames' must be a list of device group names.");
    }
    const stamp = toDefenderTimestamp(now);
    const fields = {
      action, title: requiredText(body.title, 'title'), description: requiredText(body.description, 'description'),
      severity, recommendedActions: optionalText(body.recommendedActions, 'recommendedActions'), rbacGroupNames, generateAlert,
      expirationTime, lastUpdateTime: stamp, lastUpdatedBy: caller.requestor,
    };
    const existing = this.indicators.find((indicator) => indicator.indicatorType === type && indicator.indicatorValue.toLowerCase() === value.toLowerCase());
    if (existing) return Object.assign(existing, fields);
    if (this.active(now) >= ACTIVE_INDICATOR_LIMIT) {
      throw defenderErrors.badRequest(`The tenant has reached the limit of ${ACTIVE_INDICATOR_LIMIT} active indicators.`);
    }
    const created: Indicator = {
      id: String(this.indicators.length + 1), indicatorValue: value, indicatorType: type,
      application: optionalText(body.application, 'application'), ...fields,
      createdBy: caller.kind === 'user' ? caller.user.oid : caller.appId, createdBySource: caller.requestor,
      sourceType: caller.kind === 'user' ? 'User' : 'AadApp', creationTimeDateTimeUtc: stamp,
    };
    this.indicators.push(created);
    return created;
  }

  /** Indicators not past their expirationTime: those count toward the limit. */
  active(now: number): number {
    return this.indicators.filter((indicator) => indicator.expirationTime === null || Date.parse(indicator.expirationTime) > now).length;
  }

  /** Fills the tenant up to `count` active indicators (for the limit's tests). */
  fillTo(count: number, now: number): void {
    while (this.active(now) < count) {
      const hash = crypto.createHash('sha1').update(String(this.indicators.length)).digest('hex');
      this.indicators.push({
        id: String(this.indicators.length + 1), indicatorValue: hash, indicatorType: 'FileSha1', action: 'Block', title: 'seeded',
        description: 'seeded', application: null, severity: null, recommendedActions: null, rbacGroupNames: [], generateAlert: false,
        expirationTime: null, createdBy: 'seed', createdBySource: 'seed', sourceType: 'AadApp',
        creationTimeDateTimeUtc: toDefenderTimestamp(now), lastUpdateTime: toDefenderTimestamp(now), lastUpdatedBy: 'seed',
      });
    }
  }
}

/** Property names are case-sensitive as in every Defender body (reference §3.2). */
function parseIndicatorBody(text: string, contentType: string | undefined): Partial<Record<Field, unknown>> {
  const raw = parseJsonObject(text, contentType);
  for (const key of Object.keys(raw)) {
    if (!FIELDS.includes(key as Field)) {
      throw defenderErrors.invalidRequestBody(`Property '${key}' is not valid for this request. Valid properties: ${FIELDS.join(', ')}.`);
    }
  }
  return raw as Partial<Record<Field, unknown>>;
}

function requiredText(value: unknown, name: Field): string {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) throw defenderErrors.missingParameter(name);
  if (typeof value !== 'string') throw defenderErrors.invalidRequestBody(`Property '${name}' must be a string.`);
  return value;
}

function optionalText(value: unknown, name: Field): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw defenderErrors.invalidRequestBody(`Property '${name}' must be a string.`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: Field): T {
  const text = requiredText(value, name);
  const match = allowed.find((candidate) => candidate === text);
  if (!match) throw defenderErrors.invalidInput(`Invalid ${name} '${text}'. Valid values: ${allowed.join(', ')}.`);
  return match;
}

/**
 * The value must be what its type says: hex of the hash's length; an IP address without CIDR
 * ("CIDR notation for IPs isn't supported"), IPv6 with all 8 segments (indicators-overview); a
 * domain name; an http(s) URL.
 */
function checkValue(type: IndicatorType, value: string): void {
  const length = HEX_LENGTH[type];
  if (length !== undefined) {
    if (!new RegExp(`^[0-9a-f]{${length}}$`, 'i').test(value)) throw defenderErrors.invalidInput(`'${value}' is not a valid ${type} value.`);
    return;
  }
  if (type === 'IpAddress') {
    if (value.includes('/')) throw defenderErrors.invalidInput('CIDR notation for IPs is not supported.');
    const version = net.isIP(value);
    if (version === 0 || (version === 6 && value.includes('::'))) throw defenderErrors.invalidIp(value);
    return;
  }
  if (type === 'DomainName') {
    if (!DOMAIN.test(value)) throw defenderErrors.invalidInput(`'${value}' is not a valid domain name.`);
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw defenderErrors.invalidInput(`'${value}' is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw defenderErrors.invalidInput(`'${value}' is not an http or https URL.`);
}
