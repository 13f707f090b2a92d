// Programmatic API of the local stack, for tests (test/setup) and `npm start`.
import { probeStack as probeAll, type ProbeResult } from './probes';
import type { StackAddresses, StackClientSecurity } from './types';

export { provision, type Component, type ProvisionOptions } from './provision';
export { startStack, type RunningStack, type StartStackOptions } from './start';
export { stopStackDir } from './stop';
export { freePorts, freeStackPorts } from './ports';
export {
  probeTemporal,
  probeKafka,
  probeMongo,
  temporalTlsOptions,
  type ProbeResult,
} from './probes';
export { kafkaSecurityOptions } from './kafka-secure';
export { STACK_PROFILES, stackProfileFromEnv, type StackProfile } from './profile';
export type { SecureStack } from './secure';
export {
  ACCESS,
  kafkaAcls,
  PRINCIPALS,
  principalOf,
  STACK_ADMIN,
  type Principal,
} from './secure-principals';
export { cacheRoot } from './cache';
export {
  DEFAULT_PORTS,
  selectProviders,
  stackDirFromEnv,
  stackPortsFromEnv,
  type Provider,
} from './config';
export { readState, type StackState } from './state';
export type {
  Binaries,
  StackAddresses,
  StackClientSecurity,
  StackPorts,
  ServerName,
} from './types';

/** One real health probe per server (Temporal GetSystemInfo, Kafka metadata, Mongo ping). */
export async function probeStack(
  addrs: StackAddresses,
  timeoutMs?: number,
  security?: StackClientSecurity,
): Promise<ProbeResult[]> {
  return probeAll(addrs, timeoutMs, security);
}
