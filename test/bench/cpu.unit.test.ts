import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuDelta, cpuPerUnit, processCpuSeconds, sampleCpu, statTicks } from '../../bench/cpu';

describe('CPU accounting', () => {
  it('reads utime + stime + reaped children from /proc/<pid>/stat, whatever the name holds', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 250 50 7 3 20 0 1';
    expect(statTicks(`42 (node) ${rest}`)).toBe(310);
    expect(statTicks(`42 (a (weird) name) ${rest}`)).toBe(310);
  });

  it("counts a server's live children (PostgreSQL's backends under ferretdb-local)", async () => {
    // A child that burns half a second of CPU, then stays alive (not reaped: not in our cutime).
    const child = spawn(process.execPath, [
      '-e',
      // Measured in its own CPU time, so a loaded machine only makes it take longer. The inner
      // loop burns user time between checks: checking alone is a syscall, mostly system time.
      'let x = 0; while (process.cpuUsage().user < 500000) for (let i = 0; i < 1e6; i++) x += i;' +
        ' console.log("done", x > 0); setTimeout(() => {}, 60000);',
    ]);
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const ownOnly = statTicks(readFileSync(`/proc/${process.pid}/stat`, 'utf8')) / 100;
      const withTree = processCpuSeconds(process.pid) ?? 0;
      expect(withTree - ownOnly).toBeGreaterThan(0.3);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('samples this process', () => {
    expect(sampleCpu({}).node).toBeGreaterThan(0);
    expect(sampleCpu({ gone: 2 ** 30 })).not.toHaveProperty('gone');
  });

  it('reports the seconds spent between two samples, largest first', () => {
    expect(cpuDelta({ node: 1, mongo: 2, kafka: 1 }, { node: 4, mongo: 2.5, kafka: 1 })).toBe(
      'node=3.0 mongo=0.5 kafka=0.0',
    );
    expect(cpuDelta({ node: 1 }, { node: 2, late: 5 })).toBe('node=1.0');
  });

  it('reports milliseconds per unit of work, their sum first', () => {
    expect(cpuPerUnit({ node: 1, mongo: 2 }, { node: 3, mongo: 2.5, late: 9 }, 10)).toBe(
      'total=250 node=200 mongo=50',
    );
  });
});
