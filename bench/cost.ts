import type { CpuSample } from './cpu';
import { formatNumber, type BenchResult } from './report';

// What one unit of work (an order, a bare workflow) costs: CPU by process, MongoDB commands,
// Kafka requests, workflow tasks and activations, from two snapshots of a system's counters
// around the measured work. Pure (unit-tested); bench/system.ts and bench/deployed.ts take the
// snapshots, bench/saga.ts adds the counts read from histories.

/**
 * A system's counters at one moment. `cpu`: CPU seconds by process; an instance of a process
 * that runs several times is named `<process>#<n>` and counts under `<process>` here. `counts`:
 * by `<group>:<item>`, e.g. `mongo_commands:read.orders find`, `kafka_requests:api Metadata`.
 */
export interface CostSnapshot {
  cpu: CpuSample;
  counts: Record<string, number>;
}

/** The groups of a cost table, in the order it prints them. */
export const COST_GROUPS = {
  cpu_ms: 'CPU ms',
  mongo_commands: 'MongoDB commands',
  kafka_requests: 'Kafka requests',
  workflow_tasks: 'workflow tasks',
  local_activities: 'local activities',
  activations: 'activations',
} as const;
export type CostGroup = keyof typeof COST_GROUPS;

/** One line: a group's total (`item` "total") or one of its items; null where not measured. */
export interface CostLine {
  group: CostGroup;
  item: string;
  values: (number | null)[];
}

export interface CostTable {
  /** What each value column is per, e.g. `saga order`, `bare5 workflow`. */
  columns: string[];
  lines: CostLine[];
}

/** `worker-orders#2` → `worker-orders`. */
export const processKind = (name: string): string => name.split('#')[0];

/**
 * Per unit of work between two snapshots: `cpu_ms:<process>` (instances summed; processes
 * sampled both times) and every count's increase (a counter first seen after `before` started
 * at 0).
 */
export function costPerUnit(
  before: CostSnapshot,
  after: CostSnapshot,
  units: number,
): Record<string, number> {
  const per: Record<string, number> = {};
  const add = (key: string, x: number) => (per[key] = (per[key] ?? 0) + x / units);
  for (const [name, seconds] of Object.entries(after.cpu))
    if (name in before.cpu) add(`cpu_ms:${processKind(name)}`, (seconds - before.cpu[name]) * 1000);
  for (const [key, n] of Object.entries(after.counts)) add(key, n - (before.counts[key] ?? 0));
  return per;
}

const split = (key: string): [string, string] => {
  const at = key.indexOf(':');
  return at === -1 ? [key, ''] : [key.slice(0, at), key.slice(at + 1)];
};

/** Items below this per unit in every column are left out of the table (their total keeps them). */
const SHOWN_FROM = 0.05;

/**
 * The table of several columns of per-unit costs: per group, a total (the sum of its items)
 * and its items, largest in the first column first; a group with one unnamed item is one line.
 * A column without any key of a group shows null there (not measured, not zero).
 */
export function costTable(
  columns: readonly string[],
  perUnit: readonly Record<string, number>[],
): CostTable {
  const lines: CostLine[] = [];
  for (const group of Object.keys(COST_GROUPS) as CostGroup[]) {
    const keysOf = (column: Record<string, number>) =>
      Object.keys(column)
        .map(split)
        .filter(([g]) => g === group)
        .map(([, item]) => item);
    const items = new Set(perUnit.flatMap(keysOf));
    const has = perUnit.map((column) => keysOf(column).length > 0);
    if (!has.some(Boolean)) continue;
    const value = (c: number, item: string) =>
      has[c] ? (perUnit[c][`${group}:${item}`] ?? 0) : null;
    const total = perUnit.map((column, c) =>
      has[c]
        ? Object.entries(column)
            .filter(([key]) => split(key)[0] === group)
            .reduce((sum, [, x]) => sum + x, 0)
        : null,
    );
    if (items.size === 1 && items.has('')) {
      lines.push({ group, item: '', values: total });
      continue;
    }
    lines.push({ group, item: 'total', values: total });
    const shown = [...items]
      .map((item) => ({ item, values: perUnit.map((_, c) => value(c, item)) }))
      .filter((l) => l.values.some((x) => x !== null && Math.abs(x) >= SHOWN_FROM))
      .sort((a, b) => (b.values[0] ?? 0) - (a.values[0] ?? 0));
    for (const l of shown) lines.push({ group, ...l });
  }
  return { columns: [...columns], lines };
}

/** The table as text, under `title`: group and item, then one right-aligned value per column. */
export function formatCostTable(title: string, table: CostTable): string {
  const rows = table.lines.map((l, i) => [
    i > 0 && table.lines[i - 1].group === l.group ? '' : COST_GROUPS[l.group],
    l.item,
    ...l.values.map((x) => (x === null ? '-' : formatNumber(x))),
  ]);
  const cells = [[title, '', ...table.columns], ...rows];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Every result's cost table, under its name (results without one are left out). */
export function formatCosts(results: readonly BenchResult[]): string {
  return results
    .flatMap((r) => (r.cost ? [formatCostTable(`${r.name}: cost per unit`, r.cost)] : []))
    .join('\n\n');
}
