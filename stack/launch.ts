// Starting one server process and waiting, with a deadline, until it really answers.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { seconds } from './progress';
import { spawnServer, stopProcess, tailFile } from './process';
import type { LocalServerState, PostgresBackend } from './state';
import type { Progress, ServerName } from './types';

export interface LaunchSpec {
  name: ServerName;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** argv entries unique to this stack's instance; checked before any signal is sent. */
  markers: string[];
  ports: { port: number; what: string }[];
  address: string;
  uiUrl?: string;
  /** The PostgreSQL server a FerretDB process runs beside it (probed by `stack:status`). */
  postgres?: PostgresBackend;
  readyTimeoutMs: number;
  graceMs: number;
  /** One-off work before the first start (e.g. formatting Kafka's storage). */
  prepare?: () => Promise<void>;
  /** A single real probe; polled until true. */
  isReady: () => Promise<boolean>;
  /** Runs once the server answers (e.g. creating topics). */
  afterReady?: () => Promise<void>;
}

export class ServerStartError extends Error {
  constructor(
    readonly server: ServerName,
    reason: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(`${server} failed to start: ${reason}\n--- last lines of ${logFile} ---\n${logTail}`);
    this.name = 'ServerStartError';
  }
}

export const logFileFor = (dir: string, name: ServerName): string =>
  path.join(dir, 'logs', `${name}.log`);

export async function launchServer(
  spec: LaunchSpec,
  opts: { dir: string; detached: boolean; progress: Progress; env?: NodeJS.ProcessEnv },
): Promise<LocalServerState> {
  const logFile = logFileFor(opts.dir, spec.name);
  await fs.mkdir(path.dirname(logFile), { recursive: true });
  await spec.prepare?.();
  await fs.appendFile(logFile, `\n=== ${new Date().toISOString()} starting ${spec.name} ===\n`);
  const started = Date.now();
  const child = spawnServer({
    cmd: spec.cmd,
    args: spec.args,
    cwd: spec.cwd ?? opts.dir,
    env: spec.env ?? opts.env,
    logFile,
    detached: opts.detached,
  });
  opts.progress(`${spec.name}: started pid ${child.pid}, log ${logFile}`);
  const state: LocalServerState = {
    kind: 'local',
    pid: child.pid,
    group: opts.detached,
    markers: spec.markers,
    ports: spec.ports.map((p) => p.port),
    graceMs: spec.graceMs,
    address: spec.address,
    ...(spec.uiUrl ? { uiUrl: spec.uiUrl } : {}),
    ...(spec.postgres ? { postgres: spec.postgres } : {}),
    log: logFile,
    startedAt: new Date().toISOString(),
  };
  // A holder object, since the exit is recorded from a callback while we poll.
  const seen: { exit?: { code: number | null; signal: NodeJS.Signals | null } } = {};
  void child.exited.then((e) => (seen.exit = e));
  const fail = async (reason: string): Promise<never> => {
    // No marker check: the pid is our unreaped child (its exit event has not fired), so it
    // cannot have been reused, and a server may rewrite its argv while starting.
    if (!seen.exit) await stopProcess({ pid: child.pid, group: opts.detached, markers: [] }, 2000);
    throw new ServerStartError(spec.name, reason, logFile, await tailFile(logFile, 20));
  };
  let lastTick = started;
  for (;;) {
    if (seen.exit) {
      const { code, signal } = seen.exit;
      await fail(`process exited (${signal ?? `code ${String(code)}`})`);
    }
    if (await spec.isReady().catch(() => false)) break;
    if (Date.now() - started > spec.readyTimeoutMs) {
      await fail(`not ready after ${spec.readyTimeoutMs / 1000}s`);
    }
    if (Date.now() - lastTick >= 5000) {
      lastTick = Date.now();
      opts.progress(`${spec.name}: waiting for ${spec.address} ... ${seconds(started)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  opts.progress(`${spec.name}: ready at ${spec.address} in ${seconds(started)}`);
  try {
    await spec.afterReady?.();
  } catch (err) {
    await fail(err instanceof Error ? err.message : String(err));
  }
  return state;
}
