import type { Machine } from './model';

/** Response capabilities that depend on the device's OS (reference §3.2, §9.5). */
export type OsCapability = 'fullIsolation' | 'selectiveIsolation' | 'restrictExecution' | 'stopAndQuarantine';

const WINDOWS_SERVERS_2016_UP = ['WindowsServer2016', 'WindowsServer2019', 'WindowsServer2022', 'WindowsServer2025'];
const WINDOWS_SERVERS_2019_UP = ['WindowsServer2019', 'WindowsServer2022', 'WindowsServer2025'];

/**
 * Windows 10 release of a `version` value as a comparable number: `1709` → 1709, `21H2` → 2110
 * (H1 ≈ April, H2 ≈ October). Unknown or missing versions count as current.
 */
function windows10Release(version: string | null): number {
  const yymm = /^(\d{2})(\d{2})$/.exec(version ?? '');
  if (yymm) return Number(version);
  const half = /^(\d{2})H([12])$/i.exec(version ?? '');
  if (half) return Number(half[1]) * 100 + (half[2] === '1' ? 4 : 10);
  return Number.POSITIVE_INFINITY;
}

function isWindows10AtLeast(machine: Machine, release: number): boolean {
  return machine.osPlatform === 'Windows10' && windows10Release(machine.version) >= release;
}

const SUPPORT: Record<OsCapability, (machine: Machine) => boolean> = {
  // Full: Win10 1703+, Win11, supported servers, Linux, macOS.
  fullIsolation: (m) =>
    isWindows10AtLeast(m, 1703) || m.osPlatform === 'Windows11' || WINDOWS_SERVERS_2016_UP.includes(m.osPlatform)
    || m.osPlatform === 'Linux' || m.osPlatform === 'macOS',
  // Selective: Win10 1709+ and Win11 only.
  selectiveIsolation: (m) => isWindows10AtLeast(m, 1709) || m.osPlatform === 'Windows11',
  restrictExecution: (m) =>
    isWindows10AtLeast(m, 1709) || m.osPlatform === 'Windows11' || WINDOWS_SERVERS_2019_UP.includes(m.osPlatform),
  stopAndQuarantine: (m) =>
    isWindows10AtLeast(m, 1703) || m.osPlatform === 'Windows11' || WINDOWS_SERVERS_2016_UP.includes(m.osPlatform),
};

export function supports(machine: Machine, capability: OsCapability): boolean {
  return SUPPORT[capability](machine);
}

/** Devices Defender only discovered: no sensor, so only "contain" (IsolationType UnManagedDevice) applies. */
export function isOnboarded(machine: Machine): boolean {
  return machine.onboardingStatus.toLowerCase() === 'onboarded';
}

/** A device that does not report: actions wait for it and time out (reference §9.3). */
export function isOffline(machine: Machine): boolean {
  return ['Inactive', 'NoSensorData', 'NoSensorDataImpairedCommunication'].includes(machine.healthStatus);
}
