// The state file of a running stack: what was started (pids, markers, ports) and where it answers.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StackProfile } from './profile';
import type { ServerName } from './types';

export interface LocalServerState {
  kind: 'local';
  pid: number;
  /** Spawned in its own process group (CLI stacks), so stop signals the group. */
  group: boolean;
  /** argv entries the pid must still have before we signal it (pids are reused). */
  markers: string[];
  ports: number[];
  /** How long a SIGTERM may take before SIGKILL (Kafka's controlled shutdown is slow). */
  graceMs: number;
  address: string;
  uiUrl?: string;
  postgres?: PostgresBackend;
  log: string;
  startedAt: string;
}

export interface PostgresBackend {
  address: string;
  /** Directory holding `pg_isready`. */
  pgBin: string;
}

export interface ExternalServerState {
  kind: 'external';
  address: string;
}

export type ServerState = LocalServerState | ExternalServerState;

export interface StackState {
  version: 1;
  dir: string;
  /** Absent in state files written before profiles existed: `default`. */
  profile?: StackProfile;
  servers: Partial<Record<ServerName, ServerState>>;
}

export const stateFile = (dir: string): string => path.join(dir, 'stack.json');

export async function readState(dir: string): Promise<StackState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(stateFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as StackState;
  if (parsed.version !== 1 || typeof parsed.servers !== 'object') {
    throw new Error(
      `Unrecognised stack state file ${stateFile(dir)}; remove it after stopping servers`,
    );
  }
  return parsed;
}

/** Written atomically so a concurrent `status` never reads half a file. */
export async function writeState(state: StackState): Promise<void> {
  const file = stateFile(state.dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await fs.rename(tmp, file);
}

export async function removeState(dir: string): Promise<void> {
  await fs.rm(stateFile(dir), { force: true });
}
