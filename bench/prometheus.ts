// Reading a process's counters from its Prometheus text exposition (prom-client's /metrics and
// the Temporal Core runtime's): pure but for `scrape` (unit-tested), so the deployed processes
// and the in-process system are read the same way.

import { describeError } from './errors';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Every sample line of an exposition (comments and blank lines skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const hasLabels = brace !== -1 && (space === -1 || brace < space);
    const end = hasLabels ? line.lastIndexOf('}') : space;
    if (end <= 0) continue;
    const name = line.slice(0, hasLabels ? brace : space);
    const labels: Record<string, string> = {};
    if (hasLabels)
      for (const m of line.slice(brace + 1, end).matchAll(LABEL)) labels[m[1]] = unescape(m[2]);
    const value = Number(
      line
        .slice(end + 1)
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) samples.push({ name, labels, value });
  }
  return samples;
}

/** The samples of metric `name` summed by `key` (undefined: left out). */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  key: (labels: Record<string, string>) => string | undefined,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = key(s.labels);
    if (k !== undefined) sums.set(k, (sums.get(k) ?? 0) + s.value);
  }
  return sums;
}

/** The samples `url` serves now (bounded: a process that does not answer fails the step). */
export async function scrape(url: string): Promise<Sample[]> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`reading ${url}: ${describeError(error)}`);
  }
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parseExposition(await res.text());
}
