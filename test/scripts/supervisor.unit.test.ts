import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePorts } from '../../stack';
import { askReadyz, Supervisor, type ProcessReadiness } from '../../scripts/supervisor';

// `npm start`'s supervisor over small real child processes: it says the system is ready only
// once every process is (one over its IPC channel, one through its /readyz), lists what the
// others are doing meanwhile, and restarts a process that exits before it was ready.

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'supervisor-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readinessMessage = (readiness: object) =>
  `process.send({ type: 'order-saga.readiness', readiness: ${JSON.stringify(readiness)} });`;

/** Not ready ("warming up") until READY_AFTER_MS; exits with code 3 on its first run if CRASH_MARK is set. */
const IPC_CHILD = `
const fs = require('node:fs');
if (process.env.CRASH_MARK && !fs.existsSync(process.env.CRASH_MARK)) {
  fs.writeFileSync(process.env.CRASH_MARK, '');
  process.exit(3);
}
${readinessMessage({ ready: false, status: 'warming up' })}
setTimeout(() => { ${readinessMessage({ ready: true })} }, Number(process.env.READY_AFTER_MS));
setInterval(() => undefined, 1000);
`;

/**
 * A /readyz that answers 503 (kafka unreachable) until READY_AFTER_MS after it listens, then 200.
 * Counted from listening, not from the start: a loaded machine can take longer than that to load
 * the child, and the supervisor would then never see it unready.
 */
const HTTP_CHILD = `
let listeningAt;
require('node:http')
  .createServer((req, res) => {
    const ready = Date.now() - listeningAt >= Number(process.env.READY_AFTER_MS);
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ready ? { status: 'ready' } : { unavailable: ['kafka'] }));
  })
  .listen(Number(process.env.READYZ_PORT), '127.0.0.1', () => (listeningAt = Date.now()));
`;

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
}

/** A process named `worker` that reports ready over IPC after `readyAfterMs`. */
const ipcWorker = (file: string, readyAfterMs: string) => ({
  name: 'worker',
  entry: script(file, IPC_CHILD),
  env: { READY_AFTER_MS: readyAfterMs },
  readiness: { kind: 'ipc' as const },
});

function supervise(specs: ConstructorParameters<typeof Supervisor>[0]) {
  const log: string[] = [];
  const supervisor = new Supervisor(specs, {
    cwd: ROOT,
    baseEnv: { PATH: process.env.PATH },
    log: (line) => log.push(line),
  });
  return { supervisor, log };
}

const statuses = (progress: ProcessReadiness[][]) =>
  progress.flat().map((p) => `${p.name}: ${p.readiness.ready ? 'ready' : p.readiness.status}`);

it('says ready only once every process is, listing what the others are doing meanwhile', async () => {
  const [port] = await freePorts(1);
  const { supervisor, log } = supervise([
    {
      name: 'worker',
      entry: script('worker.cjs', IPC_CHILD),
      env: { READY_AFTER_MS: '4000' },
      readiness: { kind: 'ipc' },
    },
    {
      name: 'api',
      entry: script('api.cjs', HTTP_CHILD),
      env: { READY_AFTER_MS: '1000', READYZ_PORT: String(port) },
      readiness: { kind: 'http', url: `http://127.0.0.1:${port}/readyz` },
    },
  ]);
  const progress: ProcessReadiness[][] = [];
  supervisor.start();
  try {
    expect(await supervisor.whenAllReady((waiting) => progress.push(waiting), 200)).toBe(true);
    expect(supervisor.readiness().map((p) => p.readiness)).toEqual([
      { ready: true },
      { ready: true },
    ]);
    expect(statuses(progress)).toEqual(
      expect.arrayContaining(['worker: warming up', 'api: /readyz: kafka unreachable']),
    );
    // The worker, ready last, was listed until the end; each said once when it became ready.
    expect(statuses(progress.slice(-1))).toEqual(['worker: warming up']);
    expect(log.filter((l) => / ready \(/.test(l)).map((l) => l.split(' ')[0])).toEqual([
      'api',
      'worker',
    ]);
  } finally {
    await supervisor.stop();
  }
});

it('restarts a process that exits before it is ready, and is ready once it is', async () => {
  const { supervisor, log } = supervise([
    {
      name: 'worker',
      entry: script('crashing-worker.cjs', IPC_CHILD),
      env: { READY_AFTER_MS: '0', CRASH_MARK: path.join(dir, 'crashed-once') },
      readiness: { kind: 'ipc' },
    },
  ]);
  supervisor.start();
  try {
    expect(await supervisor.whenAllReady(() => undefined, 200)).toBe(true);
    expect(log[0]).toBe('worker exited (code 3); restarting in 500 ms');
  } finally {
    await supervisor.stop();
  }
});

it('stops waiting when it is stopped first', async () => {
  const { supervisor } = supervise([ipcWorker('slow-worker.cjs', '60000')]);
  supervisor.start();
  const ready = supervisor.whenAllReady(() => undefined, 200);
  await supervisor.stop();
  await expect(ready).resolves.toBe(false);
});

it('reads a /readyz that does not answer as not listening yet', async () => {
  const [port] = await freePorts(1);
  await expect(askReadyz(`http://127.0.0.1:${port}/readyz`)).resolves.toEqual({
    ready: false,
    status: 'not listening yet',
  });
});

it("names each running process's pid, and none once stopped", async () => {
  const { supervisor } = supervise([ipcWorker('pid-worker.cjs', '0')]);
  supervisor.start();
  try {
    expect(await supervisor.whenAllReady(() => undefined, 200)).toBe(true);
    const { worker } = supervisor.pids();
    expect(worker).toBeGreaterThan(0);
    expect(() => process.kill(worker, 0)).not.toThrow();
  } finally {
    await supervisor.stop();
  }
  expect(supervisor.pids()).toEqual({});
});
