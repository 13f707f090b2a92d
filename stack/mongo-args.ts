// Pure: command lines of the MongoDB-wire servers.
import type { MongoBinary, StackClientSecurity } from './types';

/** The secure profile's FerretDB: TLS only, and these users (authentication required). */
export interface SecureMongo {
  certFile: string;
  keyFile: string;
  /** ferretdb-local's -users-file (0600). */
  usersFile: string;
  /** How the stack's probes connect (as the admin). */
  client: StackClientSecurity;
}

export function mongoArgs(
  bin: MongoBinary,
  ports: { mongo: number; mongoPostgres: number },
  dataDir: string,
  secure?: SecureMongo,
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
        ...(secure
          ? [
              '-users-file',
              secure.usersFile,
              '-tls-cert',
              secure.certFile,
              '-tls-key',
              secure.keyFile,
            ]
          : []),
      ];
  }
}

/**
 * The driver's defaults (pool of 100 per process) suit both mongod and FerretDB 2. Never holds
 * credentials: it is recorded in the state file and printed.
 */
export const mongoUrlFor = (port: number, tls = false): string =>
  `mongodb://127.0.0.1:${port}/${tls ? '?tls=true' : ''}`;
