import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

// Where an order's CPU goes inside the deployed shape's Node processes. With
// BENCH_CPU_PROFILE_DIR set, every child process runs with V8's sampling profiler (`--cpu-prof`,
// one profile per thread, written when the process exits) and each saga row records its
// measured window; `npm run bench:profile -- <dir>` (bench/profile-summary.ts) then gives the
// shares of the samples inside the windows by package and folder. The profiler costs CPU
// itself: never set it for the figures the README reports.

/** The profile directory, when profiling was asked for. */
export const cpuProfileDir = (): string | undefined =>
  process.env.BENCH_CPU_PROFILE_DIR || undefined;

/** Node's options that make child `name` write its profiles under the profile directory. */
export function cpuProfileOptions(name: string): string[] {
  const dir = cpuProfileDir();
  if (!dir) return [];
  const own = path.join(path.resolve(dir), name.replace(/[^\w.-]/g, '_'));
  mkdirSync(own, { recursive: true });
  // Not through NODE_OPTIONS, which refuses --cpu-prof.
  return ['--cpu-prof', `--cpu-prof-dir=${own}`];
}

/** One measured window of a row, on the monotonic clock V8's profiles use (nanoseconds). */
export interface ProfileWindow {
  row: string;
  startNs: string;
  endNs: string;
  orders: number;
}

export const WINDOWS_FILE = 'windows.jsonl';

/** Appends a row's window to the profile directory (nothing when not profiling). */
export function recordProfileWindow(window: ProfileWindow): void {
  const dir = cpuProfileDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, WINDOWS_FILE), `${JSON.stringify(window)}\n`);
}
