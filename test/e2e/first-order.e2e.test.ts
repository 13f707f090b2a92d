import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PROJECTOR_GROUP_ID } from '../../contracts/consumer-groups';
import { devToken } from '../../scripts/token';
import { freePorts, freeStackPorts, startStack, stopStackDir, type StackPorts } from '../../stack';

// A new user's first contact: `npm start` (scripts/start.ts as a child process, on a stack
// directory and ports of its own) says it is ready, and the README's "Try it" order is placed at
// that moment: catalog entry, `POST /orders`, `GET /orders/{id}?minVersion=1`. Twice: with the
// servers already up, then on the same (now reused) stack directory with the servers started by
// `npm start` itself, after the first run was stopped as a terminal's Ctrl-C stops it.
//
// The issue (#25) asks for a measured target, so this test asserts a time: the order is in the
// read model within FIRST_ORDER_TARGET_MS of the POST. It is the one timing assertion of the
// suite; elsewhere timing never decides a pass.

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const FIRST_ORDER_TARGET_MS = 3_000;
const READY_TIMEOUT_MS = 180_000;

/** The README's "Try it" request bodies, read from the README itself so the two cannot drift. */
const [KETTLE, README_ORDER] = [
  ...readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/ -d '([^']+)'/g),
].map((m) => JSON.parse(m[1]) as Record<string, unknown>);

interface StartRun {
  /** Resolves at the `ready in` line, the moment a user reads it. */
  ready: Promise<void>;
  output(): string;
  /** Signals and waits for the exit; `group` sends it to the process group, as a terminal does. */
  stop(signal: NodeJS.Signals, opts: { group: boolean }): Promise<number | null>;
}

function runStart(env: NodeJS.ProcessEnv, logFile: string): StartRun {
  let output = '';
  // Detached: a process group of its own, like a terminal's foreground job.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`start.ts not ready in ${READY_TIMEOUT_MS} ms:\n${tail(output)}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^\[start\] ready in /m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`start.ts exited (${code}) before it was ready:\n${tail(output)}`));
    });
  });
  ready.catch(() => undefined);
  return {
    ready,
    output: () => output,
    async stop(signal, { group }) {
      if (child.exitCode === null && child.signalCode === null) {
        if (group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      const code = await exited;
      writeFileSync(logFile, output);
      return code;
    },
  };
}

const tail = (text: string) => text.split('\n').slice(-40).join('\n');

/** The suite's one timing assertion (issue #25 asks for it), with a message that says so. */
function expectWithinTarget(visibleAfterMs: number, when: string, logFile: string): void {
  if (visibleAfterMs <= FIRST_ORDER_TARGET_MS) return;
  throw new Error(
    `The README's first order reached the read model ${Math.round(visibleAfterMs)} ms after ` +
      `POST /orders (${when}); the target (issue #25) is ${FIRST_ORDER_TARGET_MS} ms when ` +
      `placed the moment npm start says ready, on a warm machine. A machine busy with other ` +
      `work can miss it; otherwise some process said ready too early or the path from the ` +
      `saga's first event to the read model is slow. npm start's output: ${logFile}`,
  );
}

/** The README's first order, placed now; how long after the POST the read model had it. */
async function placeReadmeOrder(
  apiUrl: string,
  idempotencyKey: string,
): Promise<{ visibleAfterMs: number }> {
  const support = await devToken({
    sub: 'support-1',
    scope: 'orders:read orders:write orders:support',
    ttlSeconds: 600,
  });
  const alice = await devToken({
    sub: 'alice',
    scope: 'orders:write orders:read',
    ttlSeconds: 600,
  });
  const json = { 'content-type': 'application/json' };
  const stocked = await fetch(`${apiUrl}/inventory/KETTLE`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${support}`, ...json },
    body: JSON.stringify(KETTLE),
  });
  expect(stocked.status).toBeLessThan(300);

  const postedAt = performance.now();
  const placed = await fetch(`${apiUrl}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}`, 'idempotency-key': idempotencyKey, ...json },
    body: JSON.stringify(README_ORDER),
  });
  expect(placed.status).toBe(202);
  const { orderId } = (await placed.json()) as { orderId: string };
  const read = await fetch(`${apiUrl}/orders/${orderId}?minVersion=1`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  const visibleAfterMs = performance.now() - postedAt;
  const body = await read.text();
  expect(`${read.status} ${body}`).toMatch(/^200 /);
  expect(JSON.parse(body)).toMatchObject({ orderId, customerId: 'alice' });
  return { visibleAfterMs };
}

/** Members of the projector's consumer group, straight from the broker. */
async function projectorGroupMembers(brokers: string[]): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([PROJECTOR_GROUP_ID]);
    return groups[0]?.members.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

const asEnv = (ports: StackPorts): NodeJS.ProcessEnv => ({
  STACK_TEMPORAL_PORT: String(ports.temporal),
  STACK_TEMPORAL_UI_PORT: String(ports.temporalUi),
  STACK_KAFKA_PORT: String(ports.kafka),
  STACK_KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
  STACK_MONGO_PORT: String(ports.mongo),
  STACK_POSTGRES_PORT: String(ports.mongoPostgres),
});

describe('npm start, then the README first order', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-first-order-'));
  let ports: StackPorts;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let running: StartRun | undefined;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    ports = await freeStackPorts();
    const [api, apiMetrics, projectorMetrics] = await freePorts(3);
    apiUrl = `http://127.0.0.1:${api}`;
    // The servers of the integration tier's global setup are not this stack's: they are not
    // passed on (they would be used as external servers).
    const inherited = { ...process.env };
    for (const name of [
      'TEMPORAL_ADDRESS',
      'KAFKA_BROKERS',
      'MONGO_URL',
      'TEMPORAL_UI_URL',
      'JWT_SECRET',
    ])
      delete inherited[name];
    env = {
      ...inherited,
      ...asEnv(ports),
      STACK_DIR: dir,
      PORT: String(api),
      METRICS_PORT: String(apiMetrics),
      PROJECTOR_METRICS_PORT: String(projectorMetrics),
      LOG_FORMAT: 'json',
    };
  });

  afterEach(async () => {
    await running?.stop('SIGKILL', { group: true });
    running = undefined;
  });

  afterAll(async () => {
    process.stderr.write(`[first-order] visible after (ms): ${JSON.stringify(measured)}\n`);
    // Servers npm start started in its own session outlive a killed start.ts.
    await stopStackDir(dir, () => undefined);
    if (process.env.STACK_KEEP_DIR !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it('with the servers already up: the order is projected within 3 s of the POST', async () => {
    const stack = await startStack({ dir, ports, env, onProgress: () => undefined });
    try {
      running = runStart(env, path.join(dir, 'start-1.log'));
      await running.ready;
      const { visibleAfterMs } = await placeReadmeOrder(apiUrl, 'demo-1');
      measured.serversUp = Math.round(visibleAfterMs);

      // Every process is ready when it says so, and the projector says it on /readyz too.
      expect(running.output()).toMatch(/^\[start\] API: +http:\/\/127\.0\.0\.1:\d+/m);
      const projectorReady = await fetch(
        `http://127.0.0.1:${env.PROJECTOR_METRICS_PORT}/readyz`,
      ).then((r) => r.json());
      expect(projectorReady).toEqual({ status: 'ready' });
      expectWithinTarget(visibleAfterMs, 'servers already up', path.join(dir, 'start-1.log'));

      // A terminal's Ctrl-C: SIGINT to every process of the group, then the supervisor's SIGTERM.
      expect(await running.stop('SIGINT', { group: true })).toBe(0);
      running = undefined;
      // The projector left its group: a member that did not would hold the next start's join
      // for its whole session timeout (30 s).
      expect(await projectorGroupMembers(stack.kafkaBrokers)).toBe(0);
    } finally {
      await stack.stop();
    }
  });

  it('with the servers started by npm start on a reused stack directory: within 3 s too', async () => {
    running = runStart(env, path.join(dir, 'start-2.log'));
    await running.ready;
    expect(running.output()).toMatch(/servers started now: (?=.*kafka)(?=.*temporal)(?=.*mongo)/);
    const { visibleAfterMs } = await placeReadmeOrder(apiUrl, 'demo-2');
    measured.serversStartedByNpmStart = Math.round(visibleAfterMs);
    expectWithinTarget(
      visibleAfterMs,
      'servers started by npm start',
      path.join(dir, 'start-2.log'),
    );
    expect(await running.stop('SIGTERM', { group: false })).toBe(0);
    running = undefined;
  });
});
