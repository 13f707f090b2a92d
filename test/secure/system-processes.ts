import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { type Principal, principalOf, type SecureStack } from '../../stack';
import { SYSTEM_PROCESSES, type SystemProcessName } from '../../system/processes';

// Every process of the system as a child process (`node --import tsx <entry>`, as `npm start`
// runs them), each with the client environment of its own principal from the secure stack, so
// each one authenticates to the servers as itself.

const ROOT = path.resolve(__dirname, '../..');

export interface SecureSystemProcesses {
  /** The last lines of every process's log (evidence when the order does not complete). */
  logTails(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSystemProcesses(opts: {
  secure: SecureStack;
  /** What every process gets besides its principal's variables (mode, ports, secrets). */
  baseEnv: NodeJS.ProcessEnv;
  logDir: string;
}): Promise<SecureSystemProcesses> {
  const names = Object.keys(SYSTEM_PROCESSES) as SystemProcessName[];
  const children = new Map<SystemProcessName, { child: ChildProcess; log: string }>();
  for (const name of names) {
    const principal: Principal = principalOf(name);
    const log = path.join(opts.logDir, `app-${name}.log`);
    const out = createWriteStream(log, { flags: 'a' });
    await new Promise((resolve) => out.once('open', resolve));
    const child = spawn(process.execPath, ['--import', 'tsx', SYSTEM_PROCESSES[name].entry], {
      cwd: ROOT,
      env: { ...opts.baseEnv, ...opts.secure.clientEnv[principal] },
      stdio: ['ignore', out, out],
    });
    child.once('exit', () => out.end());
    children.set(name, { child, log });
  }
  return {
    async logTails(lines = 15) {
      const parts = await Promise.all(
        [...children].map(async ([name, { log, child }]) => {
          const text = await fs.readFile(log, 'utf8').catch(() => '');
          const state = child.exitCode === null ? 'running' : `exited ${child.exitCode}`;
          return `--- ${name} (${state}) ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
        }),
      );
      return parts.join('\n');
    },
    async stop() {
      await Promise.all(
        [...children.values()].map(async ({ child }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(kill);
        }),
      );
    },
  };
}
