import { z } from 'zod';
import { checkActiveCodecKey, codecConfigShape } from '../lib/codec';
import { env, loadConfig, serverConfigSchema } from '../lib/config';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from './adapters/mongo-idempotency-store';
import { SCOPES } from './auth/principal';
import { webhookSecretProblem } from './domain/standard-webhook';
import { TrustProxy } from './trust-proxy';
import type { AuthSettings } from './auth/verifier';
import type { AppSettings } from './routes/context';

/**
 * Development defaults, documented here and in the README: accepted only outside production
 * (NODE_ENV !== 'production') or with LOCAL_MODE=true. `npm run token` signs with the same one.
 */
export const DEV_JWT_SECRET = 'order-saga-local-development-jwt-secret-not-for-production';
export const DEV_WEBHOOK_SECRET = 'order-saga-local-development-webhook-secret';

export const MAX_CLOCK_TOLERANCE_SECONDS = 60;

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

/** Every environment variable the API reads; `loadConfig` reports all problems at once. */
export const apiConfigSchema = serverConfigSchema
  .extend({
    NODE_ENV: z.string().default('development'),
    LOCAL_MODE: bool,
    PORT: env.port.default(3000),
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
     * Default: true in local mode, false otherwise; refused in production.
     */
    PAYMENT_WEBHOOK_LEGACY_SIGNATURE: z.enum(['true', 'false']).optional(),
    TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
    /** Requests per minute per client (token subject, else address), webhook excluded. */
    RATE_LIMIT_PER_MINUTE: env.positiveInt.default(600),
    /** Requests per minute per address to POST /payments/webhook: the provider's own limit. */
    WEBHOOK_RATE_LIMIT_PER_MINUTE: env.positiveInt.default(300),
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
     * who reaches it can decrypt. Default: required, except in local mode (NODE_ENV other than
     * production, or LOCAL_MODE=true), whose dev-server UI cannot send a token; `none` is refused
     * in production.
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
    // Production must never run on the published development secrets.
    if (c.NODE_ENV !== 'production' || c.LOCAL_MODE) return;
    if (c.JWT_SECRET === undefined && c.JWKS_URL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'required in production (or set JWKS_URL)',
      });
    }
    // Without them, any token the same key or identity provider signed (for another service,
    // another environment) would be accepted here.
    for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
      if (c[name] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'required in production: tokens are accepted only for this issuer and audience',
        });
    }
    if (c.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'the development secret is refused in production',
      });
    }
    if (c.PAYMENT_WEBHOOK_SECRET === undefined || c.PAYMENT_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_WEBHOOK_SECRET'],
        message: 'a real secret is required in production',
      });
    }
    if (c.PAYMENT_WEBHOOK_LEGACY_SIGNATURE === 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_WEBHOOK_LEGACY_SIGNATURE'],
        message:
          'the legacy X-Signature has no replay protection and is refused in production (use the Standard Webhooks headers)',
      });
    }
    if (c.CODEC_SERVER_AUTH === 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['CODEC_SERVER_AUTH'],
        message: 'an unauthenticated codec server is refused in production (use required)',
      });
    }
  });
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export const loadApiConfig = (source: NodeJS.ProcessEnv = process.env): ApiConfig =>
  loadConfig(apiConfigSchema, source);

export function authSettings(c: ApiConfig): AuthSettings {
  const claims = {
    issuer: c.JWT_ISSUER,
    audience: c.JWT_AUDIENCE,
    clockToleranceSeconds: c.JWT_CLOCK_TOLERANCE_SECONDS,
  };
  // JWKS wins when configured: the identity provider then owns the keys.
  if (c.JWKS_URL !== undefined) return { kind: 'jwks', url: c.JWKS_URL, ...claims };
  return { kind: 'hs256', secret: c.JWT_SECRET ?? DEV_JWT_SECRET, ...claims };
}

/** Development conveniences are allowed: NODE_ENV other than production, or LOCAL_MODE=true. */
const isLocal = (c: ApiConfig): boolean => c.NODE_ENV !== 'production' || c.LOCAL_MODE;

/** Whether /codec takes a token: as configured, else required outside local mode. */
export function codecServerAuth(c: ApiConfig): 'required' | 'none' {
  return c.CODEC_SERVER_AUTH ?? (isLocal(c) ? 'none' : 'required');
}

export function appSettings(c: ApiConfig): AppSettings {
  return {
    auth: authSettings(c),
    paymentWebhook: {
      secret: c.PAYMENT_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET,
      acceptLegacySignature:
        (c.PAYMENT_WEBHOOK_LEGACY_SIGNATURE ?? (isLocal(c) ? 'true' : 'false')) === 'true',
    },
    temporalUiUrl: c.TEMPORAL_UI_URL,
    temporalNamespace: c.TEMPORAL_NAMESPACE,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    webhookRateLimitPerMinute: c.WEBHOOK_RATE_LIMIT_PER_MINUTE,
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
