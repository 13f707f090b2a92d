import { createLogger } from '../../lib/logger';
import type { InProcessSystem, InProcessSystemOptions } from '../../system/in-process';
import { startInProcessSystem } from '../../system/in-process';
import { testServers } from '../setup/servers';

// The whole system (system/in-process.ts) on the servers of the integration tier's global
// setup, isolated for one test file: its own Temporal namespace, event topic, consumer group
// and databases.

export type TestSystem = InProcessSystem;

export type TestSystemOptions = Pick<
  InProcessSystemOptions,
  'tracing' | 'codecKeys' | 'apiPort' | 'temporalUiUrl' | 'projectorThreads' | 'onProjectorProgress'
> & {
  /** Another Temporal server than the global setup's (e.g. one whose UI uses the codec server). */
  temporalAddress?: string;
};

export function startTestSystem(
  name: string,
  { temporalAddress, ...options }: TestSystemOptions = {},
): Promise<TestSystem> {
  return startInProcessSystem({
    ...options,
    servers: { ...testServers(), ...(temporalAddress && { temporalAddress }) },
    name,
    logger: createLogger(`e2e-${name}`, process.env.E2E_LOG_LEVEL ?? 'error'),
  });
}
