/**
 * The Defender entities live in the product's client (src/defender/model.ts): the twin serves exactly
 * the shapes the client reads. Only the twin's seed data is defined here.
 */
import type { DeviceGroup } from '../../defender/model';

export * from '../../defender/model';

/** The device groups of the seeded tenant; user scopes in the Entra twin's directory use these names. */
export const SEEDED_DEVICE_GROUPS: readonly DeviceGroup[] = [
  { id: 101, name: 'Workstations' },
  { id: 102, name: 'Servers' },
  { id: 103, name: 'Finance' },
];
