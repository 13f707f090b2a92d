// Real health probes: each asks the server something only a working server can answer.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { ORDER_EVENTS_TOPIC } from '../contracts/topics';
import { kafkaSecurityOptions } from './kafka-secure';
import type { ServerName, StackAddresses, StackClientSecurity } from './types';

export interface ProbeResult {
  server: ServerName | 'postgres';
  address: string;
  ok: boolean;
  /** What the server said (version, cluster id, ...) or why the probe failed. */
  detail: string;
  uiUrl?: string;
  ms: number;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function timed(
  server: ProbeResult['server'],
  address: string,
  probe: () => Promise<string>,
): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const detail = await probe();
    return { server, address, ok: true, detail, ms: Date.now() - started };
  } catch (err) {
    return { server, address, ok: false, detail: errorText(err), ms: Date.now() - started };
  }
}

/** The SDK's TLS options for the secure profile's front, with the admin's client certificate. */
export function temporalTlsOptions(security: Pick<StackClientSecurity, 'caFile' | 'temporal'>) {
  return {
    serverRootCACertificate: readFileSync(security.caFile),
    serverNameOverride: security.temporal.serverName,
    clientCertPair: {
      crt: readFileSync(security.temporal.certFile),
      key: readFileSync(security.temporal.keyFile),
    },
  };
}

/** Temporal frontend `GetSystemInfo`, plus a GET of the Web UI when its URL is known. */
export async function probeTemporal(
  address: string,
  timeoutMs = 3000,
  uiUrl?: string,
  security?: StackClientSecurity,
): Promise<ProbeResult> {
  const result = await timed('temporal', address, async () => {
    const connection = await Connection.connect({
      address,
      connectTimeout: timeoutMs,
      ...(security && { tls: temporalTlsOptions(security) }),
    });
    try {
      const info = await connection.withDeadline(Date.now() + timeoutMs, () =>
        connection.workflowService.getSystemInfo({}),
      );
      return `server ${info.serverVersion || '?'}`;
    } finally {
      await connection.close();
    }
  });
  if (!uiUrl) return result;
  const ui = await probeHttp(uiUrl, timeoutMs);
  return {
    ...result,
    uiUrl,
    ok: result.ok && ui.ok,
    detail: `${result.detail}; UI ${ui.ok ? 'ok' : `unreachable: ${ui.detail}`}`,
  };
}

async function probeHttp(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { ok: res.ok, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, detail: errorText(err) };
  }
}

/** Cluster metadata and the topic list (the stack's readiness criterion for Kafka). */
export async function probeKafka(
  brokers: string[],
  timeoutMs = 3000,
  security?: StackClientSecurity,
): Promise<ProbeResult> {
  return timed('kafka', brokers.join(','), async () => {
    const kafka = new Kafka({
      clientId: 'order-saga-stack-probe',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
      ...(security && kafkaSecurityOptions(security)),
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const topics = await admin.listTopics();
      let topicInfo = `${topics.length} topics`;
      if (topics.includes(ORDER_EVENTS_TOPIC)) {
        const meta = await admin.fetchTopicMetadata({ topics: [ORDER_EVENTS_TOPIC] });
        const partitions = meta.topics[0]?.partitions.length ?? 0;
        topicInfo += `, ${ORDER_EVENTS_TOPIC} has ${partitions} partitions`;
      }
      return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topicInfo}`;
    } finally {
      await admin.disconnect();
    }
  });
}

/**
 * `ping`, and `buildInfo` to say which server answers (FerretDB reports its own version). Both
 * need no login; with `security` the probe authenticates and also lists databases, which does.
 */
export async function probeMongo(
  url: string,
  timeoutMs = 3000,
  security?: StackClientSecurity,
): Promise<ProbeResult> {
  return timed('mongo', url, async () => {
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      ...(security && {
        tls: true,
        tlsCAFile: security.caFile,
        auth: security.mongo,
        authSource: 'admin',
      }),
    });
    try {
      await client.connect();
      const admin = client.db('admin');
      await admin.command({ ping: 1 });
      if (security) await admin.command({ listDatabases: 1, nameOnly: true });
      const info = await admin.command({ buildInfo: 1 });
      const version = String(info.version);
      // FerretDB 2 answers `ferretdb: {version}`; FerretDB 1 answered `ferretdbVersion`.
      const ferret = (info.ferretdb as { version?: string } | undefined)?.version;
      return ferret ? `FerretDB ${ferret} (MongoDB ${version} wire)` : `MongoDB ${version}`;
    } finally {
      await client.close();
    }
  });
}

/**
 * PostgreSQL behind FerretDB: `pg_isready`, which speaks PostgreSQL's protocol (a connect to the
 * port alone would pass for any listener).
 */
export async function probePostgres(
  address: string,
  pgBin: string,
  timeoutMs = 3000,
): Promise<ProbeResult> {
  return timed('postgres', address, async () => {
    const [host = '127.0.0.1', port = '5432'] = address.split(':');
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const { stdout } = await promisify(execFile)(
      path.join(pgBin, 'pg_isready'),
      ['-h', host, '-p', port, '-d', 'postgres', '-t', seconds],
      { timeout: timeoutMs + 1000 },
    );
    return stdout.trim();
  });
}

export async function probeStack(
  addrs: StackAddresses,
  timeoutMs = 3000,
  security?: StackClientSecurity,
): Promise<ProbeResult[]> {
  return Promise.all([
    probeTemporal(addrs.temporalAddress, timeoutMs, addrs.temporalUiUrl, security),
    probeKafka(addrs.kafkaBrokers, timeoutMs, security),
    probeMongo(addrs.mongoUrl, timeoutMs, security),
  ]);
}
