import { Router, type Response } from 'express';
import { SCOPES } from '../auth/principal';
import { cached } from '../http/cached';
import swaggerUi from 'swagger-ui-express';
import { problem, problemDocument, sendProblem } from '../http/problem';
import type { ProbeResult } from '../ports';
import type { RouteContext } from './context';

/** Probes get this long in total; a hung dependency must not hang the readiness check. */
const READINESS_TIMEOUT_MS = 3000;

/** Unauthenticated operational routes: health, readiness, metrics and the API documents. */
export function opsRouter(ctx: RouteContext, openApiDocument: Record<string, unknown>): Router {
  const router = Router();
  // Orchestrators probe every few seconds, and anyone may call /readyz: the three probes run at
  // most once per readinessCacheMs whatever the request rate.
  const readiness = cached(
    () => probeAll(ctx, READINESS_TIMEOUT_MS),
    ctx.settings.readinessCacheMs,
    () => ctx.clock.now(),
  );

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (req, res) => {
    const probed = await readiness();
    // Probe errors name hosts and ports: only support staff see them.
    const checks = mayReadDetail(res) ? probed : probed.map(({ name, ok }) => ({ name, ok }));
    const failing = checks.filter((c) => !c.ok).map((c) => c.name);
    if (failing.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(
      res,
      {
        ...problemDocument(
          'not-ready',
          `Not ready: ${failing.join(', ')} ${failing.length === 1 ? 'is' : 'are'} unreachable.`,
          { unavailable: failing, checks },
        ),
        instance: req.originalUrl,
      },
      { 'Retry-After': '5' },
    );
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  router.get('/asyncapi.json', (_req, res) => {
    const doc = ctx.asyncApiDocument?.();
    if (doc === undefined) {
      throw problem('not-found', 'No AsyncAPI document is configured.');
    }
    res.json(doc);
  });

  // Assets come from the swagger-ui-dist package on disk, so the docs work offline.
  router.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(openApiDocument, { customSiteTitle: 'order-saga API' }),
  );

  return router;
}

function mayReadDetail(res: Response): boolean {
  const auth = res.locals.auth;
  return auth?.kind === 'authenticated' && auth.principal.scopes.has(SCOPES.support);
}

async function probeAll(ctx: RouteContext, timeoutMs: number): Promise<ProbeResult[]> {
  const all: ProbeResult['name'][] = ['temporal', 'kafka', 'mongodb'];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          all.map((name) => ({ name, ok: false, detail: `no answer within ${timeoutMs} ms` })),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      ctx.readiness.check().catch((err: unknown) =>
        all.map((name) => ({
          name,
          ok: false,
          detail: err instanceof Error ? err.message : String(err),
        })),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
