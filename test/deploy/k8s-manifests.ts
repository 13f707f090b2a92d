import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { parseEnvFile } from './env-file';
import { schemasByCompiledEntry } from './process-configs';

// deploy/k8s as the tests see it: the manifests of the default kustomization parsed, and each
// container's environment resolved from the ConfigMap and the generated Secret (whose keys come
// from secrets.env.example). Nothing here runs kubectl or a cluster.

/** Entry point a container runs → the configuration schema its process validates at start. */
export const processSchemas: Record<string, z.ZodObject> = schemasByCompiledEntry();

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
}
export interface Container {
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
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
export interface Volume {
  name: string;
  emptyDir?: object;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: Volume[];
}
export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
export type Labels = Record<string, string>;
/** A NetworkPolicy peer: pods selected by namespace and/or labels. */
export interface Peer {
  namespaceSelector?: { matchLabels?: Labels };
  podSelector?: { matchLabels?: Labels };
  ipBlock?: { cidr: string };
}
export interface PolicyPort {
  protocol?: string;
  port: number | string;
}
export interface NetworkPolicySpec {
  podSelector: { matchLabels?: Labels };
  policyTypes?: string[];
  ingress?: { from?: Peer[]; ports?: PolicyPort[] }[];
  egress?: { to?: Peer[]; ports?: PolicyPort[] }[];
}
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: Labels | { matchLabels: Labels };
    manualSelector?: boolean;
    template?: PodTemplate;
    ports?: { port: number; targetPort: string | number }[];
    scaleTargetRef?: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  } & Partial<NetworkPolicySpec>;
}

export const root = join(__dirname, '..', '..');
export const k8sDir = join(root, 'deploy', 'k8s');
export const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

export interface SecretGenerator {
  name: string;
  envs?: string[];
  files?: string[];
}
export const kustomization = parse(read('deploy', 'k8s', 'kustomization.yaml')) as {
  namespace: string;
  resources: string[];
  images: { name: string }[];
  secretGenerator?: SecretGenerator[];
};
export const generator = (name: string): SecretGenerator | undefined =>
  kustomization.secretGenerator?.find((g) => g.name === name);

export const SECRETS = 'order-saga-secrets';
export const TLS_SECRET = 'order-saga-tls';

export const manifestFiles = readdirSync(k8sDir).filter(
  (f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml',
);
export const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
    return doc.toJS() as Manifest;
  }),
);
export const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const byName = (kind: string) => new Map(ofKind(kind).map((m) => [m.metadata.name, m]));
export const configMaps = byName('ConfigMap');
export const deployments = ofKind('Deployment');
export const workloads = [...deployments, ...ofKind('Job')];

export const matchLabels = (m: Manifest): Labels => {
  const selector = m.spec?.selector ?? {};
  return 'matchLabels' in selector ? (selector.matchLabels as Labels) : selector;
};
export const selects = (selector: Labels, labels: Labels) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

export const entryPoint = (c: Container): string => c.command?.[1] ?? '';
export const mainContainer = (w: Manifest): Container => w.spec!.template!.spec.containers[0];

/** The committed template of secrets.env, placeholders included. */
export const exampleSecrets = parseEnvFile(read('deploy', 'k8s', 'secrets.env.example'));

/** The template with every placeholder replaced by a random value, as an operator would. */
export const filledSecrets: Record<string, string> = Object.fromEntries(
  Object.entries(exampleSecrets).map(([key, value]) => [
    key,
    key === 'CODEC_KEYS'
      ? `test-1:${randomBytes(32).toString('base64')}`
      : value.replace(/CHANGE-ME/g, () => randomBytes(24).toString('hex')),
  ]),
);

/** The environment a container starts with, from the ConfigMap and the given Secret values. */
export function containerEnv(
  c: Container,
  secrets: Record<string, string> = filledSecrets,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const source of c.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMaps.get(source.configMapRef.name)?.data);
    if (source.secretRef?.name === SECRETS) Object.assign(env, secrets);
  }
  for (const v of c.env ?? []) {
    const cm = v.valueFrom?.configMapKeyRef;
    const sk = v.valueFrom?.secretKeyRef;
    env[v.name] = cm
      ? configMaps.get(cm.name)?.data?.[cm.key]
      : sk
        ? sk.name === SECRETS
          ? secrets[sk.key]
          : undefined
        : v.value;
    if (env[v.name] !== undefined) env[v.name] = String(env[v.name]);
  }
  return env;
}

/**
 * Where each `*_FILE` variable of a container points: the key of the Secret volume mounted
 * there (undefined when no mounted Secret item is at that path).
 */
export function mountedFiles(
  c: Container,
  template: PodTemplate,
): Record<string, { secret: string; key: string; readOnly: boolean } | undefined> {
  const env = containerEnv(c);
  const files: Record<string, { secret: string; key: string; readOnly: boolean } | undefined> = {};
  for (const [name, path] of Object.entries(env)) {
    if (!name.endsWith('_FILE') || path === undefined) continue;
    files[name] = undefined;
    for (const mount of c.volumeMounts ?? []) {
      const volume = template.spec.volumes?.find((v) => v.name === mount.name);
      const item = volume?.secret?.items?.find((i) => posix.join(mount.mountPath, i.path) === path);
      if (volume?.secret && item)
        files[name] = {
          secret: volume.secret.secretName,
          key: item.key,
          readOnly: mount.readOnly === true,
        };
    }
  }
  return files;
}

/**
 * The environment as the process validates it in the pod. The schemas check that each `*_FILE`
 * is readable, which the mounted files are in the pod (`mountedFiles` checks the mounts); here
 * they point at a file that exists on this machine.
 */
export function processEnv(
  c: Container,
  secrets: Record<string, string> = filledSecrets,
): Record<string, string | undefined> {
  const env = containerEnv(c, secrets);
  for (const name of Object.keys(env)) if (name.endsWith('_FILE')) env[name] = __filename;
  return env;
}

/** `host:port` of a server address → the namespace of its in-cluster Service and the port. */
export function clusterServer(address: string): { namespace: string; port: number } {
  const match = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)$/.exec(address);
  if (!match) throw new Error(`not an in-cluster Service address: ${address}`);
  return { namespace: match[1], port: Number(match[2]) };
}

/** The hosts of a MongoDB URL (`mongodb://user:pass@h1:p1,h2:p2/…`). */
export const mongoHosts = (url: string): string[] =>
  url
    .replace(/^mongodb:\/\/(?:[^@/]*@)?/, '')
    .split('/')[0]
    .split(',');
