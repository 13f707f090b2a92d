import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeStackPorts, readState, startStack } from '../stack';
import type { SystemServers } from '../system/isolated-resources';
import { sampleCpu, type CpuSample } from './cpu';

// The servers every benchmark and its baseline share in one run: those named by
// TEMPORAL_ADDRESS / KAFKA_BROKERS / MONGO_URL (startStack starts nothing for them), the rest
// started here on free ports in a temp dir, so a developer's stack is never touched.

export interface BenchServers extends SystemServers {
  startedHere: string[];
  /** CPU seconds so far of this process (`node`) and of each server started here. */
  cpu(): CpuSample;
  stop(): Promise<void>;
}

export async function startBenchServers(onProgress: (text: string) => void): Promise<BenchServers> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-bench-stack-'));
  const stack = await startStack({
    dir,
    ports: await freeStackPorts(),
    env: process.env,
    onProgress,
  });
  // One stop, whoever asks, and every caller waits for all of it: an interrupted run stops the
  // servers from its signal handler while its own `finally` stops them too and then exits the
  // process. After a SIGINT during a saga row the servers were once left running; two stops at
  // once racing that exit is the likely cause (not reproduced since).
  let stopped: Promise<void> | undefined;
  const pids: Record<string, number> = {};
  for (const [name, state] of Object.entries((await readState(dir))?.servers ?? {}))
    if (state?.kind === 'local') pids[name] = state.pid;
  return {
    cpu: () => sampleCpu(pids),
    temporalAddress: stack.temporalAddress,
    kafkaBrokers: stack.kafkaBrokers,
    mongoUrl: stack.mongoUrl,
    startedHere: stack.started,
    stop() {
      stopped ??= stack.stop().then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
