// `npm start`: the local stack (as `stack:up`), then every application process under a small
// supervisor. It says `ready in … s` (then where the API and the Temporal UI are) once every
// process is ready: the workers poll their task queues, the projector has joined its group and
// caught up, the API's /readyz answers 200; until then it says what each is doing. Ctrl-C (or
// SIGTERM) drains the processes, then stops the servers this run started.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEV_CODEC_KEYS } from '../lib/codec';
import {
  type Principal,
  stackDirFromEnv,
  stackPortsFromEnv,
  stackProfileFromEnv,
  startStack,
} from '../stack';
import { SYSTEM_PROCESSES } from '../system/processes';
import { Supervisor, type ProcessReadiness, type ProcessSpec } from './supervisor';

const root = path.resolve(__dirname, '..');
const log = (line: string): void => void process.stderr.write(`[start] ${line}\n`);

/** Every process of the system; until a feature lands, its entry point is skipped. */
const PROCESSES = Object.values(SYSTEM_PROCESSES).map((p) => ({
  name: p.process,
  entry: p.entry,
  readiness: p.readiness,
}));

/** How often the processes not ready yet are listed. */
const PROGRESS_EVERY_MS = 3_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `worker-orders (9.1 s): bundling the workflow code; projector (8.7 s): joining …` */
const describeWaiting = (waiting: ProcessReadiness[]): string =>
  waiting
    .map(
      (w) =>
        `${w.name} (${seconds(w.elapsedMs)}): ${w.readiness.ready ? 'ready' : w.readiness.status}`,
    )
    .join('; ');

async function main(): Promise<void> {
  const env = process.env;
  const port = env.PORT ?? '3000';
  // Locally, payloads are encrypted with the published dev key (CODEC_KEYS= turns it off) and the
  // API serves the codec server, so the Temporal UI shows them decoded.
  const codecKeys = env.CODEC_KEYS ?? DEV_CODEC_KEYS;
  const codecServer = codecKeys !== '' && (env.CODEC_SERVER_ENABLED ?? 'true') === 'true';
  const stack = await startStack({
    dir: stackDirFromEnv(env, root),
    ports: stackPortsFromEnv(env),
    env,
    profile: stackProfileFromEnv(env),
    // Own session: the terminal's Ctrl-C reaches this supervisor, which stops servers last.
    detached: true,
    ...(codecServer && { temporalUiCodecEndpoint: `http://127.0.0.1:${port}/codec` }),
  });
  const uiUrl = stack.temporalUiUrl ?? env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  const appEnv: NodeJS.ProcessEnv = {
    // The laptop: development defaults (published secrets, simulated payments), loopback only.
    LOCAL_MODE: 'true',
    PAYMENT_PROVIDER: 'simulated',
    // The API's metrics take 9464; two servers on one port would leave one process crash-looping.
    PROJECTOR_METRICS_PORT: '9465',
    ...env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    MONGO_URL: stack.mongoUrl,
    TEMPORAL_UI_URL: uiUrl,
    PORT: port,
    CODEC_KEYS: codecKeys,
    CODEC_SERVER_ENABLED: String(codecServer),
  };

  const present = PROCESSES.filter((p) => existsSync(path.join(root, p.entry)));
  const missing = PROCESSES.filter((p) => !present.includes(p));
  if (missing.length > 0) log(`not built yet, skipped: ${missing.map((p) => p.name).join(', ')}`);
  // The API listens on loopback unless HOST says otherwise; a wildcard is reached on loopback.
  const apiHost = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const specs: ProcessSpec[] = present.map((p) => ({
    name: p.name,
    entry: p.entry,
    readiness:
      p.readiness === 'readyz'
        ? { kind: 'http', url: `http://${apiHost}:${port}/readyz` }
        : { kind: 'ipc' },
    // STACK_PROFILE=secure: each process connects as its own principal (stack/README.md).
    env: stack.secure?.clientEnv[p.name as Principal],
  }));
  const supervisor = new Supervisor(specs, { cwd: root, baseEnv: appEnv, log });
  stopOnSignals(supervisor, stack);
  supervisor.start();

  log(`processes: ${present.map((p) => p.name).join(', ')}`);
  log(`stack dir: ${stack.dir}  (servers started now: ${stack.started.join(', ') || 'none'})`);
  log('not ready yet: waiting until every process is ready (Ctrl-C to stop)');
  const ready = await supervisor.whenAllReady(
    (waiting) => log(`waiting for ${describeWaiting(waiting)}`),
    PROGRESS_EVERY_MS,
  );
  if (!ready) return;
  log(`ready in ${seconds(process.uptime() * 1000)}: every process is ready`);
  log(`API:         http://127.0.0.1:${port}  (docs: http://127.0.0.1:${port}/docs)`);
  log(`Temporal UI: ${uiUrl}`);
  if (stack.secure) log(`profile:     secure (client environments in ${stack.secure.dir}/env)`);
  log('Ctrl-C to stop');
}

/** Ctrl-C or SIGTERM: drain the processes, then stop the servers this run started. */
function stopOnSignals(
  supervisor: Supervisor,
  stack: { started: string[]; stop(): Promise<void> },
): void {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping processes`);
    void supervisor
      .stop()
      .then(async () => {
        if (stack.started.length > 0) log(`stopping servers: ${stack.started.join(', ')}`);
        await stack.stop();
        log('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
