// Where a step's wall time goes: named phases in order (setup, warm-up, measured run, checks,
// baseline, teardown), reported in the step's details as `phase_seconds`. Pure but for the
// clock, which tests inject.

export interface Phases {
  /** Ends the current phase under `name` and starts the next one. */
  mark(name: string): void;
  /** `setup=3.1 orders=12.4 ...`: seconds per phase, in order (a repeated name adds up). */
  summary(): string;
}

export function phaseTimer(now: () => number = () => performance.now()): Phases {
  let last = now();
  const seconds = new Map<string, number>();
  return {
    mark(name) {
      const t = now();
      seconds.set(name, (seconds.get(name) ?? 0) + (t - last) / 1000);
      last = t;
    },
    summary() {
      return [...seconds].map(([name, s]) => `${name}=${s.toFixed(1)}`).join(' ');
    },
  };
}
