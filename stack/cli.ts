// `npm run stack:up|status|down|provision`: the local stack on the default (or STACK_*) ports.
import { splitBrokers, stackDirFromEnv, stackPortsFromEnv } from './config';
import { mongoUrlFor } from './mongo-args';
import { REPO_ROOT } from './paths';
import { probePostgres, probeStack, type ProbeResult } from './probes';
import { seconds, stderrProgress } from './progress';
import { provision } from './provision';
import { treeRssBytes } from './process';
import { startStack } from './start';
import { readState, stateFile, type StackState } from './state';
import { stopStackDir } from './stop';
import type { StackAddresses } from './types';

const USAGE = 'usage: tsx stack/cli.ts <up|status|down|provision>';

async function main(cmd: string | undefined): Promise<number> {
  const env = process.env;
  const dir = stackDirFromEnv(env, REPO_ROOT);
  const started = Date.now();
  switch (cmd ?? '') {
    case 'provision': {
      const bins = await provision({ onProgress: stderrProgress, env });
      console.log(JSON.stringify(bins, null, 2));
      return 0;
    }
    case 'up': {
      await startStack({ dir, ports: stackPortsFromEnv(env), env, detached: true });
      stderrProgress(`stack up in ${seconds(started)}`);
      return status(dir);
    }
    case 'status':
      return status(dir);
    case 'down': {
      const stopped = await stopStackDir(dir, stderrProgress);
      console.log(
        stopped.length > 0
          ? `stopped ${stopped.join(', ')} in ${seconds(started)} (data kept in ${dir})`
          : `nothing to stop (no running servers recorded in ${stateFile(dir)})`,
      );
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

/** Addresses from the state file; without one, where a stack would be (so probes say "down"). */
function addresses(state: StackState | undefined): StackAddresses {
  const ports = stackPortsFromEnv(process.env);
  const s = state?.servers ?? {};
  const temporal = s.temporal;
  const uiUrl =
    temporal?.kind === 'local'
      ? temporal.uiUrl
      : state
        ? undefined
        : `http://127.0.0.1:${ports.temporalUi}`;
  return {
    temporalAddress: temporal?.address ?? `127.0.0.1:${ports.temporal}`,
    ...(uiUrl ? { temporalUiUrl: uiUrl } : {}),
    kafkaBrokers: splitBrokers(s.kafka?.address ?? `127.0.0.1:${ports.kafka}`),
    mongoUrl: s.mongo?.address ?? mongoUrlFor(ports.mongo),
  };
}

async function status(dir: string): Promise<number> {
  const state = await readState(dir);
  const results = await probeStack(addresses(state));
  const mongo = state?.servers.mongo;
  if (mongo?.kind === 'local' && mongo.postgres) {
    results.push(await probePostgres(mongo.postgres.address, mongo.postgres.pgBin));
  }
  console.log(`stack dir: ${dir}${state ? '' : ' (no state file: nothing started here)'}`);
  let totalRss = 0;
  for (const r of results) {
    // PostgreSQL is ferretdb-local's child: its memory is counted in the mongo line.
    const server = r.server === 'postgres' ? undefined : state?.servers[r.server];
    let origin = r.server === 'postgres' ? 'run by the mongo server' : 'not started by the stack';
    if (server?.kind === 'external') origin = 'external';
    if (server?.kind === 'local') {
      const rss = treeRssBytes(server.pid);
      totalRss += rss ?? 0;
      origin = rss
        ? `pid ${server.pid}, rss ${Math.round(rss / 2 ** 20)} MiB with its children`
        : `pid ${server.pid} not running; see ${server.log}`;
    }
    console.log(formatLine(r, origin));
  }
  if (totalRss > 0) console.log(`memory: ${Math.round(totalRss / 2 ** 20)} MiB RSS in total`);
  const ok = results.every((r) => r.ok);
  if (!ok) console.log('not all servers answer (logs in <stack dir>/logs)');
  return ok ? 0 : 1;
}

function formatLine(r: ProbeResult, origin: string): string {
  const ui = r.uiUrl ? `  UI ${r.uiUrl}` : '';
  return `${r.server.padEnd(8)} ${r.ok ? 'up  ' : 'DOWN'}  ${r.address}${ui}  (${r.detail}; ${origin}; ${r.ms} ms)`;
}

main(process.argv[2]).then(
  // Explicit exit: gRPC and Kafka clients can keep the event loop alive briefly.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
