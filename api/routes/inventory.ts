import { Router } from 'express';
import { requireScope } from '../auth/middleware';
import { SCOPES } from '../auth/principal';
import { jsonBody } from '../http/body';
import { problem } from '../http/problem';
import { parseRequestPart } from '../http/validate';
import { CatalogEntryBody, SkuParam } from '../schemas';
import type { RouteContext } from './context';

/** Support-only catalog maintenance: prices and stock the inventory service reserves from. */
export function inventoryRouter(ctx: RouteContext): Router {
  const router = Router();

  router.put('/inventory/:sku', requireScope(SCOPES.support), ...jsonBody, async (req, res) => {
    const { sku } = parseRequestPart(SkuParam, req.params, 'params');
    const body = parseRequestPart(CatalogEntryBody, req.body, 'body');
    const { entry, created } = await ctx.catalog.upsert(sku, body);
    res.status(created ? 201 : 200);
    if (created) res.location(`/inventory/${encodeURIComponent(sku)}`);
    res.json(entry);
  });

  router.get('/inventory/:sku', requireScope(SCOPES.support), async (req, res) => {
    const { sku } = parseRequestPart(SkuParam, req.params, 'params');
    const entry = await ctx.catalog.get(sku);
    if (!entry) throw problem('not-found', `No catalog entry for SKU ${sku}.`);
    res.json(entry);
  });

  return router;
}
