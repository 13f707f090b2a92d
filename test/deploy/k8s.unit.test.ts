import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { ACTIVITY_METRICS } from '../../activities/shared/metrics';
import { apiConfigSchema, appSettings, loadApiConfig } from '../../api/config';
import { CODEC_SCOPE } from '../../api/routes/codec';
import { projectionConfigSchema } from '../../projections/runtime/config';
import { createTopicsConfigSchema } from '../../scripts/create-topics';
import { SYSTEM_PROCESSES } from '../../system/processes';
import {
  inventoryWorkerConfigSchema,
  ordersWorkerConfigSchema,
  paymentsWorkerConfigSchema,
  shippingWorkerConfigSchema,
} from '../../workers/config';
import { SAGA_METRICS } from '../../workflows/metrics';

// Nothing here runs kubectl, a cluster, Docker, Prometheus or Grafana: the manifests, the
// dashboard and the scrape configuration are parsed and checked against the code instead.

/** Entry point a container runs → the configuration schema its process validates at start. */
const processSchemas: Record<string, z.ZodObject> = {
  'dist/api/main.js': apiConfigSchema,
  'dist/projections/runtime/main.js': projectionConfigSchema,
  'dist/scripts/create-topics.js': createTopicsConfigSchema,
  'dist/workers/orders.js': ordersWorkerConfigSchema,
  'dist/workers/inventory.js': inventoryWorkerConfigSchema,
  'dist/workers/payments.js': paymentsWorkerConfigSchema,
  'dist/workers/shipping.js': shippingWorkerConfigSchema,
};

/**
 * Variables a process leaves to the code's defaults on purpose. Every other variable its schema
 * reads must be set, so a variable added to a schema needs a decision here.
 */
const leftToDefaults: Record<string, string[]> = {
  'dist/api/main.js': [
    'LOCAL_MODE',
    'READ_DB',
    'INVENTORY_DB',
    'API_DB',
    'JWKS_URL',
    'JWT_CLOCK_TOLERANCE_SECONDS',
    'PAYMENT_WEBHOOK_LEGACY_SIGNATURE',
    'RATE_LIMIT_PER_MINUTE',
    'WEBHOOK_RATE_LIMIT_PER_MINUTE',
    'MIN_VERSION_WAIT_MS',
    'IDEMPOTENCY_KEY_RETENTION_MS',
    'MIN_VERSION_MAX_WAITS',
    'MIN_VERSION_MAX_WAITS_PER_SUBJECT',
    'READINESS_CACHE_MS',
    'TRUST_PROXY',
    'SHUTDOWN_GRACE_MS',
  ],
  'dist/projections/runtime/main.js': [
    'ORDER_EVENTS_TOPIC',
    'PROJECTOR_POINTER_POLL_MS',
    'PROJECTOR_PARTITIONS_CONCURRENTLY',
  ],
  'dist/scripts/create-topics.js': [],
  // The orders worker runs workflows and publishes events: it never connects to MongoDB.
  'dist/workers/orders.js': ['MONGO_URL'],
  'dist/workers/inventory.js': ['INVENTORY_DB'],
  'dist/workers/payments.js': ['PAYMENTS_DB'],
  'dist/workers/shipping.js': ['SHIPPING_DB', 'SHIPPING_COUNTRIES'],
};

/** Credentials: only ever from the Secret, never inline or from the ConfigMap. */
const SECRET_VARIABLES = ['MONGO_URL', 'JWT_SECRET', 'PAYMENT_WEBHOOK_SECRET', 'CODEC_KEYS'];

/**
 * Temporal SDK worker metrics the dashboard may query. TypeScript workers get them from the Core
 * SDK, documented at https://docs.temporal.io/references/sdk-metrics, exported with the
 * Prometheus exporter's defaults (Runtime.install telemetryOptions.metrics.prometheus): the
 * `temporal_` prefix, no `_total` suffix on counters, histograms in milliseconds without a unit
 * suffix. Change the names here and in the dashboard together if the workers change those options.
 */
const TEMPORAL_SDK_METRICS: Record<string, MetricType> = {
  temporal_workflow_completed: 'counter',
  temporal_workflow_failed: 'counter',
  temporal_workflow_canceled: 'counter',
  temporal_workflow_task_execution_failed: 'counter',
  temporal_activity_execution_failed: 'counter',
  temporal_activity_task_received: 'counter',
  temporal_worker_task_slots_available: 'gauge',
  temporal_worker_task_slots_used: 'gauge',
  temporal_sticky_cache_size: 'gauge',
  temporal_workflow_endtoend_latency: 'histogram',
  temporal_workflow_task_execution_latency: 'histogram',
  temporal_workflow_task_schedule_to_start_latency: 'histogram',
  temporal_activity_execution_latency: 'histogram',
  temporal_activity_schedule_to_start_latency: 'histogram',
};

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/**
 * Our metrics emitted through the Temporal SDK's meter (workflow and activity), served on the
 * same worker endpoint; exported under the names given, with no prefix or suffix added.
 */
const SDK_METER_METRICS: Record<string, MetricType> = Object.fromEntries(
  [...Object.values(SAGA_METRICS), ...Object.values(ACTIVITY_METRICS)].map((m) => [m.name, m.kind]),
);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Record<string, string> | { matchLabels: Record<string, string> };
    template?: PodTemplate;
    ports?: { port: number; targetPort: string | number }[];
    scaleTargetRef?: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
}

const root = join(__dirname, '..', '..');
const k8sDir = join(root, 'deploy', 'k8s');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

const kustomization = parse(read('deploy', 'k8s', 'kustomization.yaml')) as {
  namespace: string;
  resources: string[];
  images: { name: string }[];
};
const manifestFiles = readdirSync(k8sDir).filter(
  (f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml',
);
const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
    return doc.toJS() as Manifest;
  }),
);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const byName = (kind: string) => new Map(ofKind(kind).map((m) => [m.metadata.name, m]));
const configMaps = byName('ConfigMap');
const secrets = byName('Secret');
const deployments = ofKind('Deployment');
const workloads = [...deployments, ...ofKind('Job')];

const matchLabels = (m: Manifest): Record<string, string> => {
  const selector = m.spec?.selector ?? {};
  return 'matchLabels' in selector ? (selector.matchLabels as Record<string, string>) : selector;
};
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The environment a container starts with, resolved from its ConfigMaps and Secrets. */
function containerEnv(c: Container): Record<string, string> {
  const fromSecret = (name: string, key?: string): Record<string, string> => {
    const secret = secrets.get(name);
    const all: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(secret?.data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString(),
        ]),
      ),
      ...secret?.stringData,
    };
    return key === undefined ? all : key in all ? { [key]: all[key] } : {};
  };
  const fromConfigMap = (name: string, key?: string): Record<string, string> => {
    const data = configMaps.get(name)?.data ?? {};
    return key === undefined ? data : key in data ? { [key]: String(data[key]) } : {};
  };
  const env: Record<string, string> = {};
  for (const source of c.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, fromConfigMap(source.configMapRef.name));
    if (source.secretRef) Object.assign(env, fromSecret(source.secretRef.name));
  }
  for (const v of c.env ?? []) {
    const cm = v.valueFrom?.configMapKeyRef;
    const sk = v.valueFrom?.secretKeyRef;
    const resolved = cm
      ? fromConfigMap(cm.name, cm.key)[cm.key]
      : sk
        ? fromSecret(sk.name, sk.key)[sk.key]
        : v.value;
    // A reference to a missing key would keep the pod from starting.
    expect({ variable: v.name, resolved: resolved !== undefined }).toEqual({
      variable: v.name,
      resolved: true,
    });
    env[v.name] = String(resolved);
  }
  return env;
}

const entryPoint = (c: Container) => {
  expect(c.command?.[0]).toBe('node');
  return c.command?.[1] ?? '';
};

/** HTTP endpoints a process serves, read from its source. */
interface Endpoints {
  paths: string[];
  /** Configuration key holding the port. */
  portKey: string;
  /** Listens on 127.0.0.1 only: unreachable for the kubelet's httpGet and tcpSocket probes. */
  loopbackOnly: boolean;
  /** Configuration key holding the interface, when it is configurable. */
  hostKey?: string;
}
function servedEndpoints(entry: string): Endpoints | undefined {
  if (entry === 'dist/api/main.js') {
    const ops = read('api', 'routes', 'ops.ts');
    // The ops router is mounted at the root, so its paths are the URL paths.
    expect(read('api', 'app.ts')).toMatch(/app\.use\(opsRouter\(/);
    return {
      paths: [...ops.matchAll(/router\.get\('([^']+)'/g)].map((m) => m[1]),
      portKey: 'PORT',
      loopbackOnly: /\.listen\([^)]*'127\.0\.0\.1'/.test(read('api', 'main.ts')),
    };
  }
  if (entry === 'dist/projections/runtime/main.js') {
    const main = read('projections', 'runtime', 'main.ts');
    // The interface comes from configuration: the manifest's value decides (see probe check).
    expect(main).toMatch(
      /server\.listen\(config\.PROJECTOR_METRICS_PORT, config\.PROJECTOR_METRICS_HOST/,
    );
    return {
      paths: [...main.matchAll(/req\.url [!=]== '([^']+)'/g)].map((m) => m[1]),
      portKey: 'PROJECTOR_METRICS_PORT',
      hostKey: 'PROJECTOR_METRICS_HOST',
      loopbackOnly: false,
    };
  }
  return undefined;
}

describe('deploy/k8s', () => {
  it('kustomization lists every manifest file, and only those', () => {
    expect([...kustomization.resources].sort()).toEqual([...manifestFiles].sort());
  });

  it('every object has apiVersion, kind and a name, and no namespace other than the kustomization’s', () => {
    for (const m of manifests) {
      expect(m.apiVersion).toBeTruthy();
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (m.metadata.namespace !== undefined) {
        expect(m.metadata.namespace).toBe(kustomization.namespace);
      }
    }
    expect(ofKind('Namespace').map((n) => n.metadata.name)).toEqual([kustomization.namespace]);
  });

  it('has a Deployment for each process of the system (system/processes.ts), compiled', () => {
    const compiled = Object.values(SYSTEM_PROCESSES).map(
      ({ entry }) => `dist/${entry.replace(/\.ts$/, '.js')}`,
    );
    const deployed = deployments.flatMap((d) => d.spec!.template!.spec.containers.map(entryPoint));
    expect([...deployed].sort()).toEqual([...compiled].sort());
  });

  it('has a Deployment per process, the create-topics Job, and the API Service', () => {
    const entries = workloads.flatMap((w) => w.spec!.template!.spec.containers.map(entryPoint));
    expect([...entries].sort()).toEqual(Object.keys(processSchemas).sort());
    expect(ofKind('Job').map((j) => entryPoint(j.spec!.template!.spec.containers[0]))).toEqual([
      'dist/scripts/create-topics.js',
    ]);
    expect(ofKind('Service').map((s) => s.metadata.name)).toContain('api');
  });

  it('the Secret holds placeholders only, and says how to manage the real one', () => {
    const text = readFileSync(join(k8sDir, 'secret.yaml'), 'utf8');
    expect(text).toMatch(/sealed-secrets/);
    expect(text).toMatch(/external-secrets/);
    for (const secret of secrets.values()) {
      expect(secret.data).toBeUndefined();
      for (const value of Object.values(secret.stringData ?? {}))
        expect(value).toMatch(/CHANGE-ME/);
    }
  });

  describe.each(workloads.map((w) => [`${w.kind} ${w.metadata.name}`, w] as const))(
    '%s',
    (_label, workload) => {
      const template = workload.spec!.template!;
      const containers = template.spec.containers;

      it('selects its own pods', () => {
        if (workload.kind !== 'Deployment') return;
        expect(selects(matchLabels(workload), template.metadata.labels)).toBe(true);
      });

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s runs a known entry point of the image',
        (_name, c) => {
          const entry = entryPoint(c);
          expect(Object.keys(processSchemas)).toContain(entry);
          expect(kustomization.images.map((i) => i.name)).toContain(c.image);
          expect(existsSync(join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(
            true,
          );
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s gets an environment its configuration schema accepts, and nothing else',
        (_name, c) => {
          const schema = processSchemas[entryPoint(c)];
          const env = containerEnv(c);
          const result = schema.safeParse(env);
          expect(result.error?.issues ?? []).toEqual([]);
          const known = Object.keys(schema.shape);
          expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s sets every variable its schema reads, except those left to their defaults on purpose',
        (_name, c) => {
          const defaults = leftToDefaults[entryPoint(c)];
          const known = Object.keys(processSchemas[entryPoint(c)].shape);
          const env = containerEnv(c);
          expect(known.filter((k) => !(k in env) && !defaults.includes(k))).toEqual([]);
          // The list stays honest: only variables the schema reads and the container does not set.
          expect(defaults.filter((k) => !known.includes(k) || k in env)).toEqual([]);
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s takes credentials from the Secret only',
        (_name, c) => {
          for (const v of (c.env ?? []).filter((e) => SECRET_VARIABLES.includes(e.name))) {
            expect({
              variable: v.name,
              fromSecret: v.valueFrom?.secretKeyRef !== undefined,
            }).toEqual({ variable: v.name, fromSecret: true });
          }
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s runs non-root on a read-only root filesystem, with requests and limits',
        (_name, c) => {
          const pod = template.spec.securityContext ?? {};
          const sc = c.securityContext ?? {};
          expect(sc.runAsNonRoot ?? pod.runAsNonRoot).toBe(true);
          // The image's USER is a name; the kubelet needs a numeric uid to verify runAsNonRoot.
          expect(sc.runAsUser ?? pod.runAsUser).toBeGreaterThan(0);
          expect(sc.readOnlyRootFilesystem).toBe(true);
          expect(sc.allowPrivilegeEscalation).toBe(false);
          expect(sc.capabilities?.drop).toContain('ALL');
          for (const kind of ['requests', 'limits'] as const) {
            expect(c.resources?.[kind]?.cpu).toBeTruthy();
            expect(c.resources?.[kind]?.memory).toBeTruthy();
          }
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s probes only endpoints its process serves, on the port it listens on',
        (_name, c) => {
          const entry = entryPoint(c);
          const endpoints = servedEndpoints(entry);
          const probes = [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(
            (p): p is Probe => p !== undefined,
          );
          if (!endpoints) {
            // A process without an endpoint has nothing honest to probe.
            expect(probes).toEqual([]);
            return;
          }
          expect(probes.length).toBeGreaterThan(0);
          const config = processSchemas[entry].parse(containerEnv(c));
          const listenPort = Number(config[endpoints.portKey]);
          const loopbackOnly =
            endpoints.loopbackOnly ||
            (endpoints.hostKey !== undefined &&
              ['127.0.0.1', 'localhost'].includes(String(config[endpoints.hostKey])));
          const declared = (port: string | number) =>
            (c.ports ?? []).find((p) => p.name === port || p.containerPort === port)?.containerPort;
          for (const probe of probes) {
            if (probe.httpGet || probe.tcpSocket) {
              expect(loopbackOnly).toBe(false);
              const port = (probe.httpGet ?? probe.tcpSocket)!.port;
              expect(declared(port)).toBe(listenPort);
            }
            if (probe.httpGet) expect(endpoints.paths).toContain(probe.httpGet.path);
            if (probe.exec) {
              const url = /http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^'"\s)]*)/.exec(
                probe.exec.command.join(' '),
              );
              expect(url).not.toBeNull();
              expect(Number(url![1])).toBe(listenPort);
              expect(endpoints.paths).toContain(url![2]);
            }
          }
        },
      );
    },
  );

  it('workers serve Temporal SDK metrics on all interfaces, on a port they declare', () => {
    // The variable is the Prometheus exporter's bind address (workers/run-worker.ts).
    const runWorker = read('workers', 'run-worker.ts');
    expect(runWorker).toMatch(/metrics: workerMetricsExporter\(config\.WORKER_METRICS_ADDRESS\)/);
    expect(runWorker).toMatch(/prometheus: \{ bindAddress, histogramBucketOverrides/);
    const workers = deployments.filter((d) => d.metadata.name.startsWith('worker-'));
    expect(workers.length).toBe(4);
    for (const worker of workers) {
      const c = worker.spec!.template!.spec.containers[0];
      const address = containerEnv(c).WORKER_METRICS_ADDRESS ?? '';
      const [, host, port] = /^(.*):(\d+)$/.exec(address) ?? [];
      expect({ worker: worker.metadata.name, host }).toEqual({
        worker: worker.metadata.name,
        host: '0.0.0.0',
      });
      expect(c.ports?.map((p) => p.containerPort)).toContain(Number(port));
    }
  });

  it('the ConfigMap holds no credentials', () => {
    for (const cm of configMaps.values())
      expect(Object.keys(cm.data ?? {}).filter((k) => SECRET_VARIABLES.includes(k))).toEqual([]);
  });

  it('the API and every worker encrypt payloads with the same keys', () => {
    const codecUsers = deployments
      .filter((d) => d.metadata.name === 'api' || d.metadata.name.startsWith('worker-'))
      .map((d) => containerEnv(d.spec!.template!.spec.containers[0]));
    expect(codecUsers.length).toBe(5);
    for (const env of codecUsers) {
      expect(env.CODEC_KEYS).toBeTruthy();
      expect([env.CODEC_KEYS, env.CODEC_ACTIVE_KEY_ID]).toEqual([
        codecUsers[0].CODEC_KEYS,
        codecUsers[0].CODEC_ACTIVE_KEY_ID,
      ]);
    }
  });

  it('the API’s codec server, when turned on, requires a token with its scope', () => {
    const api = deployments.find((d) => d.metadata.name === 'api')!;
    const env = containerEnv(api.spec!.template!.spec.containers[0]);
    const config = loadApiConfig({ ...env, CODEC_SERVER_ENABLED: 'true' });
    expect(appSettings(config).codecServer?.requiredScope).toBe(CODEC_SCOPE);
  });

  it('the API is ready on /readyz and alive on /healthz', () => {
    const api = deployments.find((d) => d.metadata.name === 'api')!;
    const c = api.spec!.template!.spec.containers[0];
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
  });

  it('Services select the pods of a Deployment, on a port the container declares', () => {
    for (const service of ofKind('Service')) {
      const selector = matchLabels(service);
      const targets = deployments.filter((d) =>
        selects(selector, d.spec!.template!.metadata.labels),
      );
      expect({ service: service.metadata.name, targets: targets.length }).toEqual({
        service: service.metadata.name,
        targets: 1,
      });
      const ports = targets[0].spec!.template!.spec.containers.flatMap((c) => c.ports ?? []);
      for (const { targetPort } of service.spec!.ports!) {
        expect(ports.some((p) => p.name === targetPort || p.containerPort === targetPort)).toBe(
          true,
        );
      }
    }
  });

  it('HPAs scale existing Deployments, which leave replicas to them', () => {
    const names = new Set(deployments.map((d) => d.metadata.name));
    for (const hpa of ofKind('HorizontalPodAutoscaler')) {
      const target = hpa.spec!.scaleTargetRef!;
      expect(target.kind).toBe('Deployment');
      expect(names.has(target.name)).toBe(true);
      expect(hpa.spec!.minReplicas!).toBeLessThanOrEqual(hpa.spec!.maxReplicas!);
      const deployment = deployments.find((d) => d.metadata.name === target.name)!;
      // A replicas field would reset the HPA's count on every apply.
      expect(deployment.spec!.replicas).toBeUndefined();
    }
  });

  it('every worker and the projector has an HPA', () => {
    const scaled = ofKind('HorizontalPodAutoscaler').map((h) => h.spec!.scaleTargetRef!.name);
    const expected = deployments
      .map((d) => d.metadata.name)
      .filter((n) => n.startsWith('worker-') || n === 'projector');
    expect(expected.length).toBe(5);
    expect([...scaled].sort()).toEqual(expect.arrayContaining(expected));
  });

  it('the projector does not scale past the partition count of order.events', () => {
    const job = ofKind('Job')[0].spec!.template!.spec.containers[0];
    const partitions = createTopicsConfigSchema.parse(
      containerEnv(job),
    ).KAFKA_ORDER_EVENTS_PARTITIONS;
    const hpa = ofKind('HorizontalPodAutoscaler').find(
      (h) => h.spec!.scaleTargetRef!.name === 'projector',
    )!;
    expect(hpa.spec!.maxReplicas!).toBeLessThanOrEqual(partitions);
  });

  it('PodDisruptionBudgets each cover one Deployment and leave room to evict', () => {
    const budgets = ofKind('PodDisruptionBudget');
    expect(budgets.length).toBe(deployments.length);
    const hpas = ofKind('HorizontalPodAutoscaler');
    for (const pdb of budgets) {
      const covered = deployments.filter((d) =>
        selects(matchLabels(pdb), d.spec!.template!.metadata.labels),
      );
      expect({ pdb: pdb.metadata.name, covered: covered.length }).toEqual({
        pdb: pdb.metadata.name,
        covered: 1,
      });
      const name = covered[0].metadata.name;
      const minReplicas =
        covered[0].spec!.replicas ??
        hpas.find((h) => h.spec!.scaleTargetRef!.name === name)?.spec!.minReplicas ??
        1;
      if (typeof pdb.spec!.minAvailable === 'number') {
        expect(pdb.spec!.minAvailable).toBeLessThan(minReplicas);
      } else {
        expect(pdb.spec!.maxUnavailable).toBeGreaterThanOrEqual(1);
      }
    }
  });
});

/** Names of the metrics the code registers with prom-client, with their types. */
function codeMetrics(): Record<string, MetricType> {
  const found: Record<string, MetricType> = {};
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory()
            ? walk(join(dir, e.name))
            : e.name.endsWith('.ts')
              ? [join(dir, e.name)]
              : [],
        )
      : [];
  for (const dir of ['api', 'projections', 'activities', 'workers', 'lib']) {
    for (const file of walk(join(root, dir))) {
      const source = readFileSync(file, 'utf8');
      if (!source.includes("from 'prom-client'")) continue;
      const constructors =
        /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\s*\{\s*name:\s*'([^']+)'/g;
      for (const m of source.matchAll(constructors)) {
        found[m[2]] = m[1].toLowerCase() as MetricType;
      }
    }
  }
  // Every process calls collectDefaultMetrics on its registry.
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const metric of defaults.getMetricsAsArray()) {
    found[metric.name] = String(metric.type) as MetricType;
  }
  return found;
}

/** Metric names a PromQL expression selects (functions, keywords and label names removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const keywords = new Set([
    'by',
    'without',
    'bool',
    'and',
    'or',
    'unless',
    'offset',
    'inf',
    'nan',
  ]);
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((m) => m[1])
    .filter((name) => !keywords.has(name.toLowerCase()));
}

describe('deploy/grafana and deploy/prometheus', () => {
  interface Panel {
    title?: string;
    datasource?: { uid: string };
    targets?: { expr: string; datasource?: { uid: string } }[];
    panels?: Panel[];
  }
  const dashboard = JSON.parse(read('deploy', 'grafana', 'dashboards', 'order-saga.json')) as {
    uid: string;
    panels: Panel[];
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
  const known = { ...codeMetrics(), ...TEMPORAL_SDK_METRICS, ...SDK_METER_METRICS };

  it('the code registers the metrics the dashboard is built around, and the dashboard queries them', () => {
    const queried = new Set(
      queries.flatMap((q) => metricNames(q.expr).map((n) => n.replace(/_(bucket|sum|count)$/, ''))),
    );
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'order_projection_events_total',
      'order_projection_consumer_lag',
      'order_saga_outcomes_total',
      'order_saga_compensation_runs_total',
      'order_saga_compensation_failures_total',
      'order_saga_event_publish_duration_milliseconds',
      'order_saga_event_publish_errors_total',
      'temporal_activity_execution_latency',
    ]) {
      expect(Object.keys(known)).toContain(name);
      expect({ name, queried: queried.has(name) }).toEqual({ name, queried: true });
    }
  });

  it.each(queries.map((q) => [q.panel, q.expr] as const))(
    'panel "%s" queries only metrics the code or the Temporal SDK exports: %s',
    (_panel, expr) => {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        const histogram = /^(.+)_(bucket|sum|count)$/.exec(name);
        const ok =
          (known[name] !== undefined && known[name] !== 'histogram') ||
          (histogram !== null && known[histogram[1]] === 'histogram');
        expect({ name, known: ok }).toEqual({ name, known: true });
      }
    },
  );

  it('every panel uses the provisioned Prometheus datasource', () => {
    const provisioned = parse(
      read('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'),
    ) as { datasources: { uid: string; url: string }[] };
    const uids = provisioned.datasources.map((d) => d.uid);
    for (const p of panels.filter((x) => x.targets)) {
      expect(uids).toContain(p.datasource?.uid);
      for (const t of p.targets ?? []) expect(uids).toContain(t.datasource?.uid);
    }
  });

  describe('with docker-compose.yml', () => {
    interface Service {
      ports?: string[];
      volumes?: string[];
      environment?: Record<string, string | number>;
    }
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, Service>;
    };

    it('Prometheus scrapes only compose services', () => {
      const config = parse(read('deploy', 'prometheus', 'prometheus.yml')) as {
        scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      };
      const targets = config.scrape_configs.flatMap((j) =>
        j.static_configs.flatMap((s) => s.targets),
      );
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) {
        expect(Object.keys(compose.services)).toContain(target.split(':')[0]);
      }
      // The API target is the port the API listens on.
      expect(targets).toContain(`api:${String(compose.services.api.environment?.PORT)}`);
    });

    it('mounts the scrape configuration and the Grafana provisioning where they are read', () => {
      const volumes = (name: string) => compose.services[name]?.volumes ?? [];
      expect(volumes('prometheus')).toContain(
        './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
      );
      expect(volumes('grafana')).toContain(
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
      );
      const provider = parse(
        read('deploy', 'grafana', 'provisioning', 'dashboards', 'order-saga.yaml'),
      ) as { providers: { options: { path: string } }[] };
      expect(volumes('grafana')).toContain(
        `./deploy/grafana/dashboards:${provider.providers[0].options.path}:ro`,
      );
      const datasource = parse(
        read('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'),
      ) as { datasources: { url: string }[] };
      expect(datasource.datasources[0].url).toBe('http://prometheus:9090');
    });
  });
});
