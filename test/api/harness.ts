import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createApp, type AppDeps } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import type { AppSettings } from '../../api/routes/context';
import type { Clock } from '../../api/reads/read-your-writes';
import { ConfigError } from '../../lib/config';
import { devToken } from '../../scripts/token';
import {
  FakeCatalog,
  FakeCommands,
  FakeIdempotencyStore,
  FakeProcessedWebhooks,
  FakeReadiness,
  FakeReadModel,
} from './fakes';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export const settings = (overrides: Partial<AppSettings> = {}): AppSettings => ({
  auth: { kind: 'hs256', secret: TEST_SECRET },
  paymentWebhook: { secret: WEBHOOK_SECRET, acceptLegacySignature: true },
  temporalUiUrl: 'http://127.0.0.1:8233',
  temporalNamespace: 'default',
  rateLimitPerMinute: 100_000,
  webhookRateLimitPerMinute: 100_000,
  webhookUnverifiedRateLimitPerMinute: 100_000,
  maxOpenOrdersPerCustomer: 1000,
  defaultWaitMs: 10_000,
  minVersionWaits: { total: 1000, perSubject: 1000 },
  readinessCacheMs: 0,
  trustProxy: 0,
  ...overrides,
});

/**
 * A clock that stands at one instant inside a rate-limit minute (sleeps are real): tests that
 * count requests against a per-minute limit use it, so a minute boundary falling between two
 * requests cannot reset the count (CI saw [200, 200, 200, 200] once).
 */
export const stillClock = (): Clock => ({
  now: () => 1_700_000_030_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

/** The app over fresh fakes; the fakes are returned so tests can arrange and inspect them. */
export function harness(overrides: Partial<AppDeps> = {}) {
  const fakes = {
    commands: new FakeCommands(),
    readModel: new FakeReadModel(),
    catalog: new FakeCatalog(),
    idempotency: new FakeIdempotencyStore(),
    readiness: new FakeReadiness(),
    webhooks: new FakeProcessedWebhooks(),
  };
  let ids = 0;
  const metrics = new Registry();
  const app = createApp({
    ...fakes,
    settings: settings(),
    logger: pino({ level: 'silent' }),
    metrics,
    newOrderId: () => `ord_test${++ids}`,
    ...overrides,
  });
  return { app, metrics, ...fakes };
}

export const token = (sub: string, scope: string, ttlSeconds = 600, secret = TEST_SECRET) =>
  devToken({ sub, scope, ttlSeconds, secret });

export const bearer = async (sub: string, scope: string) => `Bearer ${await token(sub, scope)}`;

/** A local port nothing listens on (bound, then released): connecting to it is refused. */
export const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** A well-formed RS256 token (bad signature): verifying it means fetching the JWKS first. */
export const unsignedRs256 = (sub: string) => {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub })}.c2ln`;
};

export const ALL_SCOPES = 'orders:write orders:read orders:support';

export const validOrder = (customerId = 'alice') => ({
  customerId,
  items: [{ sku: 'SKU-1', quantity: 2 }],
  currency: 'USD',
  paymentToken: 'tok_visa',
  shippingAddress: {
    name: 'Alice',
    line1: '1 Main St',
    city: 'Springfield',
    postalCode: '12345',
    country: 'US',
  },
});

/** Local mode: the laptop's development defaults (lib/deployment.ts). */
export const LOCAL = { LOCAL_MODE: 'true' } as const;

/** Production on a private network: plaintext connections allowed, so tests need no certificates. */
export const PRIVATE_NETWORK = { ALLOW_PLAINTEXT: 'temporal,kafka,mongodb' } as const;

/** The problems `loadApiConfig` reports for `env` (none when it loads). */
export function apiConfigProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadApiConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
