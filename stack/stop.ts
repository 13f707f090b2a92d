import { seconds } from './progress';
import { stopProcess } from './process';
import { type LocalServerState, readState, removeState, writeState } from './state';
import type { Progress, ServerName } from './types';

/** Stops one recorded server, reporting what happened. */
export async function stopServer(
  name: ServerName,
  server: LocalServerState,
  progress: Progress,
): Promise<void> {
  const started = Date.now();
  const outcome = await stopProcess(
    { pid: server.pid, group: server.group, markers: server.markers },
    server.graceMs,
  );
  const what: Record<typeof outcome, string> = {
    'not-running': 'was not running',
    'not-ours': 'pid now belongs to another program; left alone',
    terminated: `stopped in ${seconds(started)}`,
    killed: `did not stop within ${server.graceMs / 1000}s; killed`,
  };
  progress(`${name}: pid ${server.pid} ${what[outcome]}`);
}

/**
 * Stops `names` (default: every server the state file says this stack started) and drops them
 * from the state file; external servers are never touched.
 */
export async function stopStackDir(
  dir: string,
  progress: Progress,
  names?: ServerName[],
): Promise<ServerName[]> {
  const state = await readState(dir);
  if (!state) return [];
  const targets = (Object.keys(state.servers) as ServerName[]).filter(
    (n) => state.servers[n]?.kind === 'local' && (!names || names.includes(n)),
  );
  if (targets.length === 0) return [];
  await Promise.all(
    targets.map((n) => stopServer(n, state.servers[n] as LocalServerState, progress)),
  );
  // Re-read: a concurrent start may have changed other entries meanwhile.
  const latest = (await readState(dir)) ?? state;
  for (const n of targets) delete latest.servers[n];
  const anyLocalLeft = Object.values(latest.servers).some((s) => s?.kind === 'local');
  if (anyLocalLeft) await writeState(latest);
  else await removeState(dir);
  return targets;
}
