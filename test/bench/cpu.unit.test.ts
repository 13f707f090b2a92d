import { cpuDelta, sampleCpu, statTicks } from '../../bench/cpu';

describe('CPU accounting', () => {
  it('reads utime + stime from /proc/<pid>/stat, whatever the command name holds', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1';
    expect(statTicks(`42 (node) ${rest}`)).toBe(300);
    expect(statTicks(`42 (a (weird) name) ${rest}`)).toBe(300);
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
});
