import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiConfigSchema, appSettings, DEV_JWT_SECRET, DEV_WEBHOOK_SECRET } from '../../api/config';
import { CODEC_SCOPE } from '../../api/routes/codec';
import { DEV_CODEC_KEYS } from '../../lib/codec';
import { processName, SERVICES } from '../../contracts/services';
import { parseEnvFile } from './env-file';
import { API_TUNING_DEFAULTS, CREATE_TOPICS, schemasByProcessName } from './process-configs';

// There is no Docker engine on the machines this project is built on, so the compose file is
// checked structurally: every service the README names exists, every port is published on the
// host's loopback only, no secret is written in the file, and application services get exactly
// the environment their configuration schemas validate once compose has interpolated the
// `.env` that deploy/compose/init-env.sh writes (and refuse the placeholders of .env.example).

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
  volumes?: string[];
  network_mode?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const root = join(__dirname, '..', '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
/** As written, before interpolation: `${VAR:?…}` references are still visible. */
const services = (parse(composeText, { merge: true }) as ComposeFile).services;
/** The file without its comment lines: what compose interpolates. */
const composeValues = composeText
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');

/**
 * Compose's interpolation of one value: `$$` is a literal `$`; `${VAR}`, `$VAR`, `${VAR:-default}`,
 * `${VAR-default}`; `${VAR:?message}` and `${VAR?message}` stop compose with the message.
 */
function interpolate(value: string, vars: Record<string, string>): string {
  const reference = /\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_]\w*))/g;
  return value.replace(reference, (_m, dollar, name, colon, op, arg, bare) => {
    if (dollar) return '$';
    const variable = (name ?? bare) as string;
    const set = variable in vars && (colon !== ':' || vars[variable] !== '');
    if (set) return vars[variable];
    if (op === '?') throw new Error(`required variable ${variable} is missing a value: ${arg}`);
    return op === '-' ? (arg as string) : '';
  });
}

/** A service's environment as its container receives it, with `.env` holding `vars`. */
const envOf = (name: string, vars: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [
      k,
      interpolate(String(v), vars),
    ]),
  );

/** Variables compose requires from `.env` (`${VAR:?…}`), with their messages. */
const required = new Map(
  [...composeValues.matchAll(/\$\{([A-Za-z_]\w*):\?([^}]*)\}/g)].map((m) => [m[1], m[2]]),
);
const envExample = parseEnvFile(readFileSync(join(root, '.env.example'), 'utf8'));

/** Runs deploy/compose/init-env.sh into a fresh directory; returns the file it wrote. */
function generatedEnvFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'compose-env-'));
  const file = join(dir, '.env');
  execFileSync('sh', [join(root, 'deploy', 'compose', 'init-env.sh'), file], { stdio: 'pipe' });
  return file;
}
const generatedFile = generatedEnvFile();
const generated = parseEnvFile(readFileSync(generatedFile, 'utf8'));
afterAll(() => rmSync(join(generatedFile, '..'), { recursive: true, force: true }));

/** Application services and the configuration schema their process validates at start. */
const appServices: Record<string, z.ZodObject> = {
  'kafka-setup': CREATE_TOPICS.schema,
  ...schemasByProcessName(),
};

// The compose network is private to the host: the servers are reached in plaintext, without
// credentials except MongoDB's (ALLOW_PLAINTEXT says so to the production rules).
const PLAINTEXT_TEMPORAL = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CA_FILE',
  'TEMPORAL_TLS_CERT_FILE',
  'TEMPORAL_TLS_KEY_FILE',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
];
const PLAINTEXT_KAFKA = [
  'KAFKA_TLS',
  'KAFKA_TLS_CA_FILE',
  'KAFKA_TLS_CERT_FILE',
  'KAFKA_TLS_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
];
const PLAINTEXT_MONGO = ['MONGO_TLS_CA_FILE', 'MONGO_TLS_CERT_KEY_FILE'];
const WORKER_DEFAULTS = [
  'LOCAL_MODE',
  ...PLAINTEXT_TEMPORAL,
  ...PLAINTEXT_KAFKA,
  ...PLAINTEXT_MONGO,
];

/**
 * Variables a service leaves to the code's defaults on purpose. Every other variable its schema
 * reads must be set, so a variable added to a schema needs a decision here.
 */
const leftToDefaults: Record<string, string[]> = {
  'kafka-setup': ['LOCAL_MODE', ...PLAINTEXT_KAFKA],
  api: [
    ...WORKER_DEFAULTS,
    ...API_TUNING_DEFAULTS,
    // One instance: its rate-limit windows in memory.
    'RATE_LIMIT_STORE',
    // Clients reach the API directly (no proxy in front): X-Forwarded-For is never believed.
    'TRUST_PROXY',
  ],
  // The orders worker has no database: its schema reads no MONGO_ variable.
  'worker-orders': ['LOCAL_MODE', ...PLAINTEXT_TEMPORAL, ...PLAINTEXT_KAFKA],
  'worker-inventory': [...WORKER_DEFAULTS, 'INVENTORY_DB'],
  'worker-payments': [...WORKER_DEFAULTS, 'PAYMENTS_DB'],
  'worker-shipping': [...WORKER_DEFAULTS, 'SHIPPING_DB'],
  projector: [
    'LOCAL_MODE',
    ...PLAINTEXT_KAFKA,
    ...PLAINTEXT_MONGO,
    'ORDER_EVENTS_TOPIC',
    'PROJECTOR_METRICS_PORT',
    'PROJECTOR_POINTER_POLL_MS',
    'PROJECTOR_PARTITIONS_CONCURRENTLY',
  ],
};

/** Variables holding a secret, by name. */
const isSecretName = (name: string) => /PASSWORD|_PWD$|SECRET|CODEC_KEYS|API_KEY/.test(name);

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

/** Schema problems of a service's environment, as the variables they name. */
function refusedVariables(name: string, vars: Record<string, string>): string[] {
  const result = appServices[name].safeParse(envOf(name, vars));
  return [...new Set((result.error?.issues ?? []).map((i) => String(i.path[0])))].sort();
}

const readmeServices = [
  'postgresql',
  'temporal',
  'temporal-ui',
  'kafka',
  'mongo-keyfile',
  'mongo',
  'kafka-ui',
  'prometheus',
  'grafana',
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

  it('publishes every port on the host’s loopback only, and no host port twice', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, networkMode: svc.network_mode }).toEqual({ name, networkMode: undefined });
      for (const port of svc.ports ?? [])
        expect({ name, port }).toEqual({
          name,
          port: expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/) as string,
        });
    }
    const hostPorts = Object.keys(services).flatMap((name) => published(name).map((p) => p.host));
    expect(hostPorts.length).toBeGreaterThan(0);
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

  describe('secrets', () => {
    it('none is written in the file: no development secret, no placeholder', () => {
      const codecKey = DEV_CODEC_KEYS.split(':')[1];
      for (const published of [codecKey, DEV_JWT_SECRET, DEV_WEBHOOK_SECRET])
        expect(composeText).not.toContain(published);
      expect(composeText).not.toMatch(/change[-_ ]?me/i);
      for (const [name, svc] of Object.entries(services))
        expect({ name, local: 'LOCAL_MODE' in (svc.environment ?? {}) }).toEqual({
          name,
          local: false,
        });
    });

    it('every secret variable of every service is required from .env, without a default', () => {
      const secrets = Object.entries(services).flatMap(([name, svc]) =>
        Object.entries(svc.environment ?? {})
          .filter(([variable]) => isSecretName(variable))
          .map(([variable, value]) => ({ name, variable, value: String(value) })),
      );
      expect(secrets.length).toBeGreaterThan(5);
      for (const { name, variable, value } of secrets)
        expect({ name, variable, value }).toEqual({
          name,
          variable,
          value: expect.stringMatching(/^\$\{[A-Z_]+:\?[^}]+\}$/) as string,
        });
    });

    it('every MongoDB client authenticates with the root user’s credentials from .env', () => {
      const clients = Object.keys(services).filter((name) => 'MONGO_URL' in envOf(name, generated));
      expect(clients.length).toBeGreaterThanOrEqual(5);
      for (const name of clients) {
        const raw = String(services[name].environment!.MONGO_URL);
        expect(raw).toMatch(
          /^mongodb:\/\/\$\{MONGO_INITDB_ROOT_USERNAME:\?[^}]+\}:\$\{MONGO_INITDB_ROOT_PASSWORD:\?[^}]+\}@mongo:27017\//,
        );
        const url = new URL(envOf(name, generated).MONGO_URL);
        expect([url.username, url.password]).toEqual([
          generated.MONGO_INITDB_ROOT_USERNAME,
          generated.MONGO_INITDB_ROOT_PASSWORD,
        ]);
        expect(url.searchParams.get('authSource')).toBe('admin');
      }
    });

    it('without .env, compose stops at a missing secret and says where to set it', () => {
      expect(required.size).toBeGreaterThan(0);
      for (const [variable, message] of required) {
        expect({ variable, message }).toEqual({
          variable,
          message: expect.stringContaining('.env') as string,
        });
      }
      expect(() => envOf('api', {})).toThrow(/required variable \w+ is missing a value/);
    });

    it('.env.example lists exactly the variables compose requires, secrets as placeholders', () => {
      const referenced = new Set(
        [...composeValues.matchAll(/\$\{([A-Za-z_]\w*)/g)].map((m) => m[1]),
      );
      expect(Object.keys(envExample).sort()).toEqual([...required.keys()].sort());
      for (const name of referenced)
        expect(required.has(name) || name === 'CODEC_ACTIVE_KEY_ID').toBe(true);
      for (const [name, value] of Object.entries(envExample))
        if (isSecretName(name))
          expect({ name, value }).toEqual({
            name,
            value: expect.stringMatching(/CHANGE-ME/) as string,
          });
    });

    it('deploy/compose/init-env.sh writes fresh values for them, privately, and never overwrites', () => {
      expect(Object.keys(generated).sort()).toEqual(Object.keys(envExample).sort());
      expect(Object.values(generated).filter((v) => /change[-_ ]?me/i.test(v))).toEqual([]);
      const again = parseEnvFile(readFileSync(generatedEnvFile(), 'utf8'));
      for (const name of Object.keys(generated).filter(isSecretName))
        expect({ name, fresh: again[name] !== generated[name] }).toEqual({ name, fresh: true });
      expect(statSync(generatedFile).mode & 0o077).toBe(0);
      const overwrite = spawnSync('sh', [
        join(root, 'deploy', 'compose', 'init-env.sh'),
        generatedFile,
      ]);
      expect(overwrite.status).not.toBe(0);
      expect(parseEnvFile(readFileSync(generatedFile, 'utf8'))).toEqual(generated);
    });
  });

  describe.each(Object.entries(appServices))('application service %s', (name, schema) => {
    const svc = services[name];

    it('is built from the repository Dockerfile and runs a compiled entry point', () => {
      expect(svc.build).toBe('.');
      expect(svc.command?.[0]).toBe('node');
      expect(svc.command?.[1]).toMatch(/^dist\/.+\.js$/);
    });

    it('receives an environment its configuration schema accepts, with a generated .env', () => {
      const result = schema.safeParse(envOf(name, generated));
      expect(result.error?.issues ?? []).toEqual([]);
    });

    it('refuses to start with any placeholder of .env.example, naming its variable', () => {
      const placeholders = Object.keys(envExample).filter((v) =>
        envExample[v].includes('CHANGE-ME'),
      );
      const fed = Object.entries(svc.environment ?? {}).flatMap(([variable, value]) =>
        placeholders
          .filter((p) => String(value).includes(`\${${p}:`))
          .map((placeholder) => ({ variable, placeholder })),
      );
      // The topic job holds no secret, so no placeholder can reach it; every process gets some.
      if (name === 'kafka-setup') expect(fed).toEqual([]);
      else expect(fed.length).toBeGreaterThan(0);
      for (const { variable, placeholder } of fed) {
        const refused = refusedVariables(name, {
          ...generated,
          [placeholder]: envExample[placeholder],
        });
        expect({ variable, placeholder, refused: refused.includes(variable) }).toEqual({
          variable,
          placeholder,
          refused: true,
        });
      }
    });

    it('runs under the deployed rules, not local mode, with plaintext only on the compose network', () => {
      const env = envOf(name, generated);
      expect(env).not.toHaveProperty('LOCAL_MODE');
      // The simulated payment provider, the only one shipped, is refused in production.
      expect(env.NODE_ENV).toBe(name === 'worker-payments' ? 'staging' : 'production');
      const servers = {
        TEMPORAL_ADDRESS: 'temporal',
        KAFKA_BROKERS: 'kafka',
        MONGO_URL: 'mongodb',
      };
      const used = Object.entries(servers)
        .filter(([variable]) => variable in env)
        .map(([, server]) => server);
      expect((env.ALLOW_PLAINTEXT ?? '').split(',').sort()).toEqual(used.sort());
    });

    it('receives no variable the code does not read', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(envOf(name, generated)).filter((k) => !known.includes(k))).toEqual([]);
    });

    it('sets every variable the code reads, except those left to their defaults on purpose', () => {
      const environment = envOf(name, generated);
      const defaults = leftToDefaults[name];
      const known = Object.keys(schema.shape);
      expect(known.filter((k) => !(k in environment) && !defaults.includes(k))).toEqual([]);
      // The list stays honest: only variables the schema reads and the service does not set.
      expect(defaults.filter((k) => !known.includes(k) || k in environment)).toEqual([]);
    });
  });

  describe('servers and tools', () => {
    it('MongoDB creates its root user from .env and runs with a replica-set key generated at first start', () => {
      const mongo = services.mongo;
      for (const variable of ['MONGO_INITDB_ROOT_USERNAME', 'MONGO_INITDB_ROOT_PASSWORD'])
        expect(String(mongo.environment?.[variable])).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
      const command = mongo.command ?? [];
      expect(command[0]).toBe('mongod');
      const keyFile = command[command.indexOf('--keyFile') + 1];
      const keyVolume = (mongo.volumes ?? []).find((v) =>
        keyFile.startsWith(`${v.split(':')[1]}/`),
      );
      expect(keyVolume?.split(':')[0]).toBe('mongo-keyfile');
      expect(mongo.depends_on?.['mongo-keyfile']?.condition).toBe('service_completed_successfully');
      expect(services['mongo-keyfile'].volumes).toContain(
        `mongo-keyfile:${keyVolume!.split(':')[1]}`,
      );
      // The health check authenticates with credentials expanded inside the container (`$$`).
      const check = interpolate((mongo.healthcheck?.test ?? []).join(' '), {});
      expect(check).toContain('"$MONGO_INITDB_ROOT_PASSWORD"');
    });

    it('Grafana’s admin password comes from .env', () => {
      const env = services.grafana.environment ?? {};
      expect(String(env.GF_SECURITY_ADMIN_PASSWORD)).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
      expect(envOf('grafana', generated).GF_SECURITY_ADMIN_PASSWORD).toBe(
        generated.GRAFANA_ADMIN_PASSWORD,
      );
    });

    it('Kafka’s external listener is advertised as localhost and published on loopback only', () => {
      const env = envOf('kafka', generated);
      const external = /EXTERNAL:\/\/localhost:(\d+)/.exec(env.KAFKA_ADVERTISED_LISTENERS);
      expect(external).not.toBeNull();
      expect(published('kafka')).toEqual([
        { address: '127.0.0.1', host: external![1], container: Number(external![1]) },
      ]);
    });
  });

  describe('the API', () => {
    const api = envOf('api', generated);

    it('listens on all interfaces of its container, published on the host’s loopback only', () => {
      expect(api.HOST).toBe('0.0.0.0');
      expect(published('api')).toEqual([
        { address: '127.0.0.1', host: api.PORT, container: Number(api.PORT) },
      ]);
    });

    it('serves /metrics on a port of its own, on the compose network only', () => {
      expect(api.METRICS_HOST).toBe('0.0.0.0');
      expect(api.METRICS_PORT).not.toBe(api.PORT);
      expect(published('api').map((p) => p.container)).not.toContain(Number(api.METRICS_PORT));
    });

    it('its codec server requires a token with the codec scope; the Temporal UI, which has none, does not call it', () => {
      expect(api.CODEC_SERVER_ENABLED).toBe('true');
      const config = apiConfigSchema.parse(api);
      expect(appSettings(config).codecServer?.requiredScope).toBe(CODEC_SCOPE);
      expect(envOf('temporal-ui', generated)).not.toHaveProperty('TEMPORAL_CODEC_ENDPOINT');
    });

    it('the API and every worker encrypt with the same keys', () => {
      const codecUsers = ['api', ...SERVICES.map(processName)];
      const keys = codecUsers.map((name) => {
        const env = envOf(name, generated);
        return [env.CODEC_KEYS, env.CODEC_ACTIVE_KEY_ID];
      });
      expect(keys[0][0]).toBe(generated.CODEC_KEYS);
      for (const k of keys) expect(k).toEqual(keys[0]);
    });
  });
});
