import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';
import { ACTIVITY_METRICS } from '../../activities/shared/metrics';
import { appSettings, loadApiConfig } from '../../api/config';
import { CODEC_SCOPE } from '../../api/routes/codec';
import { TrustProxy } from '../../api/trust-proxy';
import { createTopicsConfigSchema } from '../../scripts/create-topics';
import { SERVICES } from '../../contracts/services';
import { SYSTEM_PROCESSES } from '../../system/processes';
import { SAGA_METRICS } from '../../workflows/metrics';
import {
  configMaps,
  containerEnv,
  deployments,
  entryPoint,
  exampleSecrets,
  filledSecrets,
  generator,
  k8sDir,
  kustomization,
  mainContainer,
  manifestFiles,
  manifests,
  matchLabels,
  mountedFiles,
  ofKind,
  processEnv,
  processSchemas,
  read,
  root,
  SECRETS,
  selects,
  TLS_SECRET,
  workloads,
  type Container,
  type Probe,
} from './k8s-manifests';
import { API_TUNING_DEFAULTS } from './process-configs';

// Nothing here runs kubectl, a cluster, Docker, Prometheus or Grafana: the manifests, the
// dashboard and the scrape configuration are parsed and checked against the code instead.
// The NetworkPolicies have their own file (k8s-network.unit.test.ts).

/** Connection settings no manifest sets: no local mode, no plaintext, no optional client certs. */
const SECURE_BY_DEFAULT = [
  'LOCAL_MODE',
  'ALLOW_PLAINTEXT',
  'KAFKA_TLS_CERT_FILE',
  'KAFKA_TLS_KEY_FILE',
  'MONGO_TLS_CERT_KEY_FILE',
];
/** Temporal settings left unset: mTLS with the mounted CA, not Temporal Cloud's API key. */
const TEMPORAL_DEFAULTS = ['TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'];

/**
 * Variables a process leaves to the code's defaults on purpose. Every other variable its schema
 * reads must be set, so a variable added to a schema needs a decision here.
 */
const leftToDefaults: Record<string, string[]> = {
  'dist/api/main.js': [...SECURE_BY_DEFAULT, ...TEMPORAL_DEFAULTS, ...API_TUNING_DEFAULTS],
  'dist/projections/runtime/main.js': [
    ...SECURE_BY_DEFAULT,
    'ORDER_EVENTS_TOPIC',
    'PROJECTOR_POINTER_POLL_MS',
    'PROJECTOR_PARTITIONS_CONCURRENTLY',
  ],
  'dist/scripts/create-topics.js': [
    'LOCAL_MODE',
    'ALLOW_PLAINTEXT',
    'KAFKA_TLS_CERT_FILE',
    'KAFKA_TLS_KEY_FILE',
  ],
  // The orders worker runs workflows and publishes events: it never connects to MongoDB.
  'dist/workers/orders.js': [
    'LOCAL_MODE',
    'ALLOW_PLAINTEXT',
    'KAFKA_TLS_CERT_FILE',
    'KAFKA_TLS_KEY_FILE',
    ...TEMPORAL_DEFAULTS,
  ],
  'dist/workers/inventory.js': [...SECURE_BY_DEFAULT, ...TEMPORAL_DEFAULTS, 'INVENTORY_DB'],
  // No PAYMENT_PROVIDER: no real adapter ships, and production refuses the simulated one.
  'dist/workers/payments.js': [
    ...SECURE_BY_DEFAULT,
    ...TEMPORAL_DEFAULTS,
    'PAYMENTS_DB',
    'PAYMENT_PROVIDER',
  ],
  'dist/workers/shipping.js': [
    ...SECURE_BY_DEFAULT,
    ...TEMPORAL_DEFAULTS,
    'SHIPPING_DB',
    'SHIPPING_COUNTRIES',
  ],
};

/** The schema problems a process is expected to start with, as deployed. */
const expectedRefusals: Record<string, string[]> = {
  'dist/workers/payments.js': ['PAYMENT_PROVIDER'],
};

/** Credentials: only ever from the Secret, never inline or from the ConfigMap. */
const SECRET_VARIABLES = [
  'MONGO_URL',
  'JWT_SECRET',
  'PAYMENT_WEBHOOK_SECRET',
  'CODEC_KEYS',
  'KAFKA_SASL_PASSWORD',
  'TEMPORAL_API_KEY',
];

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

/** Schema problems of a container's environment, as the variables they name. */
function refusedVariables(c: Container, secrets?: Record<string, string>): string[] {
  const result = processSchemas[entryPoint(c)].safeParse(processEnv(c, secrets));
  return [...new Set((result.error?.issues ?? []).map((i) => String(i.path[0])))].sort();
}

/** Secret keys a container reads, by variable. */
const secretRefs = (c: Container): Record<string, string> =>
  Object.fromEntries(
    (c.env ?? [])
      .filter((v) => v.valueFrom?.secretKeyRef)
      .map((v) => [v.name, v.valueFrom!.secretKeyRef!.key]),
  );

/** Files under a directory, relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path).map((f) => join(name, f)) : [name];
  });

/** HTTP endpoints a process serves, read from its source. */
interface Endpoints {
  paths: string[];
  /** Configuration key holding the port. */
  portKey: string;
  /** Configuration key holding the interface: loopback is unreachable for the kubelet's probes. */
  hostKey: string;
}
function servedEndpoints(entry: string): Endpoints | undefined {
  if (entry === 'dist/api/main.js') {
    const ops = read('api', 'routes', 'ops.ts');
    // The ops router is mounted at the root, so its paths are the URL paths.
    expect(read('api', 'app.ts')).toMatch(/app\.use\(opsRouter\(/);
    expect(read('api', 'main.ts')).toMatch(/app\.listen\(config\.PORT, config\.HOST\)/);
    return {
      paths: [...ops.matchAll(/router\.get\('([^']+)'/g)].map((m) => m[1]),
      portKey: 'PORT',
      hostKey: 'HOST',
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
    expect(ofKind('Job').map((j) => entryPoint(mainContainer(j)))).toEqual([
      'dist/scripts/create-topics.js',
    ]);
    expect(ofKind('Service').map((s) => s.metadata.name)).toContain('api');
  });

  describe('secrets', () => {
    it('applies no Secret of its own: both are generated from files git and docker ignore', () => {
      expect(ofKind('Secret')).toEqual([]);
      // Missing from a checkout, so `kubectl apply -k deploy/k8s` stops and names the file.
      expect(generator(SECRETS)?.envs).toEqual(['secrets.env']);
      const tlsFiles = generator(TLS_SECRET)?.files ?? [];
      expect(tlsFiles.length).toBeGreaterThan(0);
      for (const file of tlsFiles) expect(file).toMatch(/^tls\/[^/]+$/);
      for (const ignore of ['.gitignore', '.dockerignore']) {
        const patterns = read(ignore).split('\n');
        expect(patterns).toContain('deploy/k8s/secrets.env');
        expect(patterns.some((p) => /^deploy\/k8s\/tls\/?$/.test(p))).toBe(true);
      }
    });

    it('secrets.env.example has exactly the keys the containers read, each a placeholder', () => {
      const used = new Set(workloads.flatMap((w) => Object.values(secretRefs(mainContainer(w)))));
      expect(Object.keys(exampleSecrets).sort()).toEqual([...used].sort());
      for (const [key, value] of Object.entries(exampleSecrets))
        expect({ key, placeholder: value.includes('CHANGE-ME') }).toEqual({
          key,
          placeholder: true,
        });
    });

    it('CHANGE-ME appears in no deploy/k8s file kustomize reads but secrets.env.example', () => {
      const ignored = (f: string) =>
        f === 'secrets.env' || f.startsWith('tls/') || f.endsWith('.md');
      const withPlaceholder = filesUnder(k8sDir).filter(
        (f) => !ignored(f) && /change-me/i.test(readFileSync(join(k8sDir, f), 'utf8')),
      );
      expect(withPlaceholder).toEqual(['secrets.env.example']);
    });

    it.each(workloads.map((w) => [w.metadata.name, mainContainer(w)] as const))(
      '%s refuses to start with any of the example’s placeholders, naming its variable',
      (_name, c) => {
        const refs = Object.entries(secretRefs(c));
        expect(refs.length).toBeGreaterThan(0);
        const baseline = refusedVariables(c);
        for (const [variable, key] of refs) {
          const refused = refusedVariables(c, { ...filledSecrets, [key]: exampleSecrets[key] });
          expect({ variable, refused: refused.includes(variable) }).toEqual({
            variable,
            refused: true,
          });
          // No other variable is blamed: the placeholder is the reason. (A field that fails to
          // parse skips the schema's cross-field checks, so `baseline` may shrink.)
          expect(refused.filter((v) => v !== variable && !baseline.includes(v))).toEqual([]);
        }
      },
    );

    it('each process has its own Kafka user and, if it uses MongoDB, its own MongoDB user', () => {
      const envs = workloads.map((w) => containerEnv(mainContainer(w)));
      const kafkaUsers = envs.map((e) => e.KAFKA_SASL_USERNAME);
      expect(kafkaUsers.every(Boolean)).toBe(true);
      expect(new Set(kafkaUsers).size).toBe(workloads.length);
      const mongoUsers = envs
        .map((e) => e.MONGO_URL)
        .filter((url): url is string => url !== undefined)
        .map((url) => /^mongodb(?:\+srv)?:\/\/([^:@/]+):/.exec(url)?.[1]);
      expect(mongoUsers.every(Boolean)).toBe(true);
      expect(new Set(mongoUsers).size).toBe(mongoUsers.length);
    });
  });

  describe.each(workloads.map((w) => [`${w.kind} ${w.metadata.name}`, w] as const))(
    '%s',
    (_label, workload) => {
      const template = workload.spec!.template!;
      const containers = template.spec.containers;

      it('selects its own pods', () => {
        const labels = template.metadata.labels;
        // The label the NetworkPolicies select by: one value per workload.
        expect(labels['app.kubernetes.io/component']).toBe(workload.metadata.name);
        if (workload.kind === 'Deployment') {
          expect(selects(matchLabels(workload), labels)).toBe(true);
        } else {
          // A Job selects its pods by the controller-uid label Kubernetes adds; a manual selector
          // could adopt another workload's pods.
          expect(workload.kind).toBe('Job');
          expect(workload.spec!.selector).toBeUndefined();
          expect(workload.spec!.manualSelector).toBeUndefined();
        }
      });

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s runs a known entry point of the image',
        (_name, c) => {
          const entry = entryPoint(c);
          expect(c.command?.[0]).toBe('node');
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
          const env = containerEnv(c);
          // A reference to a missing ConfigMap or Secret key would keep the pod from starting.
          expect(Object.entries(env).filter(([, v]) => v === undefined)).toEqual([]);
          expect(refusedVariables(c)).toEqual(expectedRefusals[entryPoint(c)] ?? []);
          const known = Object.keys(processSchemas[entryPoint(c)].shape);
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
              secret: v.valueFrom?.secretKeyRef?.name,
            }).toEqual({ variable: v.name, secret: SECRETS });
          }
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s runs in production, authenticated and encrypted to every server it uses',
        (_name, c) => {
          const env = containerEnv(c);
          expect(env.NODE_ENV).toBe('production');
          expect(env).not.toHaveProperty('LOCAL_MODE');
          expect(env).not.toHaveProperty('ALLOW_PLAINTEXT');
          if (env.TEMPORAL_ADDRESS !== undefined) {
            expect(env.TEMPORAL_TLS).toBe('true');
            for (const file of ['CA', 'CERT', 'KEY'])
              expect(env[`TEMPORAL_TLS_${file}_FILE`]).toBeTruthy();
          }
          expect(env.KAFKA_BROKERS).toBeTruthy();
          expect(env.KAFKA_TLS).toBe('true');
          expect(env.KAFKA_TLS_CA_FILE).toBeTruthy();
          expect(env.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
          expect(secretRefs(c).KAFKA_SASL_PASSWORD).toBeTruthy();
          if (env.MONGO_URL !== undefined) {
            expect(new URL(env.MONGO_URL).searchParams.get('tls')).toBe('true');
            expect(env.MONGO_TLS_CA_FILE).toBeTruthy();
          }
        },
      );

      it.each(containers.map((c) => [c.name, c] as const))(
        'container %s reads every TLS file from the Secret order-saga-tls, mounted read-only',
        (_name, c) => {
          const generated = (generator(TLS_SECRET)?.files ?? []).map((f) => f.replace(/^.*\//, ''));
          const files = Object.entries(mountedFiles(c, template));
          expect(files.length).toBeGreaterThan(0);
          for (const [variable, mounted] of files) {
            expect({ variable, secret: mounted?.secret, readOnly: mounted?.readOnly }).toEqual({
              variable,
              secret: TLS_SECRET,
              readOnly: true,
            });
            expect(generated).toContain(mounted?.key);
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
          const config = processSchemas[entry].parse(processEnv(c));
          const listenPort = Number(config[endpoints.portKey]);
          const loopbackOnly = ['127.0.0.1', 'localhost', '::1'].includes(
            String(config[endpoints.hostKey]),
          );
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
    expect(workers.length).toBe(SERVICES.length);
    for (const worker of workers) {
      const c = mainContainer(worker);
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
    for (const cm of configMaps.values()) {
      expect(Object.keys(cm.data ?? {}).filter((k) => SECRET_VARIABLES.includes(k))).toEqual([]);
      // No URL with user info (a password) either, whatever the key.
      expect(Object.values(cm.data ?? {}).filter((v) => /:\/\/[^/@\s]+@/.test(v))).toEqual([]);
    }
  });

  it('the API and every worker encrypt payloads with the same keys', () => {
    const codecUsers = deployments
      .filter((d) => d.metadata.name === 'api' || d.metadata.name.startsWith('worker-'))
      .map((d) => mainContainer(d));
    expect(codecUsers.length).toBe(SERVICES.length + 1);
    for (const c of codecUsers) {
      expect(secretRefs(c).CODEC_KEYS).toBe('CODEC_KEYS');
      expect(containerEnv(c).CODEC_ACTIVE_KEY_ID).toBe(
        containerEnv(codecUsers[0]).CODEC_ACTIVE_KEY_ID,
      );
    }
  });

  describe('the API', () => {
    const api = deployments.find((d) => d.metadata.name === 'api')!;
    const c = mainContainer(api);
    const env = containerEnv(c);

    it('its codec server, when turned on, requires a token with its scope', () => {
      const config = loadApiConfig({ ...processEnv(c), CODEC_SERVER_ENABLED: 'true' });
      expect(appSettings(config).codecServer?.requiredScope).toBe(CODEC_SCOPE);
    });

    it('is ready on /readyz and alive on /healthz', () => {
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    });

    it('trusts one proxy hop, the ingress controller, for client addresses', () => {
      expect(env.TRUST_PROXY).toBe('1');
      expect(TrustProxy.parse(env.TRUST_PROXY)).toBe(1);
    });

    it('listens on the pod’s interfaces, with /metrics on a port of its own the Service does not expose', () => {
      const config = loadApiConfig(processEnv(c));
      expect(config.HOST).toBe('0.0.0.0');
      expect(config.METRICS_HOST).toBe('0.0.0.0');
      expect(config.METRICS_ENABLED).toBe(true);
      expect(config.METRICS_PORT).not.toBe(config.PORT);
      const port = (name: string) => c.ports?.find((p) => p.name === name)?.containerPort;
      expect([port('http'), port('metrics')]).toEqual([config.PORT, config.METRICS_PORT]);
      const service = ofKind('Service').find((s) => s.metadata.name === 'api')!;
      expect(service.spec!.ports!.map((p) => p.targetPort)).toEqual(['http']);
    });
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
    expect(expected.length).toBe(SERVICES.length + 1);
    expect([...scaled].sort()).toEqual(expect.arrayContaining(expected));
  });

  it('the projector does not scale past the partition count of order.events', () => {
    const job = mainContainer(ofKind('Job')[0]);
    const partitions = createTopicsConfigSchema.parse(
      processEnv(job),
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
      // The API's metrics have a port of their own, not the public one.
      const api = compose.services.api.environment ?? {};
      expect(targets).toContain(`api:${String(api.METRICS_PORT)}`);
      expect(targets).not.toContain(`api:${String(api.PORT)}`);
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
