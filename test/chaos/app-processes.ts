import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { SERVICES, type Service } from '../../contracts/services';
import { SYSTEM_PROCESSES, type SystemProcessName } from '../../system/processes';
import { chaosLog } from './log';

// The application processes of a chaos run, each a real child process (`node --import tsx
// <entry>`, as `npm start` runs them), so SIGKILL is a real crash: no shutdown hook runs.
// A process that exits by itself (a fatal error it cannot recover from in-process) is started
// again after a second, as a restart policy (compose `restart:`, a Kubernetes pod) would, and
// counted in `unexpectedExits` so a scenario can report it.

export type AppName = SystemProcessName;

/** The line each process logs once it is serving. */
const READY: Record<AppName, string> = {
  ...(Object.fromEntries(SERVICES.map((s) => [s, '"msg":"worker started"'])) as Record<
    Service,
    string
  >),
  projector: '"msg":"metrics on /metrics"',
  api: '"msg":"api listening"',
};

export const APP_NAMES = Object.keys(SYSTEM_PROCESSES) as AppName[];

const ROOT = path.resolve(__dirname, '../..');

interface Running {
  child: ChildProcess;
  log: string;
  /** Bytes of the log before this launch: readiness is looked for after them. */
  logOffset: number;
  exited: Promise<void>;
  /** Set before this harness stops or kills it: the exit is not a crash to restart. */
  expected?: boolean;
}

export class AppProcesses {
  private readonly running = new Map<AppName, Running>();
  /** Every pid this run started, for the report and for a last-resort kill. */
  readonly pids: number[] = [];
  /** Processes that exited without being told to, by name, in order. */
  readonly unexpectedExits: AppName[] = [];
  private stopping = false;

  constructor(
    private readonly logDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(name: AppName, timeoutMs = 90_000): Promise<void> {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const log = path.join(this.logDir, `app-${name}.log`);
    const logOffset = await fs.stat(log).then(
      (s) => s.size,
      () => 0,
    );
    const out = createWriteStream(log, { flags: 'a' });
    await new Promise((resolve) => out.once('open', resolve));
    const child = spawn(process.execPath, ['--import', 'tsx', SYSTEM_PROCESSES[name].entry], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    this.pids.push(child.pid);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        out.end();
        resolve();
        if (run.expected || this.running.get(name) !== run) return;
        this.running.delete(name);
        this.unexpectedExits.push(name);
        chaosLog(
          `${name} (pid ${child.pid}) exited by itself (${signal ?? `code ${code}`}); restarting`,
        );
        setTimeout(() => {
          if (this.running.has(name) || this.stopping) return;
          this.start(name).catch((error: unknown) =>
            chaosLog(`restarting ${name} failed: ${String(error)}`),
          );
        }, 1_000);
      }),
    );
    const run: Running = { child, log, logOffset, exited };
    this.running.set(name, run);
    await this.waitReady(name, timeoutMs);
    chaosLog(`${name} ready (pid ${child.pid})`);
  }

  private async waitReady(name: AppName, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = this.running.get(name);
      if (!run) throw new Error(`${name} is not running`);
      const text = (await fs.readFile(run.log, 'utf8')).slice(run.logOffset);
      if (text.includes(READY[name])) return;
      if (run.child.exitCode !== null || run.child.signalCode !== null)
        throw new Error(`${name} exited before it was ready:\n${text.slice(-2000)}`);
      if (Date.now() > deadline)
        throw new Error(`${name} not ready in ${timeoutMs} ms:\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(name: AppName): Promise<void> {
    return this.killAll([name]);
  }

  /**
   * SIGKILL to every named process in one go (a host or node crash: none of them gets to react
   * to the others' death), then waits until all are gone.
   */
  async killAll(names: readonly AppName[]): Promise<void> {
    const runs = names.map((name) => {
      const run = this.running.get(name);
      if (!run) throw new Error(`${name} is not running`);
      run.expected = true;
      return { name, run };
    });
    for (const { run } of runs) run.child.kill('SIGKILL');
    await Promise.all(runs.map(({ run }) => run.exited));
    for (const { name } of runs) this.running.delete(name);
    const which = runs.map(({ name, run }) => `${name} (pid ${run.child.pid})`).join(', ');
    chaosLog(`killed ${which} with SIGKILL`);
  }

  /** Lines the process logged at error/fatal level since the run began (evidence for reports). */
  async errorLines(name: AppName, max = 5): Promise<string[]> {
    const text = await fs
      .readFile(path.join(this.logDir, `app-${name}.log`), 'utf8')
      .catch(() => '');
    return text
      .split('\n')
      .filter((l) => /"level":"(error|fatal)"/.test(l))
      .slice(-max)
      .map((l) => l.slice(0, 400));
  }

  /** SIGTERM to every process still running, SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.running.entries()].map(async ([name, run]) => {
        run.expected = true;
        const timer = setTimeout(() => run.child.kill('SIGKILL'), graceMs);
        run.child.kill('SIGTERM');
        await run.exited;
        clearTimeout(timer);
        this.running.delete(name);
      }),
    );
  }
}
