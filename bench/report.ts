// The shape of a bench run's results and its text table. Pure (unit-tested).

import type { CostTable } from './cost';

/** One measured figure: the project's code path or its bare baseline. */
export interface Figure {
  label: string;
  value: number;
  unit: string;
}

export interface BenchResult {
  /** e.g. "saga x1". */
  name: string;
  subject: Figure;
  baseline: Figure;
  /** subject ÷ baseline (higher is better for rates; the project is slower when < 1). */
  ratio: number;
  /** Further baselines for the same subject (e.g. the saga's stricter business-steps one). */
  alsoAgainst?: { baseline: Figure; ratio: number }[];
  /** Further measured facts (latency percentiles, shares per instance, checks). */
  details: Record<string, string | number | boolean>;
  /** What one unit of work cost, beside its baseline's (bench/cost.ts; the saga rows). */
  cost?: CostTable;
}

export interface BenchReport {
  startedAt: string;
  quick: boolean;
  servers: { temporal: string; kafka: string; mongo: string; startedHere: string[] };
  settings: Record<string, string | number | boolean>;
  /** Wall time until the servers answered (started here or found). */
  serversSeconds?: number;
  results: BenchResult[];
  /** Steps that threw (the run went on with the others). */
  failures?: { step: string; error: string }[];
  seconds: number;
}

export function ratioOf(subject: number, baseline: number): number {
  return baseline > 0 ? subject / baseline : Number.NaN;
}

/** One side of a rate row: `count` things done in `seconds`, each taking `latency` (ms). */
export interface Timed {
  label: string;
  count: number;
  seconds: number;
  latency: { p50: number; p99: number };
}

/**
 * A row whose project and baseline each did `count` things in `seconds`, as rates per second,
 * with both sides' latency percentiles in the details (`p50_ms`, `bare_p50_ms`, …).
 */
export function rateResult(
  name: string,
  unit: string,
  subject: Timed,
  baseline: Timed,
  details: BenchResult['details'],
): BenchResult {
  const rate = (t: Timed) => t.count / t.seconds;
  return {
    name,
    subject: { label: subject.label, value: rate(subject), unit },
    baseline: { label: baseline.label, value: rate(baseline), unit },
    ratio: ratioOf(rate(subject), rate(baseline)),
    details: {
      ...details,
      p50_ms: subject.latency.p50,
      p99_ms: subject.latency.p99,
      bare_p50_ms: baseline.latency.p50,
      bare_p99_ms: baseline.latency.p99,
    },
  };
}

/** Compact figures: 3 significant digits below 100, integers above. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toString();
  return Number(x.toPrecision(3)).toString();
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) =>
      row
        .map((c, i) =>
          i === 0 || i === 1 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The results table: one row per benchmark, then its details indented below it. */
export function formatTable(results: readonly BenchResult[]): string {
  const head = ['benchmark', 'subject', 'value', 'baseline', 'value', 'unit', 'ratio'];
  const rows = results.flatMap((r) => [
    [
      r.name,
      r.subject.label,
      formatNumber(r.subject.value),
      r.baseline.label,
      formatNumber(r.baseline.value),
      r.subject.unit,
      formatNumber(r.ratio),
    ],
    // A further baseline of the same subject: its own line, the subject's cells left blank.
    ...(r.alsoAgainst ?? []).map((a) => [
      '',
      '',
      '',
      a.baseline.label,
      formatNumber(a.baseline.value),
      a.baseline.unit,
      formatNumber(a.ratio),
    ]),
  ]);
  const table = pad([head, ...rows]);
  const details = results
    .filter((r) => Object.keys(r.details).length > 0)
    .map(
      (r) =>
        `${r.name}: ` +
        Object.entries(r.details)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`)
          .join(' '),
    );
  return details.length ? `${table}\n\n${details.join('\n')}` : table;
}

export function toJson(report: BenchReport): string {
  return JSON.stringify(
    report,
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}
