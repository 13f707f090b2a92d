import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessSpec {
  name: string;
  /** Entry point run with tsx, relative to the repository root. */
  entry: string;
  env?: NodeJS.ProcessEnv;
}

interface Supervised {
  spec: ProcessSpec;
  child?: ChildProcess;
  restarts: number;
}

/**
 * Runs each process as its own child (the shape it has in production: one process per service),
 * restarts a crashed one with backoff, and on stop sends SIGTERM to all and waits for their
 * graceful shutdown before escalating to SIGKILL.
 */
export class Supervisor {
  private readonly procs: Supervised[];
  private stopping = false;

  constructor(
    specs: ProcessSpec[],
    private readonly opts: { cwd: string; baseEnv: NodeJS.ProcessEnv; log: (line: string) => void },
  ) {
    this.procs = specs.map((spec) => ({ spec, restarts: 0 }));
  }

  start(): void {
    for (const p of this.procs) this.launch(p);
  }

  private launch(p: Supervised): void {
    const child = spawn(process.execPath, ['--import', 'tsx', p.spec.entry], {
      cwd: this.opts.cwd,
      env: { ...this.opts.baseEnv, ...p.spec.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.child = child;
    child.on('exit', (code, signal) => {
      p.child = undefined;
      if (this.stopping) return;
      // Exponential backoff, capped, so a crash loop does not spin the CPU.
      const delay = Math.min(30_000, 500 * 2 ** p.restarts++);
      this.opts.log(
        `${p.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
      );
      setTimeout(() => this.stopping || this.launch(p), delay).unref();
    });
  }

  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
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
