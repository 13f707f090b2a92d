import { cacheRoot } from './cache';
import { provisionKafka } from './kafka';
import { provisionMongo } from './mongo';
import { seconds, stderrProgress } from './progress';
import { provisionTemporal } from './temporal';
import type { Binaries, Progress } from './types';

export type Component = 'temporal' | 'kafka' | 'mongo';

export interface ProvisionOptions {
  onProgress?: Progress;
  /** Default: all. The Temporal binaries are always provisioned (tests need the test server). */
  components?: Component[];
  env?: NodeJS.ProcessEnv;
  /** FerretDB even when a mongod is on PATH (the secure profile configures FerretDB only). */
  ferretdbOnly?: boolean;
}

/**
 * Makes the stack's executables and jars available in the cache, building only what is
 * missing; on a warm machine this only reads a few marker files.
 */
export async function provision(opts: ProvisionOptions = {}): Promise<Binaries> {
  const progress = opts.onProgress ?? stderrProgress;
  const env = opts.env ?? process.env;
  const root = cacheRoot(env);
  const want = new Set<Component>(opts.components ?? ['temporal', 'kafka', 'mongo']);
  const started = Date.now();
  // Sequential on purpose: pip, mvn and go build each use both cores, and progress stays readable.
  const temporal = await provisionTemporal(root, progress);
  const kafka = want.has('kafka') ? await provisionKafka(root, progress) : undefined;
  const mongo = want.has('mongo')
    ? await provisionMongo(root, progress, env, opts.ferretdbOnly)
    : undefined;
  progress(`provisioned [${[...want].join(', ')}] in ${seconds(started)} (cache ${root})`);
  return {
    ...temporal,
    ...(kafka ? { kafka } : {}),
    ...(mongo ? { mongo } : {}),
  };
}
