/** What the operator chose for metrics and traces (TELEMETRY, METRICS_*, APPLICATIONINSIGHTS_CONNECTION_STRING). */
export interface TelemetrySettings {
  enabled: boolean;
  /** The Prometheus scrape endpoint (`GET /metrics`); its own listener, never the bot's public port. */
  prometheus?: { host: string; port: number };
  /** Azure Monitor (Application Insights): metrics and traces. */
  azureMonitor?: { connectionString: string };
}

export const DEFAULT_METRICS_PORT = 9464;
const DEFAULT_METRICS_HOST = '127.0.0.1';
const SWITCH = ['on', 'off'];

/**
 * Reads the telemetry settings; every problem names the setting. Empty means "not set": telemetry
 * on, Prometheus on 127.0.0.1:9464, no Azure Monitor. `botPort` is the public port, which the
 * metrics listener must never share.
 */
export function readTelemetrySettings(env: NodeJS.ProcessEnv, botPort: number, problems: string[]): TelemetrySettings {
  const read = (name: string) => env[name]?.trim() ?? '';
  const telemetry = (read('TELEMETRY') || 'on').toLowerCase();
  if (!SWITCH.includes(telemetry)) problems.push(`TELEMETRY must be on or off (got "${read('TELEMETRY')}").`);
  if (telemetry === 'off') return { enabled: false };

  const portText = read('METRICS_PORT') || String(DEFAULT_METRICS_PORT);
  const metricsOff = portText.toLowerCase() === 'off';
  const port = Number(portText);
  if (!metricsOff && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    problems.push(`METRICS_PORT must be a whole number from 1 to 65535, or off (got "${portText}").`);
  } else if (port === botPort) {
    problems.push(`METRICS_PORT must differ from PORT (${botPort}): metrics are never served on the bot's public port.`);
  }
  const host = read('METRICS_HOST') || DEFAULT_METRICS_HOST;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) problems.push(`METRICS_HOST must be an address to listen on, such as 127.0.0.1 (got "${host}").`);

  const connectionString = read('APPLICATIONINSIGHTS_CONNECTION_STRING');
  if (connectionString && !/(^|;)\s*(InstrumentationKey|IngestionEndpoint)\s*=/i.test(connectionString)) {
    problems.push('APPLICATIONINSIGHTS_CONNECTION_STRING must be the connection string of an Application Insights resource (Azure portal > Application Insights > Overview > Connection String), starting with InstrumentationKey=.');
  }
  return {
    enabled: true,
    ...(metricsOff ? {} : { prometheus: { host, port } }),
    ...(connectionString ? { azureMonitor: { connectionString } } : {}),
  };
}
