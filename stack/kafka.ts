import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureTopics } from '../lib/kafka-topics';
import type { TopicSpec } from '../contracts/topics';
import { ensureCached, shortHash } from './cache';
import {
  type KafkaJvmInput,
  type KafkaSecurity,
  kafkaJvmArgs,
  newClusterId,
  renderLog4jProperties,
  type ScramUser,
  renderServerProperties,
  storageFormatArgs,
} from './kafka-config';
import { ensureSecureKafka } from './kafka-secure';
import type { LaunchSpec } from './launch';
import { KAFKA_POM } from './paths';
import { probeKafka } from './probes';
import { runCommand } from './run-command';
import { requireTools } from './tools';
import type { Progress, StackClientSecurity, StackPorts } from './types';
import { KAFKA_VERSION } from './versions';

/** Broker jars from Maven Central via stack/kafka/pom.xml (there is no tarball route here). */
export async function provisionKafka(
  root: string,
  progress: Progress,
): Promise<{ java: string; libsDir: string }> {
  const { java } = requireTools(['java'], 'Kafka');
  const pom = await fs.readFile(KAFKA_POM);
  const dir = await ensureCached({
    root,
    name: `kafka-${KAFKA_VERSION}`,
    // Editing the pom (a new logging binding, say) re-resolves into the same directory.
    stamp: shortHash(pom),
    progress,
    build: async (target) => {
      const { mvn } = requireTools(['java', 'mvn'], 'Kafka');
      const libsDir = path.join(target, 'libs');
      await runCommand(
        mvn,
        [
          '-q',
          '-B',
          '-f',
          KAFKA_POM,
          'dependency:copy-dependencies',
          `-DoutputDirectory=${libsDir}`,
        ],
        {
          progress,
          logFile: path.join(target, 'provision.log'),
          label: `mvn: resolving Kafka ${KAFKA_VERSION} jars from Maven Central`,
        },
      );
      const jars = (await fs.readdir(libsDir)).filter((f) => f.endsWith('.jar'));
      if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
        throw new Error(`mvn finished but kafka_2.13-${KAFKA_VERSION}.jar is not in ${libsDir}`);
      }
      progress(`kafka: ${jars.length} jars in ${libsDir}`);
    },
  });
  return { java, libsDir: path.join(dir, 'libs') };
}

/** The secure profile's broker: its TLS material, and the users formatted into its storage. */
export interface SecureKafka {
  server: KafkaSecurity;
  /** Every principal with Kafka access (the admin among them). */
  users: ScramUser[];
  /** How the stack's own clients connect (as the admin). */
  client: StackClientSecurity;
}

export async function kafkaLaunchSpec(opts: {
  java: string;
  libsDir: string;
  dir: string;
  ports: StackPorts;
  topics: TopicSpec[];
  progress: Progress;
  secure?: SecureKafka;
}): Promise<LaunchSpec> {
  const home = path.join(opts.dir, 'kafka');
  const dataDir = path.join(home, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  const jvm: KafkaJvmInput = {
    libsDir: opts.libsDir,
    configFile: path.join(home, 'server.properties'),
    log4jFile: path.join(home, 'log4j.properties'),
  };
  const brokers = [`127.0.0.1:${opts.ports.kafka}`];
  return {
    name: 'kafka',
    cmd: opts.java,
    args: kafkaJvmArgs(jvm),
    markers: ['kafka.Kafka', jvm.configFile],
    ports: [
      { port: opts.ports.kafka, what: 'Kafka broker, STACK_KAFKA_PORT' },
      { port: opts.ports.kafkaController, what: 'Kafka controller, STACK_KAFKA_CONTROLLER_PORT' },
    ],
    address: brokers.join(','),
    readyTimeoutMs: 120_000,
    // A controlled shutdown flushes logs and snapshots; give it time before SIGKILL.
    graceMs: 30_000,
    prepare: async () => {
      // Rewritten each start: the ports may differ from the last run, the data stays. Secure:
      // 0600, since it holds the admin's password (the broker's own SCRAM login).
      await fs.writeFile(
        jvm.configFile,
        renderServerProperties({
          port: opts.ports.kafka,
          controllerPort: opts.ports.kafkaController,
          dataDir,
          security: opts.secure?.server,
        }),
        { mode: 0o600 },
      );
      if (opts.secure) await fs.chmod(jvm.configFile, 0o600);
      await fs.writeFile(jvm.log4jFile, renderLog4jProperties());
      if (existsSync(path.join(dataDir, 'meta.properties'))) return;
      // The SCRAM passwords are on this one command line for about a second, on first start.
      await runCommand(opts.java, storageFormatArgs(jvm, newClusterId(), opts.secure?.users), {
        progress: opts.progress,
        logFile: path.join(opts.dir, 'logs', 'kafka-format.log'),
        label: 'kafka: formatting KRaft storage (first start only)',
        secretArgs: opts.secure !== undefined,
      });
    },
    isReady: async () => (await probeKafka(brokers, 2000, opts.secure?.client)).ok,
    afterReady: () =>
      opts.secure
        ? ensureSecureKafka(brokers, opts.secure.client, opts.topics, opts.progress)
        : ensureTopics(brokers, opts.topics, opts.progress),
  };
}
