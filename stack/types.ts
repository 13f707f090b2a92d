/** The servers the local stack can run; each can instead be provided externally by env. */
export type ServerName = 'temporal' | 'kafka' | 'mongo';
export const SERVER_NAMES: readonly ServerName[] = ['temporal', 'kafka', 'mongo'];

export interface StackPorts {
  temporal: number;
  temporalUi: number;
  kafka: number;
  kafkaController: number;
  mongo: number;
  /** PostgreSQL behind FerretDB (unused when a real mongod runs). */
  mongoPostgres: number;
}

/** Where the stack's servers answer; what probes, tests and apps need. */
export interface StackAddresses {
  temporalAddress: string;
  temporalUiUrl?: string;
  kafkaBrokers: string[];
  mongoUrl: string;
}

export type MongoBinary =
  | { kind: 'mongod'; path: string }
  /** ferretdb-local: FerretDB 2 with its own PostgreSQL, whose binaries are in pgBin. */
  | { kind: 'ferretdb'; path: string; pgBin: string };

/** Provisioned executables and jars (absolute paths, in the cache). */
export interface Binaries {
  temporalCli: string;
  temporalTestServer: string;
  kafka?: { java: string; libsDir: string };
  mongo?: MongoBinary;
}

export type Progress = (line: string) => void;

/**
 * How the stack's own clients (probes, topic and ACL set-up) reach a secure-profile stack: TLS
 * with the stack's CA, as the stack's admin principal.
 */
export interface StackClientSecurity {
  caFile: string;
  temporal: { certFile: string; keyFile: string; serverName: string };
  kafka: { username: string; password: string };
  mongo: { username: string; password: string };
}
