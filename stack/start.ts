import { promises as fs } from 'node:fs';
import path from 'node:path';
import { requiredTopics } from '../contracts/topics';
import {
  EXTERNAL_ENV,
  kafkaPartitionsFromEnv,
  type Provider,
  selectProviders,
  splitBrokers,
} from './config';
import { acquireLock, cacheRoot } from './cache';
import { kafkaLaunchSpec } from './kafka';
import { type LaunchSpec, launchServer } from './launch';
import { mongoLaunchSpec } from './mongo';
import { mongoUrlFor } from './mongo-args';
import { assertPortsFree } from './ports';
import { isOurProcess, terminateSync } from './process';
import { claimProfile, type StackProfile } from './profile';
import { type Component, provision } from './provision';
import { stderrProgress } from './progress';
import {
  secureServerOptions,
  type SecureServers,
  type SecureStack,
  secureStackInfo,
} from './secure';
import { ensureSecureMaterial } from './secure-material';
import { type LocalServerState, readState, type StackState, writeState } from './state';
import { stopServer, stopStackDir } from './stop';
import { temporalLaunchSpec } from './temporal';
import {
  type Binaries,
  type Progress,
  SERVER_NAMES,
  type ServerName,
  type StackPorts,
} from './types';

export interface StartStackOptions {
  /** Holds data, logs and the state file. */
  dir: string;
  ports: StackPorts;
  /** Read for TEMPORAL_ADDRESS / KAFKA_BROKERS / MONGO_URL (use those, start nothing) and Kafka partitions. */
  env?: NodeJS.ProcessEnv;
  onProgress?: Progress;
  /**
   * true: servers get their own session and outlive this process (the CLI). false (default):
   * they stay in the caller's process group and are also terminated when it exits.
   */
  detached?: boolean;
  /**
   * Remote codec endpoint for the Temporal Web UI (`--ui-codec-endpoint`), e.g. the API's
   * http://127.0.0.1:3000/codec, so the UI shows decrypted payloads. Applies to a dev server
   * started now; one already running keeps the setting it was started with.
   */
  temporalUiCodecEndpoint?: string;
  /**
   * Default `default`. Only the entry points read STACK_PROFILE (stack/cli.ts, scripts/start.ts),
   * so a developer's exported STACK_PROFILE never changes the test tiers' private stacks.
   */
  profile?: StackProfile;
}

export interface RunningStack {
  dir: string;
  profile: StackProfile;
  /** The secure profile's CA, admin client security and each process's client environment. */
  secure?: SecureStack;
  temporalAddress: string;
  temporalUiUrl?: string;
  kafkaBrokers: string[];
  mongoUrl: string;
  temporalCliPath?: string;
  temporalTestServerPath: string;
  /** Servers this call started (not reused, not external). */
  started: ServerName[];
  /** Stops only what this call started. */
  stop(): Promise<void>;
}

/** Which servers the env provides; the secure profile secures only servers it starts. */
function providersFor(
  env: NodeJS.ProcessEnv,
  profile: StackProfile,
  progress: Progress,
): Record<ServerName, Provider> {
  const providers = selectProviders(env);
  for (const name of SERVER_NAMES) {
    const p = providers[name];
    if (p.kind === 'local') continue;
    if (profile === 'secure') {
      throw new Error(
        `STACK_PROFILE=secure starts and secures its own servers: unset ${EXTERNAL_ENV[name]}`,
      );
    }
    progress(`${name}: using ${p.address} from ${EXTERNAL_ENV[name]}; not starting one`);
  }
  return providers;
}

/**
 * Starts the local servers the env does not provide, in parallel, and waits until each answers
 * a real probe. Servers of an earlier start in the same `dir` that still answer on the same
 * ports are reused, so this is idempotent. On any failure, what this call started is stopped.
 */
export async function startStack(opts: StartStackOptions): Promise<RunningStack> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? stderrProgress;
  const detached = opts.detached ?? false;
  const dir = path.resolve(opts.dir);
  const profile = opts.profile ?? 'default';
  await fs.mkdir(path.join(dir, 'logs'), { recursive: true });

  const providers = providersFor(env, profile, progress);
  const locals = SERVER_NAMES.filter((n) => providers[n].kind === 'local');
  await claimProfile(dir, profile);
  const material = profile === 'secure' ? await ensureSecureMaterial(dir, progress) : undefined;
  const secure = material && secureServerOptions(material);
  const components: Component[] = ['temporal', ...locals.filter((n) => n !== 'temporal')];
  const bins = await provision({
    components,
    onProgress: progress,
    env,
    ferretdbOnly: profile === 'secure',
  });

  const prev = await readState(dir);
  const state: StackState = { version: 1, dir, profile, servers: {} };
  const toLaunch: LaunchSpec[] = [];
  for (const name of SERVER_NAMES) {
    const spec = await reuseOrPlan(name, providers[name], state, prev?.servers[name], {
      progress,
      specFor: () => launchSpecFor(name, bins, dir, opts.ports, env, progress, opts, secure),
    });
    if (spec) toLaunch.push(spec);
  }
  const startedHere = await takingTurns(toLaunch.length > 0, env, progress, () =>
    launchAll(toLaunch, state, { dir, detached, progress, env }),
  );

  // Tests and `npm start` own their servers: terminate them even if the caller never calls stop().
  const onExit = (): void => {
    for (const st of Object.values(startedHere)) terminateSync(st);
  };
  if (!detached) process.once('exit', onExit);
  const addresses = stackAddresses(state, opts.ports, profile);
  const temporal = state.servers.temporal;
  const uiUrl = temporal?.kind === 'local' ? temporal.uiUrl : undefined;
  return {
    dir,
    profile,
    ...(material && {
      secure: await secureStackInfo(material, { ...addresses, mongoPort: opts.ports.mongo }),
    }),
    ...addresses,
    ...(uiUrl ? { temporalUiUrl: uiUrl } : {}),
    temporalCliPath: bins.temporalCli,
    temporalTestServerPath: bins.temporalTestServer,
    started: Object.keys(startedHere) as ServerName[],
    stop: async () => {
      process.removeListener('exit', onExit);
      await stopStackDir(dir, progress, Object.keys(startedHere) as ServerName[]);
    },
  };
}

/**
 * Records an external server, or a local one of an earlier start that still answers on the same
 * ports, in `state`; otherwise (stopping a stale one first) returns the spec to launch it with.
 */
async function reuseOrPlan(
  name: ServerName,
  provider: Provider,
  state: StackState,
  old: StackState['servers'][ServerName],
  how: { progress: Progress; specFor: () => Promise<LaunchSpec> },
): Promise<LaunchSpec | undefined> {
  const { progress } = how;
  if (provider.kind === 'external') {
    state.servers[name] = { kind: 'external', address: provider.address };
    if (old?.kind === 'local') await stopServer(name, old, progress); // superseded by env
    return undefined;
  }
  const spec = await how.specFor();
  if (old?.kind === 'local' && isOurProcess(old.pid, old.markers)) {
    const samePorts = old.ports.join() === spec.ports.map((x) => x.port).join();
    if (samePorts && (await spec.isReady().catch(() => false))) {
      progress(`${name}: already running (pid ${old.pid}) at ${old.address}`);
      await spec.afterReady?.();
      state.servers[name] = old;
      return undefined;
    }
    progress(`${name}: pid ${old.pid} does not answer or uses other ports; restarting it`);
    await stopServer(name, old, progress);
  }
  return spec;
}

/**
 * Runs `launch` while no other stack on this machine is starting its servers. Starting a stack
 * is the heaviest minute it has (three JVM, Go and PostgreSQL start-ups); several at once on a
 * 2-core machine (parallel test files with private stacks) made one miss its start-up deadlines
 * in CI. Waiting a few seconds for a turn costs less than a failed run.
 */
async function takingTurns<T>(
  needed: boolean,
  env: NodeJS.ProcessEnv,
  progress: Progress,
  launch: () => Promise<T>,
): Promise<T> {
  if (!needed) return launch();
  const root = cacheRoot(env);
  await fs.mkdir(root, { recursive: true });
  const release = await acquireLock(
    path.join(root, 'stack-start.lock'),
    progress,
    'another stack starting its servers',
  );
  try {
    return await launch();
  } finally {
    await release();
  }
}

/**
 * Launches the servers in parallel and records them in the state file. On any failure, stops
 * what this call started and throws every failure.
 */
async function launchAll(
  toLaunch: readonly LaunchSpec[],
  state: StackState,
  how: { dir: string; detached: boolean; progress: Progress; env: NodeJS.ProcessEnv },
): Promise<Partial<Record<ServerName, LocalServerState>>> {
  await assertPortsFree(toLaunch.flatMap((s) => s.ports));
  const startedHere: Partial<Record<ServerName, LocalServerState>> = {};
  const results = await Promise.allSettled(
    toLaunch.map(async (spec) => {
      const st = await launchServer(spec, how);
      startedHere[spec.name] = st;
      state.servers[spec.name] = st;
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  await writeState(state);
  if (failures.length > 0) {
    await stopStackDir(how.dir, how.progress, Object.keys(startedHere) as ServerName[]);
    const message = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n\n');
    throw new Error(`The local stack did not start (dir ${how.dir}):\n${message}`);
  }
  return startedHere;
}

/** Where the stack's servers answer, started or external. */
function stackAddresses(state: StackState, ports: StackPorts, profile: StackProfile) {
  const { temporal, kafka, mongo } = state.servers;
  return {
    temporalAddress: temporal?.address ?? `127.0.0.1:${ports.temporal}`,
    kafkaBrokers: splitBrokers(kafka?.address ?? `127.0.0.1:${ports.kafka}`),
    mongoUrl: mongo?.address ?? mongoUrlFor(ports.mongo, profile === 'secure'),
  };
}

async function launchSpecFor(
  name: ServerName,
  bins: Binaries,
  dir: string,
  ports: StackPorts,
  env: NodeJS.ProcessEnv,
  progress: Progress,
  opts: Pick<StartStackOptions, 'temporalUiCodecEndpoint'>,
  secure: SecureServers | undefined,
): Promise<LaunchSpec> {
  switch (name) {
    case 'temporal':
      return temporalLaunchSpec({
        temporalCli: bins.temporalCli,
        dir,
        ports,
        uiCodecEndpoint: opts.temporalUiCodecEndpoint,
        secure: secure?.temporal,
      });
    case 'kafka':
      if (!bins.kafka) throw new Error('Kafka was not provisioned');
      return kafkaLaunchSpec({
        ...bins.kafka,
        dir,
        ports,
        topics: requiredTopics(kafkaPartitionsFromEnv(env)),
        progress,
        secure: secure?.kafka,
      });
    case 'mongo':
      if (!bins.mongo) throw new Error('MongoDB was not provisioned');
      return mongoLaunchSpec({ bin: bins.mongo, dir, ports, secure: secure?.mongo, progress });
  }
}
