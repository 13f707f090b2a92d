// `npm start`: the local stack (as `stack:up`), then every application process under a small
// supervisor. Ctrl-C (or SIGTERM) drains the processes, then stops the servers this run started.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEV_CODEC_KEYS } from '../lib/codec';
import { startStack, stackDirFromEnv, stackPortsFromEnv } from '../stack';
import { SYSTEM_PROCESSES } from '../system/processes';
import { Supervisor, type ProcessSpec } from './supervisor';

const root = path.resolve(__dirname, '..');
const log = (line: string): void => void process.stderr.write(`[start] ${line}\n`);

/** Every process of the system; until a feature lands, its entry point is skipped. */
const PROCESSES: ProcessSpec[] = Object.values(SYSTEM_PROCESSES).map((p) => ({
  name: p.process,
  entry: p.entry,
}));

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
    // Own session: the terminal's Ctrl-C reaches this supervisor, which stops servers last.
    detached: true,
    ...(codecServer && { temporalUiCodecEndpoint: `http://127.0.0.1:${port}/codec` }),
  });
  const uiUrl = stack.temporalUiUrl ?? env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
  const appEnv: NodeJS.ProcessEnv = {
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
  const supervisor = new Supervisor(present, { cwd: root, baseEnv: appEnv, log });
  supervisor.start();

  log(`processes: ${present.map((p) => p.name).join(', ')}`);
  log(`API:         http://127.0.0.1:${port}  (docs: http://127.0.0.1:${port}/docs)`);
  log(`Temporal UI: ${uiUrl}`);
  log(`stack dir:   ${stack.dir}  (servers started now: ${stack.started.join(', ') || 'none'})`);
  log('Ctrl-C to stop');

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
