import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SchemathesisRun {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  /** The closing summary, e.g. "== 2 warnings in 11.40s ==", and the test-case count line. */
  summary: string[];
}

/**
 * Runs `schemathesis run` with every check against `schemaUrl`, bounded by `maxExamples` per
 * operation and killed after `timeoutMs`. Output is streamed to stderr as it comes (Jest does
 * not buffer it there), so a slow run shows its progress.
 */
export function runSchemathesis(opts: {
  bin: string;
  schemaUrl: string;
  headers: Record<string, string>;
  maxExamples: number;
  seed: number;
  timeoutMs: number;
}): Promise<SchemathesisRun> {
  const args = [
    'run',
    opts.schemaUrl,
    '--checks',
    'all',
    '--max-examples',
    String(opts.maxExamples),
    '--seed',
    String(opts.seed),
    '--request-timeout',
    '10',
    '--no-color',
    ...Object.entries(opts.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
  ];
  // Its working files (.hypothesis) go to a temporary directory, not into the clone.
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'order-saga-schemathesis-'));
  return new Promise((resolve, reject) => {
    const child = spawn(opts.bin, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const echo = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      process.stderr.write(text.replace(/^(?=.)/gm, '[schemathesis] '));
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      const lines = output.split('\n');
      const summary = lines.filter(
        (l) => /^=+ .* in [\d.]+s =+$/.test(l.trim()) || /^\s*\d+ generated/.test(l),
      );
      resolve({ exitCode, timedOut, output, summary: summary.map((l) => l.trim()) });
    });
  });
}
