import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { WINDOWS_FILE, type ProfileWindow } from './cpu-profile';

// `npm run bench:profile -- <dir>`: the CPU profiles a deployed bench run wrote with
// BENCH_CPU_PROFILE_DIR=<dir> (bench/cpu-profile.ts), summarised: for each row and each thread
// of each process, the samples inside the row's measured window, as shares of what ran (a
// package of node_modules, a folder of this project, the workflow bundle, Node's internals, the
// garbage collector). Native frames count for the JavaScript that called them. Shares, not
// milliseconds: V8 samples on wall-clock ticks, so on busy cores a thread waiting for a core is
// sampled too; the bench's cost table has each process's CPU per order.

const ROOT = path.resolve(__dirname, '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** What a frame's code is: a package, a project folder, the bundle, Node, or V8's own work. */
export function categoryOf(frame: ProfileNode['callFrame']): string | undefined {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8 and native (program)';
    if (functionName === '(idle)') return 'idle';
    return undefined; // a builtin: counted for its caller
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (url.startsWith('node:')) return 'node internals';
  if (/workflow-bundle|webpack/.test(url)) return 'workflow bundle (sandbox)';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  if (file.startsWith(ROOT)) return `${path.relative(ROOT, file).split(path.sep)[0]}/`;
  return 'other';
}

/** Sampled milliseconds per category within [startUs, endUs] (V8's monotonic clock, µs). */
export function sampledWithin(
  profile: CpuProfile,
  startUs: number,
  endUs: number,
): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map<number, string>();
  const category = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    let at: number | undefined = id;
    let found: string | undefined;
    while (at !== undefined && found === undefined) {
      const node = byId.get(at);
      found = node ? categoryOf(node.callFrame) : 'other';
      at = parent.get(at);
    }
    const result = found ?? 'V8 and native (program)';
    categoryCache.set(id, result);
    return result;
  };
  const ms = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < startUs || t > endUs) continue;
    // A sample stands for the interval since the previous one.
    const c = category(profile.samples[i]);
    ms.set(c, (ms.get(c) ?? 0) + delta / 1000);
  }
  ms.delete('idle');
  return ms;
}

/** `<process dir>/CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile` → a readable thread label. */
function threadLabel(processDir: string, file: string): string {
  const thread = Number(file.split('.')[4] ?? 0);
  return thread === 0 ? processDir : `${processDir} thread ${thread}`;
}

/** The profiles under `dir`, each as its thread's label and file. */
function profileFiles(dir: string): { label: string; file: string }[] {
  return readdirSync(dir)
    .filter((d) => !d.includes('.'))
    .sort()
    .flatMap((processDir) =>
      readdirSync(path.join(dir, processDir))
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => ({ label: threadLabel(processDir, f), file: path.join(dir, processDir, f) })),
    );
}

function summarise(dir: string): string[] {
  const windows = readFileSync(path.join(dir, WINDOWS_FILE), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ProfileWindow)
    .map((w) => ({
      ...w,
      startUs: Number(BigInt(w.startNs) / 1000n),
      endUs: Number(BigInt(w.endNs) / 1000n),
      lines: [] as string[],
    }));
  // Each profile is read once (they are large), and summarised for every window it covers.
  for (const { label, file } of profileFiles(dir)) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    for (const w of windows) {
      if (profile.startTime > w.startUs || profile.endTime < w.endUs) continue; // another row's
      const ms = sampledWithin(profile, w.startUs, w.endUs);
      const total = [...ms.values()].reduce((a, b) => a + b, 0);
      if (total / w.orders < 0.5) continue;
      const top = [...ms.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([c, v]) => `${c} ${Math.round((100 * v) / total)} %`);
      w.lines.push(`  ${label}: ${(total / 1000).toFixed(1)} s sampled: ${top.join(', ')}`);
    }
  }
  return windows.flatMap((w) => [
    `${w.row}: ${w.orders} orders in ${((w.endUs - w.startUs) / 1e6).toFixed(1)} s`,
    ...w.lines,
  ]);
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('Name the directory a bench run profiled into: npm run bench:profile -- <dir>');
    process.exit(2);
  }
  for (const line of summarise(dir)) console.log(line);
}
