import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { StackPorts } from './types';

/** Where this host's outgoing connections take their local ports (Linux; others: IANA's range). */
export function ephemeralPortRange(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): { low: number; high: number } {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low > 1024 && low <= high)
      return { low, high };
  } catch {
    // not Linux, or /proc hidden: fall through
  }
  return { low: 49152, high: 65535 };
}

/** The lowest port `freePorts` hands out: above the well-known and most registered services. */
const LOWEST_PORT = 10_000;

/**
 * `n` distinct ports free on 127.0.0.1, chosen at random BELOW the ephemeral range. A port the
 * OS picks for `listen(0)` comes from the ephemeral range, where every outgoing connection of
 * every process also takes its local port: between choosing a port and the server binding it,
 * a client connection elsewhere (the other test workers open thousands) could take it, and the
 * server would die with "address in use". All are held open until every one is chosen, so the
 * same port is not handed out twice; a race with another process choosing at random remains
 * possible, which `assertPortsFree` at start-up reports clearly.
 */
export async function freePorts(n: number): Promise<number[]> {
  const { low } = ephemeralPortRange();
  const span = Math.max(low - LOWEST_PORT, 1);
  const servers: net.Server[] = [];
  try {
    for (let tries = 0; servers.length < n; tries++) {
      if (tries > 50 * n) throw new Error(`No ${n} free ports found in ${LOWEST_PORT}-${low - 1}`);
      const port = LOWEST_PORT + Math.floor(Math.random() * span);
      const server = await listenOn(port);
      if (server) servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** A server listening on `port`, or undefined when the port is taken. */
function listenOn(port: number): Promise<net.Server | undefined> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
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
