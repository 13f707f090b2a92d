import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { ensureCached, shortHash } from './cache';
import type { LaunchSpec } from './launch';
import { mongoArgs, mongoUrlFor } from './mongo-args';
import { FERRETDB_SRC } from './paths';
import { provisionPostgres } from './postgres';
import { probeMongo } from './probes';
import { runCommand } from './run-command';
import { findOnPath, requireTools } from './tools';
import type { MongoBinary, Progress, StackPorts } from './types';
import { FERRETDB_VERSION } from './versions';

/**
 * A real `mongod` when installed; otherwise FerretDB 2 on PostgreSQL + DocumentDB, since no
 * registry reachable here ships mongod: PostgreSQL and its extensions (./postgres.ts), and
 * `ferretdb-local` (stack/ferretdb), which embeds FerretDB and runs PostgreSQL beside it.
 */
export async function provisionMongo(
  root: string,
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MongoBinary> {
  const mongod = findOnPath('mongod', env);
  if (mongod) {
    progress(`mongo: using mongod from PATH (${mongod})`);
    return { kind: 'mongod', path: mongod };
  }
  const { pgBin } = await provisionPostgres(root, progress, env);
  const sources = await Promise.all(
    ['main.go', 'go.mod', 'go.sum'].map((f) => fs.readFile(path.join(FERRETDB_SRC, f))),
  );
  const hash = shortHash(...sources);
  const dir = await ensureCached({
    root,
    name: `ferretdb-${FERRETDB_VERSION}-${hash}`,
    stamp: hash,
    progress,
    build: async (target) => {
      const { go } = requireTools(['go'], 'FerretDB (no mongod on PATH)');
      await runCommand(go, ['build', '-trimpath', '-o', path.join(target, 'ferretdb-local'), '.'], {
        cwd: FERRETDB_SRC,
        // Never download a toolchain; -buildvcs=false since the cache key already names the source.
        env: {
          ...env,
          GOTOOLCHAIN: 'local',
          GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
        },
        progress,
        logFile: path.join(target, 'provision.log'),
        label: `go build: FerretDB ${FERRETDB_VERSION} (stack/ferretdb)`,
        hint: 'FerretDB needs Go >= 1.24 (see stack/ferretdb/go.mod).',
      });
    },
  });
  return { kind: 'ferretdb', path: path.join(dir, 'ferretdb-local'), pgBin };
}

/**
 * PostgreSQL refuses to run as root, so ferretdb-local runs it as `postgres`, which must be able
 * to reach its data folder: a stack folder made by mkdtemp (mode 0700) gets o+x (enter, not list).
 */
async function letPostgresIn(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const mode = statSync(dir).mode;
  if ((mode & 0o001) === 0) await fs.chmod(dir, (mode & 0o777) | 0o001);
}

export async function mongoLaunchSpec(opts: {
  bin: MongoBinary;
  dir: string;
  ports: StackPorts;
}): Promise<LaunchSpec> {
  const dataDir = path.join(opts.dir, 'mongo');
  await fs.mkdir(dataDir, { recursive: true });
  await letPostgresIn(opts.dir);
  await letPostgresIn(dataDir);
  const url = mongoUrlFor(opts.ports.mongo);
  const ferret = opts.bin.kind === 'ferretdb';
  return {
    name: 'mongo',
    cmd: opts.bin.path,
    args: mongoArgs(opts.bin, opts.ports, dataDir),
    markers: [opts.bin.path, dataDir],
    ports: [
      { port: opts.ports.mongo, what: 'MongoDB wire, STACK_MONGO_PORT' },
      ...(ferret
        ? [{ port: opts.ports.mongoPostgres, what: 'PostgreSQL, STACK_POSTGRES_PORT' }]
        : []),
    ],
    address: url,
    ...(opts.bin.kind === 'ferretdb'
      ? { postgres: { address: `127.0.0.1:${opts.ports.mongoPostgres}`, pgBin: opts.bin.pgBin } }
      : {}),
    // The first start runs initdb and CREATE EXTENSION (about 5 s here).
    readyTimeoutMs: 90_000,
    // FerretDB stops at once; PostgreSQL's fast shutdown gets up to 20 s in ferretdb-local.
    graceMs: 25_000,
    isReady: async () => (await probeMongo(url, 1500)).ok,
  };
}
