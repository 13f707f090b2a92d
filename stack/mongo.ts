import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureCached, shortHash } from './cache';
import type { LaunchSpec } from './launch';
import { mongoArgs, mongoUrlFor } from './mongo-args';
import { FERRETDB_SRC } from './paths';
import { probeMongo } from './probes';
import { runCommand } from './run-command';
import { findOnPath, requireTools } from './tools';
import type { MongoBinary, Progress, StackPorts } from './types';
import { FERRETDB_VERSION } from './versions';

/**
 * A real `mongod` when installed; otherwise FerretDB (MongoDB wire protocol on SQLite), built
 * from stack/ferretdb, since no registry reachable here ships mongod.
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
      await runCommand(go, ['build', '-trimpath', '-o', path.join(target, 'ferretdb'), '.'], {
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
  return { kind: 'ferretdb', path: path.join(dir, 'ferretdb') };
}

export async function mongoLaunchSpec(opts: {
  bin: MongoBinary;
  dir: string;
  ports: StackPorts;
}): Promise<LaunchSpec> {
  const dataDir = path.join(opts.dir, 'mongo');
  await fs.mkdir(dataDir, { recursive: true });
  const url = mongoUrlFor(opts.ports.mongo);
  return {
    name: 'mongo',
    cmd: opts.bin.path,
    args: mongoArgs(opts.bin, opts.ports.mongo, dataDir),
    markers: [opts.bin.path, dataDir],
    ports: [{ port: opts.ports.mongo, what: 'MongoDB wire, STACK_MONGO_PORT' }],
    address: url,
    readyTimeoutMs: 60_000,
    graceMs: 10_000,
    isReady: async () => (await probeMongo(url, 1500)).ok,
  };
}
