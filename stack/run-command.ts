import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { withTicker } from './progress';
import type { Progress } from './types';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  progress: Progress;
  /** What the user sees in progress lines, e.g. "mvn: resolving Kafka 3.9.1 jars". */
  label: string;
  /** Full output is appended here; only a tail is kept in memory for error messages. */
  logFile?: string;
  /** Appended to the error when the command fails (e.g. what to install). */
  hint?: string;
  /** The arguments hold secrets: neither the log nor an error shows them. */
  secretArgs?: boolean;
}

const TAIL_CHARS = 4000;

/** Runs a provisioning command to completion with a progress ticker; rejects with its output tail. */
export function runCommand(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  return withTicker(
    opts.progress,
    opts.label,
    () =>
      new Promise<string>((resolve, reject) => {
        const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
        const shown = opts.secretArgs
          ? `${cmd} (arguments not shown: secrets)`
          : `${cmd} ${args.join(' ')}`;
        log?.write(`$ ${shown}\n`);
        let tail = '';
        const child = spawn(cmd, args, {
          cwd: opts.cwd,
          env: opts.env ?? process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const collect = (chunk: Buffer): void => {
          log?.write(chunk);
          tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.once('error', (err) => {
          log?.end();
          reject(new Error(`${opts.label}: cannot run ${cmd}: ${err.message}`));
        });
        child.once('close', (code, signal) => {
          log?.end();
          if (code === 0) return resolve(tail);
          const status = signal ? `signal ${signal}` : `exit code ${String(code)}`;
          const hint = opts.hint ? `\n${opts.hint}` : '';
          reject(
            new Error(
              `${opts.label}: \`${shown}\` failed (${status}). Output tail:\n${tail.trimEnd()}${hint}`,
            ),
          );
        });
      }),
  );
}
