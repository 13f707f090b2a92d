import { randomBytes } from 'node:crypto';
import { apiConfigProblems as problemsOf } from '../api/harness';

describe('configuration errors', () => {
  it('name each variable and what is wrong, never the value of a secret', () => {
    const key = randomBytes(32).toString('base64');
    const env = {
      JWT_SECRET: 'short-but-still-secret',
      MONGO_URL: 'postgres://app:hunter2-password@db.internal:5432/x',
      // A valid key, then a bare key whose id was forgotten: neither may be printed.
      CODEC_KEYS: `k1:${key},${randomBytes(32).toString('base64')}`,
      KAFKA_BROKERS: 'broker-1:9092,user:pa55word@broker-2',
    };
    const problems = problemsOf(env);
    const text = problems.join('\n');
    expect(problems).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS: expected host:port.*\(entry 2\)$/),
      expect.stringMatching(/^MONGO_URL: expected a mongodb:\/\//),
      expect.stringMatching(/^JWT_SECRET: use at least 32 characters$/),
      expect.stringMatching(/^CODEC_KEYS: entry 2: expected keyId:base64key/),
    ]);
    for (const value of [env.JWT_SECRET, 'hunter2', key, env.CODEC_KEYS.split(',')[1], 'pa55word'])
      expect(text).not.toContain(value);
    expect(text).not.toMatch(/got "/);
  });

  it('says when a required variable is not set', () => {
    expect(problemsOf({ NODE_ENV: 'production', JWKS_URL: 'https://idp.example/jwks' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PAYMENT_WEBHOOK_SECRET: .*\(not set\)$/)]),
    );
  });
});
