import { readFileSync } from 'node:fs';
import { processTree } from '../stack/process';

// CPU seconds per process of a bench run (this Node process and each server the run started),
// so a step's details show which process its wall time was spent in. A server counts with its
// children: the MongoDB-wire server is FerretDB plus the PostgreSQL it runs, whose backends do
// most of the work. Linux /proc; elsewhere the servers are simply left out.

/**
 * utime + stime + cutime + cstime, in clock ticks, from the text of /proc/<pid>/stat (pure):
 * its own CPU and that of the children it has reaped (PostgreSQL's ended backends).
 */
export function statTicks(stat: string): number {
  // The command name (field 2) is in parentheses and may contain spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/**
 * CPU seconds so far of a process and every live descendant (ended ones are in their parent's
 * reaped-children times), or undefined when the process cannot be read.
 */
export function processCpuSeconds(pid: number, ticksPerSecond = 100): number | undefined {
  let total: number | undefined;
  for (const p of processTree(pid)) {
    try {
      total = (total ?? 0) + statTicks(readFileSync(`/proc/${p}/stat`, 'utf8')) / ticksPerSecond;
    } catch {
      if (p === pid) return undefined; // the server itself is gone
    }
  }
  return total;
}

export type CpuSample = Record<string, number>;

/** Each named pid's CPU seconds (with its descendants); a pid that is gone is left out. */
export function pidsCpu(pids: Readonly<Record<string, number>>): CpuSample {
  const sample: CpuSample = {};
  for (const [name, pid] of Object.entries(pids)) {
    const s = processCpuSeconds(pid);
    if (s !== undefined) sample[name] = s;
  }
  return sample;
}

/** This process's CPU seconds (user + system, as `node`) and each named pid's. */
export function sampleCpu(pids: Readonly<Record<string, number>>): CpuSample {
  const { user, system } = process.cpuUsage();
  return { node: (user + system) / 1e6, ...pidsCpu(pids) };
}

/** CPU seconds each process sampled both times spent between the samples, largest first. */
function spentSeconds(before: CpuSample, after: CpuSample): (readonly [string, number])[] {
  return Object.keys(after)
    .filter((k) => k in before)
    .map((k) => [k, after[k] - before[k]] as const)
    .sort((a, b) => b[1] - a[1]);
}

/** `node=12.3 mongo=4.1 ...`: CPU seconds spent between two samples, largest first (pure). */
export function cpuDelta(before: CpuSample, after: CpuSample): string {
  return spentSeconds(before, after)
    .map(([k, s]) => `${k}=${s.toFixed(1)}`)
    .join(' ');
}

/**
 * `total=412 node=230 temporal=81 ...`: CPU milliseconds per unit of work (an order, a workflow)
 * spent between two samples, the sum of every process first (pure). On a machine whose cores
 * are busy, a row's throughput against its baseline cannot beat the inverse of their totals.
 */
export function cpuPerUnit(before: CpuSample, after: CpuSample, units: number): string {
  const spent = spentSeconds(before, after).map(([k, s]) => [k, (s * 1000) / units] as const);
  const total = spent.reduce((sum, [, ms]) => sum + ms, 0);
  return [['total', total] as const, ...spent].map(([k, ms]) => `${k}=${ms.toFixed(0)}`).join(' ');
}
