import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { requireScope } from '../auth/middleware';
import { SCOPES, type Scope } from '../auth/principal';
import { issuesOf, problem } from '../http/problem';

/**
 * Temporal's remote codec server protocol (what the Web UI and `temporal … --codec-endpoint`
 * call): POST {endpoint}/encode and {endpoint}/decode with
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, answered in the same shape.
 *
 * Whoever may call /decode reads payment and address data in clear, so it takes a bearer token
 * with its own scope (SCOPES.codec): a Temporal UI behind OIDC passes its user's access token
 * (TEMPORAL_CODEC_PASS_ACCESS_TOKEN). The dev server's UI cannot send one, so local mode runs
 * it unauthenticated (CODEC_SERVER_AUTH in api/config.ts, docs/operations.md).
 *
 * /encode is an encryption oracle: whoever calls it gets payloads the workers accept as ours.
 * Viewing histories never needs it (the UI and CLI encode only the input of a workflow they
 * start or signal from there), so it always takes a token with a scope of its own
 * (SCOPES.codecEncode), in every mode, granted to nobody by default.
 */
export interface CodecServerSettings {
  /** Browser origins allowed to call it (the Temporal UI's), e.g. http://127.0.0.1:8233. */
  allowedOrigins: string[];
  /**
   * Scope a caller of /decode must carry; absent: unauthenticated (CODEC_SERVER_AUTH=none).
   * /encode always needs SCOPES.codecEncode.
   */
  requiredScope?: Scope;
}

/** The codec server's scope, SCOPES.codec (api/auth/principal.ts); kept for existing importers. */
export const CODEC_SCOPE = SCOPES.codec;

/** Generous: a history page may decode many payloads at once. */
const BODY_LIMIT = '4mb';

const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).optional(),
  data: z.string().optional(),
});
const body = z.object({ payloads: z.array(jsonPayload) });
type JsonPayload = z.infer<typeof jsonPayload>;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** CORS for the UI's origin; it sends `x-namespace` (and content-type), so both must be allowed. */
function cors(allowed: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
      res.setHeader('Access-Control-Expose-Headers', 'www-authenticate');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.vary('Origin');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

export function codecRouter(codec: PayloadCodec, settings: CodecServerSettings): Router {
  const router = Router();
  const allowed = new Set(settings.allowedOrigins.map((o) => new URL(o).origin));
  // CORS first: a browser's preflight carries no credentials, and a 401 must still be readable
  // by the UI. The token is checked (401/403/503 as on the other guarded routes) before the
  // (large) body is parsed.
  router.use('/codec', cors(allowed));
  const parseJson = express.json({ limit: BODY_LIMIT });
  const decodeGuard = settings.requiredScope ? [requireScope(settings.requiredScope)] : [];
  router.post('/codec/decode', ...decodeGuard, parseJson, codecHandler(codec, 'decode'));
  router.post(
    '/codec/encode',
    requireScope(SCOPES.codecEncode),
    parseJson,
    codecHandler(codec, 'encode'),
  );
  return router;
}

function codecHandler(codec: PayloadCodec, op: 'encode' | 'decode'): RequestHandler {
  return async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success)
      throw problem('codec-request-invalid', 'Expected { payloads: [...] }.', {
        errors: issuesOf('body', parsed.error),
      });
    const input = parsed.data.payloads.map(fromJson);
    let output: Payload[];
    try {
      output = op === 'encode' ? await codec.encode(input) : await codec.decode(input);
    } catch (err) {
      // Wrong key, tampered or truncated data: the caller's payload, not our failure. The
      // codec's own message names the key ids this server holds: it goes to the log only.
      req.log?.warn({ err }, `codec ${op} refused a payload`);
      throw problem(
        'codec-payload-unprocessable',
        op === 'decode'
          ? 'A payload could not be decrypted: it was encrypted with a key this server does not hold, or it is damaged.'
          : 'A payload could not be encoded.',
      );
    }
    res.json({ payloads: output.map(toJson) });
  };
}
