import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';

/** True if `pid` exists and is not a zombie (an exited child its parent has not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

export function readCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Every marker must be one of the argv entries: a reused pid will not carry our paths. */
export function cmdlineMatches(argv: string[] | undefined, markers: string[]): boolean {
  return argv !== undefined && markers.every((m) => argv.includes(m));
}

export function isOurProcess(pid: number, markers: string[]): boolean {
  return isAlive(pid) && cmdlineMatches(readCmdline(pid), markers);
}

export interface SpawnedServer {
  pid: number;
  /** Resolves when the process exits (only observable while this Node process lives). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a long-running server with stdout+stderr appended to `logFile`. `detached` puts it in
 * its own session so it outlives the CLI and a terminal's Ctrl-C; otherwise it stays in our
 * process group, so Ctrl-C on a test run also reaches it. Either way it does not keep our
 * event loop alive.
 */
export function spawnServer(opts: {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  detached: boolean;
}): SpawnedServer {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.cmd, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: opts.detached,
      stdio: ['ignore', fd, fd],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', () => resolve({ code: -1, signal: null }));
      },
    );
    child.unref();
    if (child.pid === undefined) throw new Error(`Failed to spawn ${opts.cmd}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

// Checked on this machine: `temporal server start-dev` runs the server and UI in one process,
// FerretDB is one Go process and Kafka is java itself (no wrapper script), so the group signal
// is a safety net for detached stacks rather than a necessity.
export interface StopTarget {
  pid: number;
  /** The pid leads its own process group (spawned detached): signal the whole group. */
  group: boolean;
  markers: string[];
}

/**
 * SIGTERM, then SIGKILL after `graceMs`, but only if the pid still runs our command line
 * (pids are reused). Returns what happened, for progress output.
 */
export async function stopProcess(
  target: StopTarget,
  graceMs: number,
): Promise<'not-running' | 'not-ours' | 'terminated' | 'killed'> {
  if (!isAlive(target.pid)) return 'not-running';
  if (!isOurProcess(target.pid, target.markers)) return 'not-ours';
  signal(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(target.pid)) return 'terminated';
    await new Promise((r) => setTimeout(r, 100));
  }
  signal(target, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(target.pid); i++) await new Promise((r) => setTimeout(r, 100));
  return 'killed';
}

/** Synchronous best-effort SIGTERM, for process 'exit' handlers. */
export function terminateSync(target: StopTarget): void {
  if (isOurProcess(target.pid, target.markers)) signal(target, 'SIGTERM');
}

function signal(target: StopTarget, sig: NodeJS.Signals): void {
  try {
    process.kill(target.group ? -target.pid : target.pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Resident memory of a process in bytes, from /proc (undefined if gone). */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Parent pid of every process, from /proc (empty without procfs). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return parents;
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(e), ppid);
    } catch {
      // exited meanwhile
    }
  }
  return parents;
}

/** `pid` and every process below it (ferretdb-local runs PostgreSQL and its backends). */
export function processTree(pid: number): number[] {
  const parents = parentPids();
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return [...tree];
}

/**
 * Resident memory of a process and all its descendants (PostgreSQL's backends share its buffers,
 * so this over-counts shared pages: an upper bound).
 */
export function treeRssBytes(pid: number): number | undefined {
  if (rssBytes(pid) === undefined) return undefined;
  let total = 0;
  for (const p of processTree(pid)) total += rssBytes(p) ?? 0;
  return total;
}

/** Last `n` lines of a log file, for start-up failure reports. */
export async function tailFile(file: string, n = 20): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return tailLines(text, n);
  } catch {
    return '(no log output)';
  }
}

export function tailLines(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}
