import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  freeStackPorts,
  readState,
  startStack,
  stopStackDir,
  type ServerName,
  type StackPorts,
} from '../../stack';
import { chaosLog } from './log';

// A stack owned by one chaos test file: its own temp dir and free ports, never the shared
// integration stack, so killing and restarting its servers disturbs nobody else.

/** Variables that would make startStack use someone else's server instead of starting one. */
const EXTERNAL = ['TEMPORAL_ADDRESS', 'KAFKA_BROKERS', 'MONGO_URL'];

export interface PrivateStack {
  dir: string;
  ports: StackPorts;
  temporalAddress: string;
  kafkaBrokers: string[];
  mongoUrl: string;
  temporalCliPath?: string;
  /** SIGKILLs one server (its pid from the state file); returns the pid. */
  kill(name: ServerName): Promise<number>;
  /** startStack again on the same dir and ports: healthy servers are reused, dead ones started. */
  restart(): Promise<void>;
  /** Stops every server recorded in the state file. */
  stop(): Promise<void>;
}

const progress = (line: string): void => chaosLog(`stack: ${line}`);

export async function startPrivateStack(): Promise<PrivateStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-chaos-'));
  const ports: StackPorts = await freeStackPorts();
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_ORDER_EVENTS_PARTITIONS: '3' };
  for (const name of EXTERNAL) delete env[name];
  const start = () => startStack({ dir, ports, env, onProgress: progress });
  const first = await start().catch(async (error: unknown) => {
    await stopStackDir(dir, progress);
    throw error;
  });
  return {
    dir,
    ports,
    temporalAddress: first.temporalAddress,
    kafkaBrokers: first.kafkaBrokers,
    mongoUrl: first.mongoUrl,
    ...(first.temporalCliPath && { temporalCliPath: first.temporalCliPath }),
    async kill(name) {
      const server = (await readState(dir))?.servers[name];
      if (server?.kind !== 'local') throw new Error(`${name} is not a local server of ${dir}`);
      process.kill(server.pid, 'SIGKILL');
      chaosLog(`killed ${name} (pid ${server.pid}) with SIGKILL`);
      return server.pid;
    },
    async restart() {
      const started = Date.now();
      const again = await start();
      chaosLog(
        `stack restarted ${again.started.join(', ') || 'nothing'} in ${Date.now() - started} ms`,
      );
    },
    async stop() {
      await stopStackDir(dir, progress);
    },
  };
}
