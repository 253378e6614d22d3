/**
 * A short, believable attack the simulated tenant plays in local mode, so that a subscription in
 * the Agents Playground sees notifications: a phishing link clicked on a workstation, a payload and
 * credential theft on the same device, then lateral movement to a server, with analysts working
 * the alerts in between (changed alerts update the cards already posted). Each step raises or
 * changes one alert; after the last step the story starts again on the next workstation.
 */
import type { Alert, AlertSeverity, Machine } from './model';

/** What the storyline needs from the Defender twin. */
export interface StorylineTenant {
  machines(): readonly Machine[];
  addAlert(partial: Partial<Alert> & { machineId: string }): Alert;
  updateAlert(id: string, change: Partial<Alert>): Alert;
}

type Step =
  | { raise: string; severity: AlertSeverity; on: 'workstation' | 'server' }
  | { change: number; to: Partial<Alert> };

/** `change` points at the step (index) whose alert changes. Titles are the twin's alert templates. */
const STEPS: readonly Step[] = [
  { raise: 'Suspicious URL clicked', severity: 'Medium', on: 'workstation' },
  { raise: 'Suspicious PowerShell command line', severity: 'Medium', on: 'workstation' },
  { change: 0, to: { status: 'InProgress', assignedTo: 'alice@contoso.onmicrosoft.com' } },
  { raise: "'Mimikatz' credential theft tool", severity: 'High', on: 'workstation' },
  { raise: 'Anomalous account lookups', severity: 'Low', on: 'workstation' },
  { raise: 'Suspicious remote WMI execution', severity: 'High', on: 'server' },
  { change: 3, to: { status: 'InProgress', assignedTo: 'alice@contoso.onmicrosoft.com' } },
  { raise: "An active 'CobaltStrike' backdoor was detected", severity: 'High', on: 'server' },
  { change: 0, to: { status: 'Resolved', classification: 'TruePositive', determination: 'Phishing' } },
];

export interface StorylineStep {
  alert: Alert;
  kind: 'raised' | 'changed';
}

export class AttackStoryline {
  private position = 0;
  private round = 0;
  private alerts: Alert[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tenant: StorylineTenant) {}

  /** Plays the next step now. */
  next(): StorylineStep {
    const step = STEPS[this.position];
    const result: StorylineStep = 'raise' in step
      ? { kind: 'raised', alert: this.tenant.addAlert({ machineId: this.device(step.on).id, title: step.raise, severity: step.severity }) }
      : { kind: 'changed', alert: this.tenant.updateAlert(this.alerts[step.change].id, step.to) };
    this.alerts[this.position] = result.alert;
    this.position = (this.position + 1) % STEPS.length;
    if (this.position === 0) this.round += 1;
    return result;
  }

  /** Plays a step every `intervalMs` until stopped (0: never). */
  start(intervalMs: number): void {
    this.stop();
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => this.next(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Onboarded Windows devices in a device group, so that a subscriber's device-group scope covers them. */
  private device(kind: 'workstation' | 'server'): Machine {
    const group = kind === 'workstation' ? 'Workstations' : 'Servers';
    const candidates = this.tenant.machines()
      .filter((machine) => machine.rbacGroupName === group && machine.osPlatform.startsWith('Windows') && machine.healthStatus === 'Active');
    if (candidates.length === 0) throw new Error(`the Defender twin has no active Windows device in ${group} for the storyline`);
    return candidates[this.round % candidates.length];
  }
}
