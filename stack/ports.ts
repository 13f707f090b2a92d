import net from 'node:net';
import type { StackPorts } from './types';

/**
 * `n` distinct ports the OS reports free on 127.0.0.1. All are held open until every one is
 * chosen, so the OS cannot hand out the same port twice; a race with other processes remains
 * possible, which `assertPortFree` at start-up reports clearly.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Fails early with the env var to change, instead of a server dying with a bind error. */
export async function assertPortsFree(ports: { port: number; what: string }[]): Promise<void> {
  const busy: string[] = [];
  for (const { port, what } of ports) {
    if (!(await isPortFree(port))) busy.push(`  - ${port} (${what})`);
  }
  if (busy.length > 0) {
    throw new Error(
      `Ports already in use by another process:\n${busy.join('\n')}\n` +
        'Stop that process, or choose other ports with STACK_TEMPORAL_PORT, STACK_TEMPORAL_UI_PORT, ' +
        'STACK_KAFKA_PORT, STACK_KAFKA_CONTROLLER_PORT, STACK_MONGO_PORT, STACK_POSTGRES_PORT.',
    );
  }
}

/** A whole stack's ports, each free on 127.0.0.1 (tests and benchmarks run private stacks). */
export async function freeStackPorts(): Promise<StackPorts> {
  const [temporal, temporalUi, kafka, kafkaController, mongo, mongoPostgres] = await freePorts(6);
  return {
    temporal: temporal,
    temporalUi: temporalUi,
    kafka: kafka,
    kafkaController: kafkaController,
    mongo: mongo,
    mongoPostgres: mongoPostgres,
  };
}
