import type { CompensationStep } from './saga-steps';

// The saga's compensation stack: deterministic, no Temporal imports, so it is unit-tested with
// plain promises and runs unchanged inside the workflow sandbox.

/** Names of the compensating actions (each step's undo in saga-steps.ts). */
export type { CompensationStep } from './saga-steps';

export interface CompensationHooks {
  /** Called before each attempt of a compensation (first run and every retry). */
  onStart?(step: CompensationStep): void;
  /**
   * Called when a compensation fails (after its own activity retries are exhausted). Resolves
   * when it should be tried again, typically after support asked for a retry. The failure is
   * never swallowed: the stack does not move past a step that has not succeeded.
   */
  onFailure(step: CompensationStep, error: unknown): Promise<void>;
}

interface Entry {
  step: CompensationStep;
  run: () => Promise<void>;
}

/**
 * Compensations are pushed BEFORE their step runs: a step that timed out may still have taken
 * effect, so every compensation must be idempotent and tolerate "nothing to undo".
 */
export class CompensationStack {
  private readonly entries: Entry[] = [];

  push(step: CompensationStep, run: () => Promise<void>): void {
    this.entries.push({ step, run });
  }

  /** Steps still to run, in the order they will run (most recent first). */
  get pending(): CompensationStep[] {
    return this.entries.map((e) => e.step).reverse();
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Runs every compensation in reverse order; a failing one is retried when `onFailure` resolves. */
  async unwind(hooks: CompensationHooks): Promise<void> {
    for (;;) {
      const top = this.entries[this.entries.length - 1];
      if (!top) return;
      hooks.onStart?.(top.step);
      try {
        await top.run();
        this.entries.pop();
      } catch (error) {
        await hooks.onFailure(top.step, error);
      }
    }
  }
}
