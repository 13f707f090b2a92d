import { z } from 'zod';
import { checkActiveCodecKey, codecConfigShape, type CodecConfig } from '../lib/codec';
import { env, loadConfig, serverConfigSchema } from '../lib/config';
import { checkCodecKeysNotDevelopment, checkSecret, isLocal } from '../lib/deployment';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from './adapters/mongo-idempotency-store';
import { SCOPES } from './auth/principal';
import { webhookSecretProblem } from './webhook/standard-webhook';
import { TrustProxy } from './trust-proxy';
import type { AuthSettings } from './auth/verifier';
import type { AppSettings } from './routes/context';

/**
 * Development defaults, documented here and in the README: used only with LOCAL_MODE=true, and
 * refused as configured values outside it (lib/deployment.ts). `npm run token` signs with the
 * same one.
 */
export const DEV_JWT_SECRET = 'order-saga-local-development-jwt-secret-not-for-production';
export const DEV_WEBHOOK_SECRET = 'order-saga-local-development-webhook-secret';

export const MAX_CLOCK_TOLERANCE_SECONDS = 60;
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 3600;
const MAX_TOKEN_AGE_LIMIT_SECONDS = 86_400;

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const PROBLEM_IN_DEPLOYED = 'required outside local mode (LOCAL_MODE=true)';

/** Every environment variable the API reads; `loadConfig` reports all problems at once. */
export const apiConfigSchema = serverConfigSchema
  .extend({
    /** Interface the API listens on: loopback unless configured (0.0.0.0 in a container). */
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: env.port.default(3000),
    /** Prometheus `/metrics` on a port of its own, never the public one; 0 picks a free port. */
    METRICS_PORT: env.port.default(9464),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** `false` serves no metrics (tests, several APIs in one process). */
    METRICS_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    READ_DB: z.string().min(1).default('read'),
    INVENTORY_DB: z.string().min(1).default('inventory'),
    API_DB: z.string().min(1).default('api'),
    JWT_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
    JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /** Leeway for a token's exp/nbf against clock skew; small, so an expired token dies soon. */
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce
      .number()
      .int('a whole number of seconds')
      .min(0)
      .max(MAX_CLOCK_TOLERANCE_SECONDS, `at most ${MAX_CLOCK_TOLERANCE_SECONDS} seconds`)
      .default(5),
    /**
     * Maximum token lifetime: a token whose `iat` is older is refused (401), whatever its `exp`
     * says, and a token without `iat` too. An hour, the usual access-token lifetime; raise it
     * for an identity provider that issues longer-lived ones.
     */
    JWT_MAX_TOKEN_AGE_SECONDS: z.coerce
      .number()
      .int('a whole number of seconds')
      .min(60, 'at least 60 seconds')
      .max(MAX_TOKEN_AGE_LIMIT_SECONDS, `at most ${MAX_TOKEN_AGE_LIMIT_SECONDS} seconds (a day)`)
      .default(DEFAULT_MAX_TOKEN_AGE_SECONDS),
    /** `whsec_` + base64 (Standard Webhooks), or a plain string of at least 16 characters. */
    PAYMENT_WEBHOOK_SECRET: z
      .string()
      .superRefine((secret, ctx) => {
        const problem = webhookSecretProblem(secret);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /**
     * Also accept the legacy `X-Signature` (hex HMAC of the body alone, so replayable).
     * Default: true in local mode, false otherwise; refused outside local mode.
     */
    PAYMENT_WEBHOOK_LEGACY_SIGNATURE: z.enum(['true', 'false']).optional(),
    TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
    /** Requests per minute per client (token subject, else address), webhook excluded. */
    RATE_LIMIT_PER_MINUTE: env.positiveInt.default(600),
    /** Requests per minute per address to POST /payments/webhook: the provider's own limit. */
    WEBHOOK_RATE_LIMIT_PER_MINUTE: env.positiveInt.default(300),
    /**
     * Webhook requests per minute per address whose signature was refused; beyond it they are
     * answered 429 instead of 401. A correctly signed delivery is never refused by this one.
     */
    WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE: env.positiveInt.default(3000),
    /** Orders of one customer that may be open (saga running) at once; POST /orders beyond: 409. */
    MAX_OPEN_ORDERS_PER_CUSTOMER: env.positiveInt.default(10),
    /** Where the rate-limit counters live: this process, or MongoDB shared by every instance. */
    RATE_LIMIT_STORE: z.enum(['memory', 'mongodb']).default('memory'),
    MIN_VERSION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(10_000),
    /** How long an Idempotency-Key is honoured before the TTL index deletes it (default a day). */
    IDEMPOTENCY_KEY_RETENTION_MS: env.durationMs.default(DEFAULT_IDEMPOTENCY_RETENTION_MS),
    /** minVersion waits in flight per instance, in total and per token subject (then 429). */
    MIN_VERSION_MAX_WAITS: env.positiveInt.default(200),
    MIN_VERSION_MAX_WAITS_PER_SUBJECT: env.positiveInt.default(5),
    /** How long a /readyz answer is reused, so frequent probes do not each probe the servers. */
    READINESS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    TRUST_PROXY: TrustProxy,
    SHUTDOWN_GRACE_MS: env.durationMs.default(10_000),
    ...codecConfigShape,
    /** Serve Temporal's codec server at /codec for the Web UI; refused without CODEC_KEYS. */
    CODEC_SERVER_ENABLED: bool,
    /**
     * `required`: callers of /codec need a bearer token with the scope orders:codec. `none`: anyone
     * who reaches it can decrypt. Default: required, except in local mode (LOCAL_MODE=true),
     * whose dev-server UI cannot send a token; `none` is refused outside local mode.
     */
    CODEC_SERVER_AUTH: z.enum(['required', 'none']).optional(),
    /** OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); tracing is off when unset. */
    OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint,
  })
  .superRefine((c, ctx) => {
    checkActiveCodecKey(c, ctx);
    // A codec server without keys would not be served at all: say so instead of starting without.
    if (c.CODEC_SERVER_ENABLED && c.CODEC_KEYS === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_SERVER_ENABLED'],
        message:
          'the codec server needs payload keys: set CODEC_KEYS (keyId:base64key, 32-byte keys, the same as the workers) or CODEC_SERVER_ENABLED=false',
      });
    }
    checkDeployedSecrets(c, ctx);
  });
export type ApiConfig = z.infer<typeof apiConfigSchema>;

type ApiConfigInput = Omit<ApiConfig, 'CODEC_KEYS'> & CodecConfig;

/**
 * Outside local mode nothing falls back to a published development secret: the API refuses to
 * start instead (fail closed), naming each variable, never its value.
 */
function checkDeployedSecrets(c: ApiConfigInput, ctx: z.RefinementCtx): void {
  checkCodecKeysNotDevelopment(c, ctx);
  checkSecret(c, ctx, 'JWT_SECRET', c.JWT_SECRET, [DEV_JWT_SECRET]);
  checkSecret(c, ctx, 'PAYMENT_WEBHOOK_SECRET', c.PAYMENT_WEBHOOK_SECRET, [DEV_WEBHOOK_SECRET]);
  if (isLocal(c)) return;
  const problem = (variable: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (c.JWT_SECRET === undefined && c.JWKS_URL === undefined)
    problem('JWT_SECRET', `${PROBLEM_IN_DEPLOYED} (or set JWKS_URL)`);
  // Without them, any token the same key or identity provider signed (for another service,
  // another environment) would be accepted here.
  for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
    if (c[name] === undefined)
      problem(
        name,
        `${PROBLEM_IN_DEPLOYED}: tokens are accepted only for this issuer and audience`,
      );
  }
  if (c.PAYMENT_WEBHOOK_SECRET === undefined)
    problem(
      'PAYMENT_WEBHOOK_SECRET',
      `${PROBLEM_IN_DEPLOYED}: the payment provider's signing secret`,
    );
  if (c.PAYMENT_WEBHOOK_LEGACY_SIGNATURE === 'true')
    problem(
      'PAYMENT_WEBHOOK_LEGACY_SIGNATURE',
      'the legacy X-Signature has no replay protection and is refused outside local mode (use the Standard Webhooks headers)',
    );
  if (c.CODEC_SERVER_AUTH === 'none')
    problem(
      'CODEC_SERVER_AUTH',
      'an unauthenticated codec server is refused outside local mode (use required)',
    );
}

export const loadApiConfig = (source: NodeJS.ProcessEnv = process.env): ApiConfig =>
  loadConfig(apiConfigSchema, source);

export function authSettings(c: ApiConfig): AuthSettings {
  const claims = {
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    clockToleranceSeconds: c.JWT_CLOCK_TOLERANCE_SECONDS,
    maxTokenAgeSeconds: c.JWT_MAX_TOKEN_AGE_SECONDS,
  };
  // JWKS wins when configured: the identity provider then owns the keys.
  if (c.JWKS_URL !== undefined) return { kind: 'jwks', url: c.JWKS_URL, ...claims };
  // The schema guarantees a secret outside local mode; the development one is local only.
  const secret = c.JWT_SECRET ?? (isLocal(c) ? DEV_JWT_SECRET : undefined);
  if (secret === undefined) throw new Error('JWT_SECRET: required outside local mode');
  return { kind: 'hs256', secret, ...claims };
}

/** Whether /codec takes a token: as configured, else required outside local mode. */
export function codecServerAuth(c: ApiConfig): 'required' | 'none' {
  return c.CODEC_SERVER_AUTH ?? (isLocal(c) ? 'none' : 'required');
}

function localOnly<T>(c: ApiConfig, variable: string, value: T): T {
  if (!isLocal(c)) throw new Error(`${variable}: required outside local mode`);
  return value;
}

export function appSettings(c: ApiConfig): AppSettings {
  return {
    auth: authSettings(c),
    paymentWebhook: {
      secret:
        c.PAYMENT_WEBHOOK_SECRET ?? localOnly(c, 'PAYMENT_WEBHOOK_SECRET', DEV_WEBHOOK_SECRET),
      acceptLegacySignature:
        (c.PAYMENT_WEBHOOK_LEGACY_SIGNATURE ?? (isLocal(c) ? 'true' : 'false')) === 'true',
    },
    temporalUiUrl: c.TEMPORAL_UI_URL,
    temporalNamespace: c.TEMPORAL_NAMESPACE,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    webhookRateLimitPerMinute: c.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    webhookUnverifiedRateLimitPerMinute: c.WEBHOOK_UNVERIFIED_RATE_LIMIT_PER_MINUTE,
    maxOpenOrdersPerCustomer: c.MAX_OPEN_ORDERS_PER_CUSTOMER,
    defaultWaitMs: c.MIN_VERSION_WAIT_MS,
    minVersionWaits: {
      total: c.MIN_VERSION_MAX_WAITS,
      perSubject: c.MIN_VERSION_MAX_WAITS_PER_SUBJECT,
    },
    readinessCacheMs: c.READINESS_CACHE_MS,
    trustProxy: c.TRUST_PROXY,
    ...(c.CODEC_SERVER_ENABLED &&
      c.CODEC_KEYS && {
        codecServer: {
          allowedOrigins: [c.TEMPORAL_UI_URL],
          ...(codecServerAuth(c) === 'required' && { requiredScope: SCOPES.codec }),
        },
      }),
  };
}
