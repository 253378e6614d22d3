import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TelemetrySettings } from './settings';

export interface RunningTelemetry {
  /** `http://<METRICS_HOST>:<port>/metrics`, when the Prometheus endpoint is on. */
  metricsUrl?: string;
  /** Flushes to Azure Monitor, closes the metrics listener, and turns the hooks back into no-ops. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /** Also export spans here (tests pass an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
  /** Export them in batches, as spans go to Azure Monitor; otherwise each as it ends (tests read them at once). */
  batchSpans?: boolean;
}

/**
 * Starts OpenTelemetry as configured: undefined when TELEMETRY=off. The SDK is loaded here, on
 * demand, so a bot with telemetry off pays nothing for it at start-up.
 */
export async function startTelemetry(settings: TelemetrySettings, options: TelemetryOptions = {}): Promise<RunningTelemetry | undefined> {
  if (!settings.enabled) return undefined;
  // require, not import(): loaded only now, and the same way under jest as in production.
  const { startSdk } = require('./sdk') as typeof import('./sdk');
  return startSdk(settings, options);
}
