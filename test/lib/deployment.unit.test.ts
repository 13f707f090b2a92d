import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { z } from 'zod';
import { DEV_CODEC_KEYS } from '../../lib/codec';
import { ConfigError, loadConfig } from '../../lib/config';
import { deploymentMode } from '../../lib/deployment';
import { SYSTEM_PROCESSES } from '../../system/processes';
import { paymentsWorkerConfigSchema } from '../../workers/config';
import { CREATE_TOPICS, schemasByProcessName } from '../deploy/process-configs';

// One rule for every process (lib/deployment.ts): local mode only when LOCAL_MODE=true says so,
// never with NODE_ENV=production, and outside it no placeholder or published secret.

const root = path.resolve(__dirname, '../..');
const schemas: [string, z.ZodType][] = [
  ...Object.entries(schemasByProcessName()),
  ['create-topics', CREATE_TOPICS.schema],
];

const problems = (schema: z.ZodType, env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(schema as z.ZodObject, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('deployment mode', () => {
  it('is local only with LOCAL_MODE=true, whatever NODE_ENV says', () => {
    expect(deploymentMode({ LOCAL_MODE: true })).toBe('local');
    expect(deploymentMode({ NODE_ENV: 'development' })).toBe('deployed');
    expect(deploymentMode({})).toBe('deployed');
    expect(deploymentMode({ NODE_ENV: 'staging' })).toBe('deployed');
    expect(deploymentMode({ NODE_ENV: 'production' })).toBe('production');
  });

  it.each(schemas)('%s refuses LOCAL_MODE=true with NODE_ENV=production', (_, schema) => {
    expect(problems(schema, { NODE_ENV: 'production', LOCAL_MODE: 'true' })).toContainEqual(
      expect.stringMatching(/^LOCAL_MODE: LOCAL_MODE=true is refused with NODE_ENV=production/),
    );
  });

  it.each(schemas)('%s refuses a change-me Kafka password outside local mode', (_, schema) => {
    const env = {
      NODE_ENV: 'staging',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'please-CHANGE-ME',
    };
    const found = problems(schema, env);
    expect(found).toContainEqual(expect.stringMatching(/^KAFKA_SASL_PASSWORD: is a placeholder/));
    expect(found.join('\n')).not.toContain('please-CHANGE-ME');
    expect(problems(schema, { ...env, LOCAL_MODE: 'true' })).not.toContainEqual(
      expect.stringMatching(/^KAFKA_SASL_PASSWORD/),
    );
  });

  const withCodec = schemas.filter(([name]) => name === 'api' || name.startsWith('worker-'));
  it.each(withCodec)('%s refuses the published codec key outside local mode', (_, schema) => {
    const renamed = `prod-1:${DEV_CODEC_KEYS.split(':')[1]}`;
    for (const CODEC_KEYS of [DEV_CODEC_KEYS, renamed])
      expect(problems(schema, { NODE_ENV: 'staging', CODEC_KEYS })).toContainEqual(
        expect.stringMatching(/^CODEC_KEYS: contains the published development key/),
      );
    expect(
      problems(schema, {
        LOCAL_MODE: 'true',
        CODEC_KEYS: DEV_CODEC_KEYS,
        PAYMENT_PROVIDER: 'simulated',
      }),
    ).toEqual([]);
  });
});

describe('the payments worker’s provider', () => {
  const load = (env: NodeJS.ProcessEnv) => problems(paymentsWorkerConfigSchema, env);

  it('must be chosen: no provider is a default', () => {
    expect(load({ LOCAL_MODE: 'true' })).toEqual([
      expect.stringMatching(/^PAYMENT_PROVIDER: choose the payment provider adapter \(simulated\)/),
    ]);
    expect(load({ LOCAL_MODE: 'true', PAYMENT_PROVIDER: 'simulated' })).toEqual([]);
    expect(load({ LOCAL_MODE: 'true', PAYMENT_PROVIDER: 'stripe' })).toEqual([
      expect.stringMatching(/^PAYMENT_PROVIDER: /),
    ]);
  });

  it('is never the simulated one in production', () => {
    const production = { NODE_ENV: 'production', ALLOW_PLAINTEXT: 'temporal,kafka,mongodb' };
    expect(load({ ...production, PAYMENT_PROVIDER: 'simulated' })).toEqual([
      expect.stringMatching(/^PAYMENT_PROVIDER: the simulated provider takes no payment/),
    ]);
    // A staging cluster may take no payment, when it says so.
    expect(load({ NODE_ENV: 'staging', PAYMENT_PROVIDER: 'simulated' })).toEqual([]);
  });
});

describe('a process started with an unsafe environment stops, naming the variable', () => {
  const start = (entry: string, env: NodeJS.ProcessEnv) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  it('the API: NODE_ENV=staging without secrets', () => {
    const { status, output } = start(SYSTEM_PROCESSES.api.entry, { NODE_ENV: 'staging' });
    expect(status).not.toBe(0);
    for (const variable of ['JWT_SECRET', 'JWT_ISSUER', 'JWT_AUDIENCE', 'PAYMENT_WEBHOOK_SECRET'])
      expect(output).toMatch(new RegExp(`${variable}: required outside local mode`));
  });

  it('the API: LOCAL_MODE=true with NODE_ENV=production', () => {
    const { status, output } = start(SYSTEM_PROCESSES.api.entry, {
      NODE_ENV: 'production',
      LOCAL_MODE: 'true',
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/LOCAL_MODE: LOCAL_MODE=true is refused with NODE_ENV=production/);
  });

  it('the API: a CHANGE-ME secret in production, never printed', () => {
    const secret = 'CHANGE-ME-to-a-real-secret-of-32-characters';
    const { status, output } = start(SYSTEM_PROCESSES.api.entry, {
      NODE_ENV: 'production',
      ALLOW_PLAINTEXT: 'temporal,kafka,mongodb',
      JWT_SECRET: secret,
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'order-saga',
      PAYMENT_WEBHOOK_SECRET: 'a-real-webhook-secret-0123',
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/JWT_SECRET: is a placeholder \(contains "change-me"\)/);
    expect(output).not.toContain(secret);
  });

  it('a worker and the projector share the rule', () => {
    for (const entry of [SYSTEM_PROCESSES.payments.entry, SYSTEM_PROCESSES.projector.entry]) {
      const { status, output } = start(entry, { NODE_ENV: 'production', LOCAL_MODE: 'true' });
      expect(status).not.toBe(0);
      expect(output).toMatch(/LOCAL_MODE: LOCAL_MODE=true is refused with NODE_ENV=production/);
    }
  });
});
