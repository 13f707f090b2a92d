import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureCached, shortHash } from './cache';
import type { LaunchSpec } from './launch';
import { mongoArgs, mongoUrlFor, type SecureMongo } from './mongo-args';
import { FERRETDB_SRC } from './paths';
import { letPostgresReach, provisionPostgres } from './postgres';
import { stderrProgress } from './progress';
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
  ferretdbOnly = false,
): Promise<MongoBinary> {
  const mongod = ferretdbOnly ? undefined : findOnPath('mongod', env);
  if (mongod) {
    progress(`mongo: using mongod from PATH (${mongod})`);
    return { kind: 'mongod', path: mongod };
  }
  const { pgBin } = await provisionPostgres(root, progress, env);
  const sources = await Promise.all(
    [...FERRETDB_SOURCES, OVERLAY].map((f) => fs.readFile(path.join(FERRETDB_SRC, f))),
  );
  const hash = shortHash(...sources, BUILD_RECIPE);
  const dir = await ensureCached({
    root,
    name: `ferretdb-${FERRETDB_VERSION}-${hash}`,
    stamp: hash,
    progress,
    build: (target) => buildFerretdbLocal(target, progress, env),
  });
  return { kind: 'ferretdb', path: path.join(dir, 'ferretdb-local'), pgBin };
}

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB/v2';
const FERRETDB_SOURCES = ['main.go', 'go.mod', 'go.sum'];
/** Part of the cache key: change it when buildFerretdbLocal builds differently. */
const BUILD_RECIPE = 'replace-copy-with-overlay, version.txt';
/** Added to FerretDB's `ferretdb` package; see the file's header. */
const OVERLAY = 'secure.go.overlay';

async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(p);
    else await fs.chmod(p, 0o644);
  }
}

/**
 * `go build` of stack/ferretdb against a copy of FerretDB's module with secure.go.overlay added
 * to its `ferretdb` package (a `replace` to the copy: Go refuses `-overlay` for files in the
 * module cache), in <target>/src, removed afterwards.
 */
async function buildFerretdbLocal(
  target: string,
  progress: Progress,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { go } = requireTools(['go'], 'FerretDB (no mongod on PATH)');
  const src = path.join(target, 'src');
  // Never download a toolchain; -buildvcs=false since the cache key already names the source.
  const goEnv = {
    ...env,
    GOTOOLCHAIN: 'local',
    GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
  };
  const common = { progress, logFile: path.join(target, 'provision.log'), env: goEnv };
  await runCommand(go, ['mod', 'download', FERRETDB_MODULE], {
    ...common,
    cwd: FERRETDB_SRC,
    label: `go mod download: FerretDB ${FERRETDB_VERSION}`,
  });
  const { stdout } = await promisify(execFile)(
    go,
    ['list', '-m', '-f', '{{.Dir}}', FERRETDB_MODULE],
    {
      cwd: FERRETDB_SRC,
      env: goEnv,
    },
  );
  const copy = path.join(src, 'ferretdb-v2');
  await fs.cp(stdout.trim(), copy, { recursive: true });
  await makeWritable(copy); // the module cache is read-only
  await fs.copyFile(
    path.join(FERRETDB_SRC, OVERLAY),
    path.join(copy, 'ferretdb', 'order_saga_secure.go'),
  );
  // A replaced module reports no version (build/version): name it, as a release build does.
  await fs.writeFile(path.join(copy, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);
  for (const f of FERRETDB_SOURCES)
    await fs.copyFile(path.join(FERRETDB_SRC, f), path.join(src, f));
  await runCommand(go, ['mod', 'edit', `-replace=${FERRETDB_MODULE}=./ferretdb-v2`], {
    ...common,
    cwd: src,
    label: 'go mod edit: FerretDB with the secure overlay',
  });
  await runCommand(go, ['build', '-trimpath', '-o', path.join(target, 'ferretdb-local'), '.'], {
    ...common,
    cwd: src,
    label: `go build: FerretDB ${FERRETDB_VERSION} (stack/ferretdb)`,
    hint: 'FerretDB needs Go >= 1.24 (see stack/ferretdb/go.mod).',
  });
  await fs.rm(src, { recursive: true, force: true });
}

export async function mongoLaunchSpec(opts: {
  bin: MongoBinary;
  dir: string;
  ports: StackPorts;
  secure?: SecureMongo;
  progress?: Progress;
}): Promise<LaunchSpec> {
  const dataDir = path.join(opts.dir, 'mongo');
  await fs.mkdir(dataDir, { recursive: true });
  if (opts.bin.kind === 'ferretdb')
    await letPostgresReach(dataDir, opts.progress ?? stderrProgress);
  const url = mongoUrlFor(opts.ports.mongo, opts.secure !== undefined);
  const ferret = opts.bin.kind === 'ferretdb';
  if (opts.secure && !ferret) {
    throw new Error('The secure profile runs FerretDB (stack/ferretdb), not a mongod from PATH');
  }
  return {
    name: 'mongo',
    cmd: opts.bin.path,
    args: mongoArgs(opts.bin, opts.ports, dataDir, opts.secure),
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
    isReady: async () => (await probeMongo(url, 1500, opts.secure?.client)).ok,
  };
}
