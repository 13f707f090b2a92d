import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiConfigSchema, appSettings, loadApiConfig } from '../../api/config';
import { projectionConfigSchema } from '../../projections/runtime/config';
import { createTopicsConfigSchema } from '../../scripts/create-topics';
import {
  inventoryWorkerConfigSchema,
  ordersWorkerConfigSchema,
  paymentsWorkerConfigSchema,
  shippingWorkerConfigSchema,
} from '../../workers/config';

// There is no Docker engine on the machines this project is built on, so the compose file is
// checked structurally: every service the README names exists, host ports do not collide,
// dependencies point at real services, and application services get exactly the environment
// their configuration schemas validate.

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;
const services = compose.services;

/** Application services and the configuration schema their process validates at start. */
const appServices: Record<string, z.ZodObject> = {
  'kafka-setup': createTopicsConfigSchema,
  api: apiConfigSchema,
  'worker-orders': ordersWorkerConfigSchema,
  'worker-inventory': inventoryWorkerConfigSchema,
  'worker-payments': paymentsWorkerConfigSchema,
  'worker-shipping': shippingWorkerConfigSchema,
  projector: projectionConfigSchema,
};

/**
 * Variables a service leaves to the code's defaults on purpose. Every other variable its schema
 * reads must be set, so a variable added to a schema needs a decision here.
 */
const leftToDefaults: Record<string, string[]> = {
  'kafka-setup': [],
  api: [
    'READ_DB',
    'INVENTORY_DB',
    'API_DB',
    'JWKS_URL',
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'JWT_CLOCK_TOLERANCE_SECONDS',
    'PAYMENT_WEBHOOK_LEGACY_SIGNATURE',
    'RATE_LIMIT_PER_MINUTE',
    'WEBHOOK_RATE_LIMIT_PER_MINUTE',
    'RATE_LIMIT_STORE',
    'MIN_VERSION_WAIT_MS',
    'IDEMPOTENCY_KEY_RETENTION_MS',
    'MIN_VERSION_MAX_WAITS',
    'MIN_VERSION_MAX_WAITS_PER_SUBJECT',
    'READINESS_CACHE_MS',
    'TRUST_PROXY',
    'SHUTDOWN_GRACE_MS',
  ],
  'worker-orders': [],
  'worker-inventory': ['INVENTORY_DB'],
  'worker-payments': ['PAYMENTS_DB'],
  'worker-shipping': ['SHIPPING_DB'],
  projector: [
    'ORDER_EVENTS_TOPIC',
    'PROJECTOR_METRICS_PORT',
    'PROJECTOR_POINTER_POLL_MS',
    'PROJECTOR_PARTITIONS_CONCURRENTLY',
  ],
};

const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, String(v)]),
  );

/** A short-syntax port mapping: `[host address:]host port:container port`. */
interface Published {
  address?: string;
  host: string;
  container: number;
}
const published = (name: string): Published[] =>
  (services[name]?.ports ?? []).map((p) => {
    const parts = String(p).split(':');
    const [container, host, address] = parts.reverse();
    return { address, host, container: Number(container) };
  });

/** The host port a service publishes for a container port. */
const hostPort = (name: string, containerPort: number): string | undefined =>
  published(name).find((p) => p.container === containerPort)?.host;

const readmeServices = [
  'postgresql',
  'temporal',
  'temporal-ui',
  'kafka',
  'mongo',
  'kafka-ui',
  ...Object.keys(appServices),
];

describe('docker-compose.yml', () => {
  it.each(readmeServices)('defines service %s', (name) => {
    expect(services[name]).toBeDefined();
  });

  it('every service the README lists in its compose table is defined', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.split('<!-- compose-services -->')[1] ?? '';
    const named = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(Object.keys(services)).toContain(name);
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.keys(services).flatMap((name) => published(name).map((p) => p.host));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('depends only on defined services, with valid conditions', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect({ name, dep, defined: dep in services }).toEqual({ name, dep, defined: true });
        expect(conditions).toContain(condition);
        if (condition === 'service_healthy') expect(services[dep].healthcheck).toBeDefined();
      }
    }
  });

  describe.each(Object.entries(appServices))('application service %s', (name, schema) => {
    const svc = services[name];
    const environment = Object.fromEntries(
      Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]),
    );

    it('is built from the repository Dockerfile and runs a compiled entry point', () => {
      expect(svc.build).toBe('.');
      expect(svc.command?.[0]).toBe('node');
      expect(svc.command?.[1]).toMatch(/^dist\/.+\.js$/);
    });

    it('receives an environment its configuration schema accepts', () => {
      const result = schema.safeParse(environment);
      expect(result.error?.issues ?? []).toEqual([]);
    });

    it('receives no variable the code does not read', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(environment).filter((k) => !known.includes(k))).toEqual([]);
    });

    it('sets every variable the code reads, except those left to their defaults on purpose', () => {
      const defaults = leftToDefaults[name];
      const known = Object.keys(schema.shape);
      expect(known.filter((k) => !(k in environment) && !defaults.includes(k))).toEqual([]);
      // The list stays honest: only variables the schema reads and the service does not set.
      expect(defaults.filter((k) => !known.includes(k) || k in environment)).toEqual([]);
    });
  });

  describe('payload encryption', () => {
    const codecUsers = [
      'api',
      'worker-orders',
      'worker-inventory',
      'worker-payments',
      'worker-shipping',
    ];

    it('the unauthenticated codec server (the API port) is published on the host loopback only', () => {
      const api = envOf('api');
      expect(api.CODEC_SERVER_AUTH).toBe('none');
      expect(published('api')).toEqual([
        { address: '127.0.0.1', host: api.PORT, container: Number(api.PORT) },
      ]);
    });

    it('the API and every worker encrypt with the same keys', () => {
      const keys = codecUsers.map((name) => [
        envOf(name).CODEC_KEYS,
        envOf(name).CODEC_ACTIVE_KEY_ID,
      ]);
      expect(keys[0][0]).toBeTruthy();
      for (const k of keys) expect(k).toEqual(keys[0]);
    });

    it('the Temporal UI decodes through the API’s codec server, which allows the UI’s origin', () => {
      const api = envOf('api');
      expect(api.CODEC_SERVER_ENABLED).toBe('true');
      // The UI has no login, so it cannot send a token; the API must accept that at start.
      expect(appSettings(loadApiConfig(api)).codecServer).toEqual({
        allowedOrigins: [api.TEMPORAL_UI_URL],
      });
      expect(envOf('temporal-ui').TEMPORAL_CODEC_ENDPOINT).toBe(
        `http://localhost:${hostPort('api', Number(api.PORT))}/codec`,
      );
      expect(new URL(api.TEMPORAL_UI_URL).origin).toBe(
        `http://localhost:${hostPort('temporal-ui', 8080)}`,
      );
    });
  });
});
