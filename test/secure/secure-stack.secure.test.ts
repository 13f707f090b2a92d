import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ORDER_EVENTS_TOPIC, deadLetterTopic } from '../../contracts/topics';
import {
  freePorts,
  freeStackPorts,
  probeStack,
  type RunningStack,
  type SecureStack,
  startStack,
  temporalTlsOptions,
} from '../../stack';
import { ApiClient } from '../chaos/api-client';
import { sampleOrder } from '../e2e/order-client';
import {
  failure,
  kafkaClient,
  kafkaTls,
  listTopics,
  mongoInsert,
  produce,
  scram,
  temporalSystemInfo,
} from './raw-clients';
import { startSystemProcesses, type SecureSystemProcesses } from './system-processes';
import { localProcessEnv } from '../setup/local-process-env';

jest.setTimeout(60_000);

// The secure profile of the local stack (STACK_PROFILE=secure; stack/README.md): one private
// stack for the whole file. Each server refuses a client without credentials; Kafka's ACLs
// refuse the projector's credentials on order.events; and an order runs end to end with every
// process connecting as its own principal.

const log = (line: string): void => void process.stderr.write(`[secure-test] ${line}\n`);

describe('the secure profile of the local stack', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-secure-stack-'));
  let stack: RunningStack;
  let secure: SecureStack;
  let system: SecureSystemProcesses | undefined;

  beforeAll(async () => {
    const env = { ...process.env };
    for (const name of ['TEMPORAL_ADDRESS', 'KAFKA_BROKERS', 'MONGO_URL']) delete env[name];
    stack = await startStack({
      dir,
      ports: await freeStackPorts(),
      env,
      profile: 'secure',
      onProgress: log,
    });
    secure = stack.secure!;
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await stack?.stop();
    if (process.env.STACK_KEEP_DIR === '1') log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const env = (principal: keyof SecureStack['clientEnv']) => secure.clientEnv[principal];

  it('keeps keys and secrets readable by their owner only', () => {
    const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
    expect(mode(secure.dir)).toBe('700');
    for (const file of ['tls/ca.key', 'tls/server.key', 'tls/broker.pem', 'credentials.json'])
      expect([file, mode(path.join(secure.dir, file))]).toEqual([file, '600']);
    for (const file of Object.values(secure.envFiles)) expect(mode(file)).toBe('600');
    // It holds the broker's own SCRAM password.
    expect(mode(path.join(dir, 'kafka', 'server.properties'))).toBe('600');
  });

  it("answers the stack's own probes, made as its admin over TLS", async () => {
    const results = await probeStack(stack, 5_000, secure.admin);
    expect(results.map((r) => [r.server, r.ok, r.ok ? '' : r.detail])).toEqual([
      ['temporal', true, ''],
      ['kafka', true, ''],
      ['mongo', true, ''],
    ]);
  });

  describe('Kafka: SASL_SSL only, with ACLs', () => {
    const brokers = () => stack.kafkaBrokers;
    const user = (p: 'projector' | 'worker-orders' | 'api') => [
      env(p).KAFKA_SASL_USERNAME,
      env(p).KAFKA_SASL_PASSWORD,
    ];

    it('refuses a plaintext client and a TLS client without SASL', async () => {
      expect(await failure(() => listTopics(kafkaClient(brokers())))).toBeDefined();
      const noSasl = kafkaClient(brokers(), kafkaTls(secure.caFile));
      expect(await failure(() => listTopics(noSasl))).toBeDefined();
    });

    it('refuses a wrong password', async () => {
      const [name] = user('projector');
      const client = kafkaClient(brokers(), { ...kafkaTls(secure.caFile), ...scram(name, 'nope') });
      const error = await failure(() => listTopics(client));
      expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    });

    it("refuses the projector's credentials on order.events, and accepts them on the dead-letter topic", async () => {
      const [name, password] = user('projector');
      const projector = kafkaClient(brokers(), {
        ...kafkaTls(secure.caFile),
        ...scram(name, password),
      });
      const refused = await failure(() => produce(projector, ORDER_EVENTS_TOPIC));
      expect((refused as { type?: string } | undefined)?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(await failure(() => produce(projector, deadLetterTopic(ORDER_EVENTS_TOPIC)))).toBe(
        undefined,
      );
    });

    it('lets only the orders worker write order.events (the API may not)', async () => {
      const client = (p: 'worker-orders' | 'api') => {
        const [name, password] = user(p);
        return kafkaClient(brokers(), { ...kafkaTls(secure.caFile), ...scram(name, password) });
      };
      expect(await failure(() => produce(client('worker-orders'), ORDER_EVENTS_TOPIC))).toBe(
        undefined,
      );
      // Refused one step earlier: an idempotent producer needs WRITE on some topic for its
      // producer id, and the API has none.
      const api = await failure(() => produce(client('api'), ORDER_EVENTS_TOPIC));
      expect((api as { type?: string } | undefined)?.type).toBe('CLUSTER_AUTHORIZATION_FAILED');
    });
  });

  describe('MongoDB wire (FerretDB): TLS only, a user per service', () => {
    const host = () => new URL(env('api').MONGO_URL.replace('mongodb://', 'http://')).host;

    it('refuses a plaintext connection', async () => {
      expect(await failure(() => mongoInsert(`mongodb://${host()}/`, 'secure_test'))).toBeDefined();
    });

    it('refuses a command from a connection that has not logged in', async () => {
      const error = await failure(() =>
        mongoInsert(`mongodb://${host()}/?tls=true`, 'secure_test', { tlsCAFile: secure.caFile }),
      );
      expect(error?.message).toMatch(/requires authentication/);
    });

    it('refuses a wrong password and accepts the service user', async () => {
      const url = env('worker-inventory').MONGO_URL;
      const wrong = url.replace(/:[^:@/]+@/, ':nope@');
      const refused = await failure(() =>
        mongoInsert(wrong, 'secure_test', { tlsCAFile: secure.caFile }),
      );
      expect((refused as { codeName?: string } | undefined)?.codeName).toBe('AuthenticationFailed');
      expect(
        await failure(() => mongoInsert(url, 'secure_test', { tlsCAFile: secure.caFile })),
      ).toBe(undefined);
    });
  });

  describe('Temporal: TLS front requiring a client certificate', () => {
    it('refuses a plaintext client and a TLS client without a certificate', async () => {
      const address = stack.temporalAddress;
      expect(await failure(() => temporalSystemInfo(address))).toBeDefined();
      const serverOnly = { ...temporalTlsOptions(secure.admin), clientCertPair: undefined };
      expect(await failure(() => temporalSystemInfo(address, serverOnly))).toBeDefined();
      // The front's log says why: not a TLS client hello; no client certificate.
      const frontLog = readFileSync(path.join(dir, 'logs', 'temporal.log'), 'utf8');
      expect(frontLog).toMatch(/tls-front: refused .*wrong version number/);
      expect(frontLog).toMatch(/tls-front: refused .*peer did not return a certificate/);
    });

    it("accepts a worker's client certificate", async () => {
      const worker = env('worker-payments');
      const tls = temporalTlsOptions({
        caFile: secure.caFile,
        temporal: {
          certFile: worker.TEMPORAL_TLS_CERT_FILE,
          keyFile: worker.TEMPORAL_TLS_KEY_FILE,
          serverName: worker.TEMPORAL_TLS_SERVER_NAME,
        },
      });
      expect(await temporalSystemInfo(stack.temporalAddress, tls)).toMatch(/^\d+\.\d+/);
    });
  });

  it('runs an order end to end, each process connecting as its own principal', async () => {
    const jwtSecret = randomBytes(32).toString('hex');
    const [apiPort] = await freePorts(1);
    system = await startSystemProcesses({
      secure,
      logDir: path.join(dir, 'logs'),
      baseEnv: { ...localProcessEnv(), PORT: String(apiPort), JWT_SECRET: jwtSecret },
    });
    const api = new ApiClient(`http://127.0.0.1:${apiPort}`, jwtSecret);
    try {
      await waitUntilReady(api);
      await api.putSku('KETTLE', 5);
      const placed = await api.placeOrder(sampleOrder('secure-customer'));
      expect(placed.status).toBe(202);
      const view = await finalView(api, placed.orderId!);
      expect(view.status).toBe('COMPLETED');
    } catch (error) {
      log(`processes' logs:\n${await system.logTails()}`);
      throw error;
    }
  }, 150_000);
});

/** /readyz answers 200 once the API reaches Temporal, Kafka and MongoDB with its credentials. */
async function waitUntilReady(api: ApiClient, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const reply = await api.request('GET', '/readyz', { timeoutMs: 5_000 });
    if (reply.status === 200) return;
    last = `${reply.status} ${reply.text}`;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`API not ready in ${timeoutMs} ms: ${last}`);
}

/** The projected order once the saga has finished (read through the API, as a client does). */
async function finalView(api: ApiClient, orderId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const token = await api.support();
  let status = '';
  while (Date.now() < deadline) {
    const reply = await api.request('GET', `/orders/${orderId}`, { token, timeoutMs: 5_000 });
    if (reply.status === 200) {
      const view = JSON.parse(reply.text) as { status: string };
      status = view.status;
      if (['COMPLETED', 'CANCELLED', 'COMPENSATION_FAILED'].includes(status)) return view;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`order ${orderId} not finished in ${timeoutMs} ms (last status ${status})`);
}
