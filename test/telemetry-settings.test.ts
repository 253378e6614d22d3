/**
 * Telemetry settings as the operator writes them (empty means not set, a wrong one is named), the
 * off switch, a busy metrics port, and export to Azure Monitor (an ingestion endpoint on loopback).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { readTelemetrySettings } from '../src/telemetry/settings';
import { startTelemetry } from '../src/telemetry/start';
import { observeTurn } from '../src/telemetry';
import { ensureTwinCertificates } from '../src/twin/tls';

function read(env: Record<string, string>, botPort = 3978): { settings: ReturnType<typeof readTelemetrySettings>; problems: string[] } {
  const problems: string[] = [];
  return { settings: readTelemetrySettings(env, botPort, problems), problems };
}

describe('settings', () => {
  it('empty settings: on, Prometheus on 127.0.0.1:9464, no Azure Monitor', () => {
    expect(read({ TELEMETRY: '', METRICS_PORT: '', METRICS_HOST: '', APPLICATIONINSIGHTS_CONNECTION_STRING: '' }))
      .toEqual({ settings: { enabled: true, prometheus: { host: '127.0.0.1', port: 9464 } }, problems: [] });
  });

  it('TELEMETRY=off turns everything off; METRICS_PORT=off only the scrape endpoint', () => {
    expect(read({ TELEMETRY: 'off', METRICS_PORT: 'nonsense' })).toEqual({ settings: { enabled: false }, problems: [] });
    const connectionString = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
    expect(read({ METRICS_PORT: 'off', APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString }))
      .toEqual({ settings: { enabled: true, azureMonitor: { connectionString } }, problems: [] });
  });

  it.each([
    [{ TELEMETRY: 'maybe' }, /TELEMETRY must be on or off/],
    [{ METRICS_PORT: 'ninety' }, /METRICS_PORT must be a whole number/],
    [{ METRICS_PORT: '3978' }, /METRICS_PORT must differ from PORT \(3978\)/],
    [{ METRICS_HOST: 'local host' }, /METRICS_HOST must be an address/],
    [{ APPLICATIONINSIGHTS_CONNECTION_STRING: 'https://example.com' }, /APPLICATIONINSIGHTS_CONNECTION_STRING must be the connection string/],
  ])('%o is refused with a message naming the setting', (env, message) => {
    expect(read(env).problems).toEqual([expect.stringMatching(message)]);
  });

  it('loadConfig reports their problems with the others', () => {
    const env = {
      MICROSOFT_APP_ID: '4a9d2c71-6e3b-4f05-b8d2-0c7e15a9f3e6', MICROSOFT_APP_PASSWORD: 'secret', MICROSOFT_APP_TENANT_ID: '7f3c1a52-9d4e-4b8a-a1c6-2e5f80d4b913',
      CARD_SIGNING_SECRET: 'x'.repeat(32), PORT: '8080',
      BOT_PUBLIC_URL: 'https://chatops.contoso.com', TOKEN_CACHE_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    expect(loadConfig({ ...env, METRICS_PORT: '9100' }).ok).toBe(true);
    const bad = loadConfig({ ...env, METRICS_PORT: '8080' });
    expect(bad.ok ? [] : bad.problems).toEqual([expect.stringMatching(/METRICS_PORT must differ from PORT \(8080\)/)]);
  });
});

describe('starting', () => {
  it('off: nothing starts and the hooks only run the work', async () => {
    expect(await startTelemetry({ enabled: false })).toBeUndefined();
    expect(await observeTurn({ type: 'message' }, 'id', () => 200, async () => 'answered')).toBe('answered');
  });

  it('a busy metrics port stops the start with a message naming METRICS_PORT', async () => {
    const busy = http.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      await expect(startTelemetry({ enabled: true, prometheus: { host: '127.0.0.1', port } })).rejects.toThrow(/METRICS_PORT.*EADDRINUSE|EADDRINUSE.*METRICS_PORT/s);
    } finally {
      busy.close();
    }
  });

  it('Azure Monitor: metrics and the turn span reach the ingestion endpoint of the connection string', async () => {
    // The exporter's own usage reports ("statsbeat") go to Microsoft, not to the connection string's endpoint.
    process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
    const received: { path: string; body: string }[] = [];
    const { cert, key } = ensureTwinCertificates();
    const ingestion = https.createServer({ cert, key }, (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      request.on('end', () => {
        received.push({ path: request.url ?? '', body });
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => ingestion.listen(0, '127.0.0.1', resolve));
    const endpoint = `https://127.0.0.1:${(ingestion.address() as AddressInfo).port}/`;
    const connectionString = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=${endpoint}`;
    const telemetry = await startTelemetry({ enabled: true, azureMonitor: { connectionString } });
    try {
      expect(telemetry?.metricsUrl).toBeUndefined();
      await observeTurn({ type: 'message' }, 'correlation-1', () => 200, async () => undefined);
    } finally {
      await telemetry?.shutdown();
      ingestion.close();
      delete process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
    }
    const everything = received.map((request) => request.body).join('\n');
    expect(received.every((request) => request.path.startsWith('/v2.1/track'))).toBe(true);
    expect(everything).toContain('turn message');
    expect(everything).toContain('chatops.turns');
  });
});
