import { type Caller, canAccessDevice } from './auth';
import { defenderErrors } from './errors';
import type { Alert, Machine, MachineAction } from './model';
import type { DefenderTenantData } from './seed';

const MACHINE_ID = /^[0-9a-f]{40}$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What one caller can see of the tenant (device-group scoping, reference §2.2). Lists leave out
 * what is outside the caller's device groups; single lookups answer 404 for it, exactly as for
 * something that does not exist, so a user cannot probe for devices outside their scope.
 * Machine actions follow their device's visibility (the docs are silent on this; [I]).
 */
export class TenantView {
  constructor(private readonly data: DefenderTenantData, private readonly caller: Caller) {}

  alerts(): Alert[] {
    return this.data.alerts.filter((alert) => this.canSeeAlert(alert));
  }

  machines(): Machine[] {
    return this.data.machines.filter((machine) => canAccessDevice(this.caller, machine));
  }

  actions(): MachineAction[] {
    return this.data.actions.filter((action) => this.canSeeDeviceOf(action.machineId));
  }

  alert(id: string): Alert {
    const alert = this.data.alerts.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (!alert || !this.canSeeAlert(alert)) throw defenderErrors.notFound(`Alert ${id} was not found`);
    return alert;
  }

  /** By device id or, as the docs allow, by computer name (the most recently seen one on duplicates). */
  machine(idOrName: string): Machine {
    const wanted = idOrName.toLowerCase();
    const machine = MACHINE_ID.test(idOrName)
      ? this.data.machines.find((candidate) => candidate.id === wanted)
      : this.data.machines
        .filter((candidate) => candidate.computerDnsName.toLowerCase() === wanted)
        .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))[0];
    if (!machine || !canAccessDevice(this.caller, machine)) throw defenderErrors.notFound(`Machine ${idOrName} was not found`);
    return machine;
  }

  action(id: string): MachineAction {
    if (!GUID.test(id)) throw defenderErrors.notGuid(id);
    const action = this.data.actions.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (!action || !this.canSeeDeviceOf(action.machineId)) throw defenderErrors.notFound(`Machine action ${id} was not found`);
    return action;
  }

  private canSeeAlert(alert: Alert): boolean {
    const machine = this.data.machines.find((candidate) => candidate.id === alert.machineId);
    return canAccessDevice(this.caller, machine ?? alert);
  }

  private canSeeDeviceOf(machineId: string): boolean {
    const machine = this.data.machines.find((candidate) => candidate.id === machineId);
    return canAccessDevice(this.caller, machine ?? { rbacGroupName: null });
  }
}
