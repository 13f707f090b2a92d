import type { ProcessName } from '../../contracts/services';
import {
  clusterServer,
  containerEnv,
  mainContainer,
  mongoHosts,
  ofKind,
  selects,
  workloads,
  type Labels,
  type Manifest,
  type Peer,
  type PolicyPort,
} from './k8s-manifests';

// deploy/k8s/network-policies.yaml against the workloads: default deny, then per process only
// the connections it needs. The servers a process may reach are derived from its environment
// (the addresses it is configured with), and checked against a table written out here too.

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
const INGRESS_NAMESPACE = 'ingress-nginx';
const MONITORING_NAMESPACE = 'monitoring';

const policies = ofKind('NetworkPolicy');
const isDefaultDeny = (p: Manifest) =>
  Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0;
const processPolicies = policies.filter((p) => !isDefaultDeny(p));
const podLabels = (w: Manifest): Labels => w.spec!.template!.metadata.labels;
const policiesFor = (w: Manifest) =>
  processPolicies.filter((p) => selects(p.spec!.podSelector!.matchLabels ?? {}, podLabels(w)));

const namespaceOf = (peer: Peer) => peer.namespaceSelector?.matchLabels?.[NAMESPACE_LABEL];
const portsOf = (ports: PolicyPort[] | undefined) =>
  (ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`).sort();

/** `namespace:port` of each server a container's environment points it at. */
function configuredServers(w: Manifest): Record<string, string[]> {
  const env = containerEnv(mainContainer(w));
  const at = (addresses: string[]) => [
    ...new Set(
      addresses.map((a) => {
        const { namespace, port } = clusterServer(a);
        return `${namespace}:${port}`;
      }),
    ),
  ];
  const servers: Record<string, string[]> = {};
  if (env.TEMPORAL_ADDRESS) servers.temporal = at([env.TEMPORAL_ADDRESS]);
  if (env.KAFKA_BROKERS) servers.kafka = at(env.KAFKA_BROKERS.split(','));
  if (env.MONGO_URL) servers.mongodb = at(mongoHosts(env.MONGO_URL));
  return servers;
}

/** Which servers each process talks to (api/main.ts, workers/*.ts, projections/runtime/main.ts). */
const NEEDS: Record<ProcessName | 'create-topics', string[]> = {
  api: ['kafka', 'mongodb', 'temporal'],
  // Publishes every saga's events; no database.
  'worker-orders': ['kafka', 'temporal'],
  // Kafka: events of sagas started before the local-event-publishing patch (run-worker.ts).
  'worker-inventory': ['kafka', 'mongodb', 'temporal'],
  'worker-payments': ['kafka', 'mongodb', 'temporal'],
  'worker-shipping': ['kafka', 'mongodb', 'temporal'],
  projector: ['kafka', 'mongodb'],
  'create-topics': ['kafka'],
};

describe('deploy/k8s/network-policies.yaml', () => {
  it('denies all ingress and egress to every pod of the namespace unless a policy allows it', () => {
    const deny = policies.filter(isDefaultDeny);
    expect(deny.length).toBe(1);
    expect(deny[0].spec!.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
    expect(deny[0].spec!.ingress ?? []).toEqual([]);
    expect(deny[0].spec!.egress ?? []).toEqual([]);
  });

  it('each policy selects the pods of exactly one workload, and every workload has one', () => {
    for (const policy of processPolicies) {
      const selected = workloads.filter((w) =>
        selects(policy.spec!.podSelector!.matchLabels ?? {}, podLabels(w)),
      );
      expect({ policy: policy.metadata.name, selected: selected.length }).toEqual({
        policy: policy.metadata.name,
        selected: 1,
      });
    }
    expect(Object.keys(NEEDS).sort()).toEqual(workloads.map((w) => w.metadata.name).sort());
  });

  it('only the API accepts connections from the ingress controller', () => {
    const fromIngress = processPolicies.filter((p) =>
      (p.spec!.ingress ?? []).some((rule) =>
        (rule.from ?? []).some((peer) => namespaceOf(peer) === INGRESS_NAMESPACE),
      ),
    );
    expect(fromIngress.map((p) => p.metadata.name)).toEqual(['api']);
  });

  describe.each(workloads.map((w) => [w.metadata.name, w] as const))('%s', (name, workload) => {
    const own = policiesFor(workload);
    const policy = own[0];
    const container = mainContainer(workload);
    const declaredPort = (portName: string) =>
      container.ports?.find((p) => p.name === portName)?.containerPort;

    it('has one policy, restricting both directions', () => {
      expect(own.length).toBe(1);
      expect(policy.spec!.policyTypes).toEqual(expect.arrayContaining(['Ingress', 'Egress']));
    });

    it('accepts only its callers, each on a port it declares: the ingress controller (API) and Prometheus (metrics)', () => {
      const rules = policy.spec!.ingress ?? [];
      const allowed = rules.flatMap((rule) => {
        // A rule without peers or ports would admit everyone, or every port.
        expect((rule.from ?? []).length).toBeGreaterThan(0);
        expect((rule.ports ?? []).length).toBeGreaterThan(0);
        return (rule.from ?? []).flatMap((peer) => {
          expect(peer.ipBlock).toBeUndefined();
          return portsOf(rule.ports).map((port) => `${namespaceOf(peer)} ${port}`);
        });
      });
      const expected = [
        ...(name === 'api' ? [`${INGRESS_NAMESPACE} TCP/${declaredPort('http')}`] : []),
        ...(declaredPort('metrics')
          ? [`${MONITORING_NAMESPACE} TCP/${declaredPort('metrics')}`]
          : []),
      ];
      expect(allowed.sort()).toEqual(expected.sort());
      if (name === 'create-topics') expect(rules).toEqual([]);
    });

    it('reaches DNS and exactly the servers its environment names, on their ports', () => {
      const rules = policy.spec!.egress ?? [];
      const dns = rules.filter((rule) =>
        (rule.to ?? []).some(
          (peer) =>
            namespaceOf(peer) === 'kube-system' &&
            peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns',
        ),
      );
      expect(dns.length).toBe(1);
      expect(portsOf(dns[0].ports)).toEqual(['TCP/53', 'UDP/53']);
      const reached = rules
        .filter((rule) => !dns.includes(rule))
        .flatMap((rule) => {
          expect((rule.to ?? []).length).toBeGreaterThan(0);
          expect((rule.ports ?? []).length).toBeGreaterThan(0);
          return (rule.to ?? []).flatMap((peer) =>
            portsOf(rule.ports).map((port) => `${namespaceOf(peer)}:${port.replace(/^TCP\//, '')}`),
          );
        });
      const servers = configuredServers(workload);
      // Every workload is a key of NEEDS (checked above).
      expect(Object.keys(servers).sort()).toEqual(NEEDS[name as keyof typeof NEEDS]);
      expect(reached.sort()).toEqual(Object.values(servers).flat().sort());
    });
  });
});
