import type { RunningStack } from '../../stack';

// globalSetup and globalTeardown run in the same Jest parent process, but in separate module
// registries: globalThis is the one place both see.
const KEY = '__orderSagaTestStack';

export function keepStack(stack: RunningStack | undefined): void {
  (globalThis as Record<string, unknown>)[KEY] = stack;
}

export function takeStack(): RunningStack | undefined {
  const g = globalThis as Record<string, unknown>;
  const stack = g[KEY] as RunningStack | undefined;
  g[KEY] = undefined;
  return stack;
}
