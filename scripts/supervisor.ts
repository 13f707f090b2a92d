import { spawn, type ChildProcess } from 'node:child_process';
import { READY, type Readiness, ReadinessMessage, notReady } from '../lib/process-readiness';

export interface ProcessSpec {
  name: string;
  /** Entry point run with tsx, relative to the repository root. */
  entry: string;
  env?: NodeJS.ProcessEnv;
  /** Options for node itself, before the entry (the bench's `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeOptions?: string[];
  /**
   * How the process says it is ready: messages on the IPC channel the supervisor opens
   * (lib/process-readiness.ts), or its `/readyz` URL, polled until it answers 200.
   */
  readiness: { kind: 'ipc' } | { kind: 'http'; url: string };
}

export interface ProcessReadiness {
  name: string;
  readiness: Readiness;
  /** Since the process was (last) launched. */
  elapsedMs: number;
}

interface Supervised {
  spec: ProcessSpec;
  child?: ChildProcess;
  restarts: number;
  launchedAt: number;
  readiness: Readiness;
}

/** How often a `/readyz` URL is asked while its process is not ready yet. */
const READYZ_POLL_MS = 500;

/**
 * Runs each process as its own child (the shape it has in production: one process per service),
 * follows each one's readiness, restarts a crashed one with backoff, and on stop sends SIGTERM to
 * all and waits for their graceful shutdown before escalating to SIGKILL.
 */
export class Supervisor {
  private readonly procs: Supervised[];
  private stopping = false;
  private allReadyOnce = false;
  private readonly readyListeners: (() => void)[] = [];

  constructor(
    specs: ProcessSpec[],
    private readonly opts: {
      cwd: string;
      baseEnv: NodeJS.ProcessEnv;
      log: (line: string) => void;
      /** Where the children's stdout goes (default: ours; the benchmark keeps its stdout for its report). */
      stdout?: 'inherit' | 'stderr';
    },
  ) {
    this.procs = specs.map((spec) => ({
      spec,
      restarts: 0,
      launchedAt: Date.now(),
      readiness: notReady('loading its code'),
    }));
  }

  start(): void {
    for (const p of this.procs) this.launch(p);
  }

  /** The pid of each process running now, by name (one between a crash and its restart is left out). */
  pids(): Record<string, number> {
    return Object.fromEntries(
      this.procs.flatMap((p) =>
        p.child?.pid !== undefined ? [[p.spec.name, p.child.pid] as const] : [],
      ),
    );
  }

  /** Each process's readiness, in the order given. */
  readiness(): ProcessReadiness[] {
    const now = Date.now();
    return this.procs.map((p) => ({
      name: p.spec.name,
      readiness: p.readiness,
      elapsedMs: now - p.launchedAt,
    }));
  }

  /**
   * Resolves once every process is ready at the same time (true), or when the supervisor stops
   * first (false). Meanwhile `onProgress` gets the processes not ready yet every `progressMs`.
   */
  whenAllReady(
    onProgress: (waiting: ProcessReadiness[]) => void,
    progressMs = 5_000,
  ): Promise<boolean> {
    if (this.allReadyOnce) return Promise.resolve(true);
    return new Promise((resolve) => {
      const progress = setInterval(() => {
        if (this.stopping) return finish(false);
        onProgress(this.readiness().filter((p) => !p.readiness.ready));
      }, progressMs);
      const finish = (ready: boolean) => {
        clearInterval(progress);
        resolve(ready);
      };
      this.readyListeners.push(() => finish(!this.stopping));
    });
  }

  private launch(p: Supervised): void {
    const args = [...(p.spec.nodeOptions ?? []), '--import', 'tsx', p.spec.entry];
    const child = spawn(process.execPath, args, {
      cwd: this.opts.cwd,
      env: { ...this.opts.baseEnv, ...p.spec.env },
      // The fourth, an IPC channel, carries readiness messages.
      stdio: [
        'ignore',
        this.opts.stdout === 'stderr' ? process.stderr : 'inherit',
        'inherit',
        'ipc',
      ],
    });
    p.child = child;
    p.launchedAt = Date.now();
    this.setReadiness(p, notReady('loading its code'));
    const readiness = p.spec.readiness;
    if (readiness.kind === 'ipc') {
      child.on('message', (message) => {
        const parsed = ReadinessMessage.safeParse(message);
        if (parsed.success && p.child === child) this.setReadiness(p, parsed.data.readiness);
      });
    } else {
      void this.pollReadyz(p, child, readiness.url);
    }
    child.on('exit', (code, signal) => {
      p.child = undefined;
      if (this.stopping) return;
      // Exponential backoff, capped, so a crash loop does not spin the CPU.
      const delay = Math.min(30_000, 500 * 2 ** p.restarts++);
      this.opts.log(
        `${p.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
      );
      this.setReadiness(p, notReady(`restarting (exited with ${signal ?? `code ${code}`})`));
      setTimeout(() => this.stopping || this.launch(p), delay).unref();
    });
  }

  /** Asks `url` until it answers 200 or this child is gone. */
  private async pollReadyz(p: Supervised, child: ChildProcess, url: string): Promise<void> {
    while (!this.stopping && p.child === child && !p.readiness.ready) {
      const readiness = await askReadyz(url);
      if (this.stopping || p.child !== child) return;
      this.setReadiness(p, readiness);
      if (!readiness.ready) await new Promise((r) => setTimeout(r, READYZ_POLL_MS));
    }
  }

  private setReadiness(p: Supervised, readiness: Readiness): void {
    const was = p.readiness;
    p.readiness = readiness;
    if (readiness.ready && !was.ready) {
      const seconds = ((Date.now() - p.launchedAt) / 1000).toFixed(1);
      const again = this.allReadyOnce ? ' again' : '';
      this.opts.log(`${p.spec.name} ready${again} (${seconds} s after it was started)`);
    }
    if (!this.allReadyOnce && this.procs.every((q) => q.readiness.ready)) {
      this.allReadyOnce = true;
      for (const listener of this.readyListeners.splice(0)) listener();
    }
  }

  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    for (const listener of this.readyListeners.splice(0)) listener();
    await Promise.all(
      this.procs.map(
        ({ spec, child }) =>
          new Promise<void>((resolve) => {
            if (!child || child.exitCode !== null) return resolve();
            const kill = setTimeout(() => {
              this.opts.log(`${spec.name} did not stop within ${graceMs} ms; killing it`);
              child.kill('SIGKILL');
            }, graceMs);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** One readiness question to a `/readyz` URL: 200 is ready; the rest says why not. */
export async function askReadyz(url: string): Promise<Readiness> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (res.status === 200) return READY;
    const body = (await res.json().catch(() => ({}))) as { unavailable?: unknown };
    const unavailable = Array.isArray(body.unavailable) ? body.unavailable.join(', ') : undefined;
    return notReady(
      unavailable ? `/readyz: ${unavailable} unreachable` : `/readyz answered ${res.status}`,
    );
  } catch {
    return notReady('not listening yet');
  }
}
