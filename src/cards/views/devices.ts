import type { Alert, Machine, MachineAction } from '../../defender/model';
import type { IsolationState } from '../../defender/isolation';
import { fill } from '../strings';
import { age, firstOf, listLine, oneLine, timeWithAge, type CardColor, type Coloured, type ViewContext } from '../format';
import {
  actionLine, cardFrame, isolationOf, severityOf, templateAction,
  type ActionLine, type CardAction, type CardFrame, type CardRefresh, type IsolationView, type TemplateAction,
} from './common';

const MAX_RECENT_ACTIONS = 3;
const MAX_OPEN_ALERTS = 3;
const MAX_IP_ADDRESSES = 4;
const MAX_TAGS = 6;
/** Most devices the "closest matches" card lists. */
export const DEVICE_CHOICES_MAX = 8;

const RISK_COLORS: Record<NonNullable<Machine['riskScore']>, CardColor> = {
  High: 'attention', Medium: 'warning', Low: 'accent', Informational: 'default', None: 'good',
};
const EXPOSURE_COLORS: Record<NonNullable<Machine['exposureLevel']>, CardColor> = {
  High: 'attention', Medium: 'warning', Low: 'good', None: 'good',
};
const HEALTH_COLORS: Record<Machine['healthStatus'], CardColor> = {
  Active: 'good', Inactive: 'warning', ImpairedCommunication: 'attention', NoSensorData: 'attention',
  NoSensorDataImpairedCommunication: 'attention', Unknown: 'default',
};

export interface DeviceCardInput {
  machine: Machine;
  /** From the isolation history (defender/isolation.ts). */
  isolation: IsolationState;
  /** The device's machine actions, newest first. */
  recentActions: readonly MachineAction[];
  openAlerts: readonly Alert[];
  buttons: readonly CardAction[];
  refresh?: CardRefresh;
}

export interface DeviceCardData extends CardFrame {
  name: string;
  os: string;
  health: Coloured;
  risk: Coloured;
  exposure: Coloured;
  deviceValue: string;
  lastSeen: string;
  ipAddresses: string;
  tags: string;
  deviceGroup: string;
  isolation: IsolationView;
  recentActions: ActionLine[];
  moreActions: string;
  openAlerts: { severity: Coloured; title: string; age: string }[];
  moreAlerts: string;
}

/** A device: health, risk, isolation state with who and when, recent actions, open alerts, the bot's buttons. */
export function deviceView(input: DeviceCardInput, context: ViewContext): DeviceCardData {
  const { machine } = input;
  const strings = context.strings;
  const actions = firstOf(input.recentActions, MAX_RECENT_ACTIONS, context);
  const alerts = firstOf(input.openAlerts, MAX_OPEN_ALERTS, context);
  return {
    ...cardFrame(input.buttons, input.refresh, context),
    name: oneLine(machine.computerDnsName, 100),
    os: operatingSystem(machine),
    health: { text: strings.health[machine.healthStatus] ?? machine.healthStatus, color: HEALTH_COLORS[machine.healthStatus] ?? 'default' },
    risk: machine.riskScore
      ? { text: strings.riskScore[machine.riskScore] ?? machine.riskScore, color: RISK_COLORS[machine.riskScore] ?? 'default' }
      : { text: strings.unknown, color: 'default' },
    exposure: machine.exposureLevel
      ? { text: strings.exposureLevel[machine.exposureLevel] ?? machine.exposureLevel, color: EXPOSURE_COLORS[machine.exposureLevel] ?? 'default' }
      : { text: strings.unknown, color: 'default' },
    deviceValue: machine.deviceValue ? strings.deviceValue[machine.deviceValue] ?? machine.deviceValue : strings.unknown,
    lastSeen: timeWithAge(machine.lastSeen, context),
    ipAddresses: listLine(ipAddresses(machine), MAX_IP_ADDRESSES, context) || strings.none,
    tags: listLine(machine.machineTags.map((tag) => oneLine(tag, 40)), MAX_TAGS, context),
    deviceGroup: oneLine(machine.rbacGroupName, 60) || strings.device.noGroup,
    isolation: isolationOf(input.isolation, context),
    recentActions: actions.shown.map((action) => actionLine(action, context)),
    moreActions: actions.more,
    openAlerts: alerts.shown.map((alert) => ({
      severity: severityOf(alert.severity, context),
      title: oneLine(alert.title, 100),
      age: age(alert.alertCreationTime, context),
    })),
    moreAlerts: alerts.more,
  };
}

/** "Windows11 23H2 · 64-bit". */
function operatingSystem(machine: Machine): string {
  const release = machine.version ?? machine.osVersion ?? '';
  return [oneLine(`${machine.osPlatform} ${release}`, 60), oneLine(machine.osArchitecture, 20)].filter(Boolean).join(' · ');
}

/** The last reported address first, then the other addresses of interfaces that are up (no loopback). */
function ipAddresses(machine: Machine): string[] {
  const others = machine.ipAddresses
    .filter((address) => address.operationalStatus === 'Up' && address.type !== 'SoftwareLoopback')
    .map((address) => address.ipAddress)
    .filter((address) => !/^(127\.|::1$)/.test(address));
  return [...new Set([machine.lastIpAddress, ...others].filter(Boolean).map((address) => oneLine(address, 45)))];
}

export interface DeviceChoice {
  machine: Machine;
  open: CardAction;
}

export interface DeviceChoicesCardData extends CardFrame {
  title: string;
  matches: { name: string; summary: string; open: TemplateAction }[];
  more: string;
}

/**
 * What the user typed matched several devices (ambiguous) or none exactly (unknown): the closest
 * matches, each with an Open button.
 */
export function deviceChoicesView(
  input: { query: string; ambiguous: boolean; choices: readonly DeviceChoice[]; buttons?: CardAction[] },
  context: ViewContext,
): DeviceChoicesCardData {
  const strings = context.strings;
  const { shown, more } = firstOf(input.choices, DEVICE_CHOICES_MAX, context);
  const title = input.ambiguous ? strings.deviceChoices.ambiguousTitle : strings.deviceChoices.unknownTitle;
  return {
    ...cardFrame(input.buttons ?? [], undefined, context),
    title: fill(title, { query: oneLine(input.query, 80) }),
    matches: shown.map(({ machine, open }) => ({
      name: oneLine(machine.computerDnsName, 100),
      summary: [
        operatingSystem(machine),
        oneLine(machine.rbacGroupName, 60),
        strings.health[machine.healthStatus] ?? machine.healthStatus,
        `${strings.device.lastSeen}${strings.labelSeparator}${timeWithAge(machine.lastSeen, context)}`,
      ].filter(Boolean).join(' · '),
      open: templateAction(open),
    })),
    more,
  };
}
