// `npm run stack:up|status|down|provision`: the local stack on the default (or STACK_*) ports.
import { promises as fs } from 'node:fs';
import { splitBrokers, stackDirFromEnv, stackPortsFromEnv } from './config';
import { mongoUrlFor } from './mongo-args';
import { REPO_ROOT } from './paths';
import { probePostgres, probeStack, type ProbeResult } from './probes';
import { silentProgress, seconds, stderrProgress } from './progress';
import { provision } from './provision';
import { treeRssBytes } from './process';
import { stackProfileFromEnv } from './profile';
import { adminSecurity } from './secure';
import { ensureSecureMaterial } from './secure-material';
import { type Principal, PRINCIPALS } from './secure-principals';
import { startStack } from './start';
import { readState, stateFile, type StackState } from './state';
import { stopStackDir } from './stop';
import type { StackAddresses } from './types';

const USAGE = `usage: tsx stack/cli.ts <up|status|down|provision|env <principal>>
  STACK_PROFILE=secure selects the secure profile (stack/README.md); env prints a principal's
  client environment in that profile (${PRINCIPALS.join(', ')})`;

async function main(cmd: string | undefined, arg: string | undefined): Promise<number> {
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
      const stack = await startStack({
        dir,
        ports: stackPortsFromEnv(env),
        env,
        detached: true,
        profile: stackProfileFromEnv(env),
      });
      stderrProgress(`stack up in ${seconds(started)} (profile ${stack.profile})`);
      if (stack.secure) {
        stderrProgress(`client environments (0600): ${stack.secure.dir}/env/<principal>.env`);
      }
      return status(dir);
    }
    case 'status':
      return status(dir);
    case 'env':
      return printEnv(dir, arg);
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

/** A principal's env file, for `set -a; . <(npx tsx stack/cli.ts env api)` or a copy. */
async function printEnv(dir: string, principal: string | undefined): Promise<number> {
  if (!PRINCIPALS.includes(principal as Principal)) {
    console.error(USAGE);
    return 2;
  }
  const state = await readState(dir);
  if (state?.profile !== 'secure') {
    console.error(
      `no secure-profile stack recorded in ${dir} (STACK_PROFILE=secure npm run stack:up)`,
    );
    return 1;
  }
  process.stdout.write(await fs.readFile(`${dir}/secure/env/${principal}.env`, 'utf8'));
  return 0;
}

async function status(dir: string): Promise<number> {
  const state = await readState(dir);
  // The secure profile's servers answer only over TLS to a user: the probes log in as the admin.
  const security =
    state?.profile === 'secure'
      ? adminSecurity(await ensureSecureMaterial(dir, silentProgress))
      : undefined;
  const results = await probeStack(addresses(state), 3000, security);
  const mongo = state?.servers.mongo;
  if (mongo?.kind === 'local' && mongo.postgres) {
    results.push(await probePostgres(mongo.postgres.address, mongo.postgres.pgBin));
  }
  const profile = state ? `, profile ${state.profile ?? 'default'}` : '';
  console.log(`stack dir: ${dir}${state ? profile : ' (no state file: nothing started here)'}`);
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

main(process.argv[2], process.argv[3]).then(
  // Explicit exit: gRPC and Kafka clients can keep the event loop alive briefly.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
