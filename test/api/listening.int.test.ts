import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { loadApiConfig } from '../../api/config';
import { startApi, type RunningApi } from '../../api/main';
import { createLogger } from '../../lib/logger';

// The real API process wiring (api/main.ts) against the private stack's servers: where it
// listens, and that its metrics are not on the public port.

const logger = createLogger('listening-test', 'silent');
const start = (env: NodeJS.ProcessEnv) =>
  startApi(
    loadApiConfig({ ...process.env, LOCAL_MODE: 'true', PORT: '0', METRICS_PORT: '0', ...env }),
    { logger },
  );

/** An address of this machine other than loopback, if it has one. */
const externalAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('where the API listens', () => {
  let api: RunningApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('binds to loopback by default: nothing listens beyond it unless HOST says so', async () => {
    api = await start({});
    expect((api.server.address() as AddressInfo).address).toBe('127.0.0.1');
    const healthz = await fetch(`${api.url}/healthz`);
    expect(healthz.status).toBe(200);
    if (externalAddress) {
      await expect(
        fetch(`http://${externalAddress}:${api.port}/healthz`, {
          signal: AbortSignal.timeout(2000),
        }),
      ).rejects.toThrow();
    }
  });

  it('binds to the interface HOST names', async () => {
    api = await start({ HOST: '0.0.0.0' });
    expect((api.server.address() as AddressInfo).address).toBe('0.0.0.0');
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });

  it('serves /metrics on METRICS_PORT only, never on the public port', async () => {
    api = await start({});
    await fetch(`${api.url}/healthz`);
    const publicMetrics = await fetch(`${api.url}/metrics`);
    expect(publicMetrics.status).not.toBe(200);
    expect(await publicMetrics.text()).not.toMatch(/http_requests_total/);
    expect(api.metricsUrl).toBeDefined();
    const metrics = await fetch(`${api.metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/http_requests_total\{method="GET",route="\/healthz"/);
  });

  it('METRICS_ENABLED=false serves no metrics at all', async () => {
    api = await start({ METRICS_ENABLED: 'false' });
    expect(api.metricsUrl).toBeUndefined();
  });
});
