import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type MetricReader, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { setRecorder } from './index';
import { observeHttpClients } from './outbound';
import { OtelRecorder } from './recorder';
import type { TelemetrySettings } from './settings';
import type { RunningTelemetry, TelemetryOptions } from './start';

const SERVICE = 'defender-chatops';
/** Azure Monitor's own default export interval. */
const AZURE_EXPORT_INTERVAL_MS = 60_000;

/** The meter and tracer providers, their exporters and the scrape listener; see startTelemetry. */
export async function startSdk(settings: TelemetrySettings, options: TelemetryOptions): Promise<RunningTelemetry> {
  const resource = resourceFromAttributes({ 'service.name': SERVICE, 'service.instance.id': `${os.hostname()}/${process.pid}` });
  const readers: MetricReader[] = [];
  const spanProcessors: SpanProcessor[] = [];
  let server: http.Server | undefined;
  if (settings.prometheus) {
    const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    // First, so that a busy port stops the start before anything is registered.
    server = await listen(prometheus, settings.prometheus);
    readers.push(prometheus);
  }
  if (settings.azureMonitor) {
    const { AzureMonitorMetricExporter, AzureMonitorTraceExporter } = require('@azure/monitor-opentelemetry-exporter') as typeof import('@azure/monitor-opentelemetry-exporter');
    const { connectionString } = settings.azureMonitor;
    readers.push(new PeriodicExportingMetricReader({ exporter: new AzureMonitorMetricExporter({ connectionString }), exportIntervalMillis: AZURE_EXPORT_INTERVAL_MS }));
    spanProcessors.push(new BatchSpanProcessor(new AzureMonitorTraceExporter({ connectionString })));
  }
  if (options.spanExporter) {
    spanProcessors.push(options.batchSpans ? new BatchSpanProcessor(options.spanExporter) : new SimpleSpanProcessor(options.spanExporter));
  }

  const meterProvider = new MeterProvider({ resource, readers });
  // Spans are made only when something exports them; W3C headers are never sent to Microsoft.
  const tracerProvider = spanProcessors.length > 0 ? new NodeTracerProvider({ resource, spanProcessors }) : undefined;
  tracerProvider?.register({ propagator: null });
  const recorder = new OtelRecorder(meterProvider.getMeter(SERVICE), trace.getTracer(SERVICE));
  const stopObserving = observeHttpClients(recorder);
  setRecorder(recorder);

  return {
    metricsUrl: server ? metricsUrlOf(server) : undefined,
    shutdown: async () => {
      setRecorder(undefined);
      stopObserving();
      if (server) {
        const closing = server;
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeAllConnections();
        });
      }
      await Promise.all([meterProvider.shutdown(), tracerProvider?.shutdown()]);
      trace.disable();
      context.disable();
      propagation.disable();
      metrics.disable();
    },
  };
}

/** The scrape endpoint on its own listener (loopback by default), apart from the bot's public port. */
async function listen(exporter: PrometheusExporter, where: { host: string; port: number }): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') {
      exporter.getMetricsRequestHandler(request, response);
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('Only GET /metrics is served here.\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(
      `the metrics endpoint could not listen on ${where.host}:${where.port} (METRICS_HOST, METRICS_PORT): ${error.code ?? error.message}. Choose a free port, or set METRICS_PORT=off.`,
    )));
    server.listen(where.port, where.host, resolve);
  });
  return server;
}

function metricsUrlOf(server: http.Server): string {
  const { address, port, family } = server.address() as AddressInfo;
  return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}/metrics`;
}
