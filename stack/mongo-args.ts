// Pure: command lines of the MongoDB-wire servers.
import type { MongoBinary } from './types';

export function mongoArgs(
  bin: MongoBinary,
  ports: { mongo: number; mongoPostgres: number },
  dataDir: string,
): string[] {
  switch (bin.kind) {
    case 'mongod':
      return ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(ports.mongo)];
    case 'ferretdb':
      return [
        '-listen',
        `127.0.0.1:${ports.mongo}`,
        '-data',
        dataDir,
        '-pg-bin',
        bin.pgBin,
        '-pg-port',
        String(ports.mongoPostgres),
      ];
  }
}

/** The driver's defaults (pool of 100 per process) suit both mongod and FerretDB 2. */
export const mongoUrlFor = (port: number): string => `mongodb://127.0.0.1:${port}/`;
