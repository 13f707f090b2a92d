// The secure profile, put together: what each server is started with, how the stack's own
// clients connect (as the admin), and the client environment of every process.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecureKafka } from './kafka';
import type { SecureMongo } from './mongo-args';
import {
  ACCESS,
  clientEnv,
  type Principal,
  PRINCIPALS,
  renderEnvFile,
  SERVER_NAME,
  STACK_ADMIN,
} from './secure-principals';
import type { SecureMaterial } from './secure-material';
import type { SecureTemporal } from './temporal';
import type { StackClientSecurity } from './types';

export interface SecureServers {
  temporal: SecureTemporal;
  kafka: SecureKafka;
  mongo: SecureMongo;
}

/** What a running secure stack hands to its users (RunningStack.secure). */
export interface SecureStack {
  /** <stack dir>/secure: tls/, credentials.json (0600), env/<principal>.env (0600). */
  dir: string;
  caFile: string;
  /** The stack's own identity: Kafka super user; Temporal and MongoDB like any other user. */
  admin: StackClientSecurity;
  /** The contract's client variables for each principal (system/processes.ts names). */
  clientEnv: Record<Principal, Record<string, string>>;
  envFiles: Record<Principal, string>;
}

export function adminSecurity(m: SecureMaterial): StackClientSecurity {
  const { certFile, keyFile } = m.clientCert(STACK_ADMIN);
  return {
    caFile: m.caFile,
    temporal: { certFile, keyFile, serverName: SERVER_NAME },
    kafka: { username: STACK_ADMIN, password: m.passwords[STACK_ADMIN].kafka },
    mongo: { username: STACK_ADMIN, password: m.passwords[STACK_ADMIN].mongo },
  };
}

export function secureServerOptions(m: SecureMaterial): SecureServers {
  const client = adminSecurity(m);
  const server = { certFile: m.serverCertFile, keyFile: m.serverKeyFile };
  return {
    temporal: { ...server, caFile: m.caFile, client },
    kafka: {
      server: {
        keystorePemFile: m.brokerPemFile,
        caFile: m.caFile,
        brokerSubject: m.serverSubject,
        adminUser: STACK_ADMIN,
        adminPassword: m.passwords[STACK_ADMIN].kafka,
      },
      users: PRINCIPALS.filter((p) => ACCESS[p].kafka).map((p) => ({
        name: p,
        password: m.passwords[p].kafka,
      })),
      client,
    },
    mongo: { ...server, usersFile: m.mongoUsersFile, client },
  };
}

/** Builds every principal's client environment and writes it to env/<principal>.env (0600). */
export async function secureStackInfo(
  m: SecureMaterial,
  addrs: { temporalAddress: string; kafkaBrokers: string[]; mongoPort: number },
): Promise<SecureStack> {
  const envDir = path.join(m.dir, 'env');
  await fs.mkdir(envDir, { recursive: true, mode: 0o700 });
  const secureAddrs = { ...addrs, mongoHost: `127.0.0.1:${addrs.mongoPort}` };
  const envs = {} as Record<Principal, Record<string, string>>;
  const envFiles = {} as Record<Principal, string>;
  for (const p of PRINCIPALS) {
    envs[p] = clientEnv(p, secureAddrs, m, m.passwords[p]);
    envFiles[p] = path.join(envDir, `${p}.env`);
    await fs.writeFile(envFiles[p], renderEnvFile(p, envs[p]), { mode: 0o600 });
    await fs.chmod(envFiles[p], 0o600);
  }
  return { dir: m.dir, caFile: m.caFile, admin: adminSecurity(m), clientEnv: envs, envFiles };
}
