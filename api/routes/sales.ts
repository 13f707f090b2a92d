import { Router } from 'express';
import type { CustomerStats, SkuSales } from '../../contracts/read-models';
import { actorOf, SCOPES } from '../auth/principal';
import { principalOf, requireScope } from '../auth/middleware';
import { parseRequestPart } from '../http/validate';
import { CustomerIdParam, SkuParam, TopSkuSalesQuery } from '../schemas';
import type { RouteContext } from './context';
import { answered } from './order-problems';

// The aggregates the projector keeps exact beside the orders: a customer's own counts and
// spending, and support's sales per SKU (application/order-queries.ts).

/** The documented fields only: storage details (the projector's marks) never leave. */
const statsResponse = ({ customerId, ordersByStatus, totalSpent }: CustomerStats) => ({
  customerId,
  ordersByStatus,
  totalSpent,
});
const salesResponse = ({ sku, unitsSold, revenue }: SkuSales) => ({ sku, unitsSold, revenue });

export function salesRouter(ctx: RouteContext): Router {
  const router = Router();
  const { queries } = ctx;

  router.get('/customers/:customerId/stats', requireScope(SCOPES.read), async (req, res) => {
    const { customerId } = parseRequestPart(CustomerIdParam, req.params, 'params');
    const by = actorOf(principalOf(res));
    res.json(statsResponse(answered(await queries.customerStats(by, customerId))));
  });

  router.get('/sales/skus', requireScope(SCOPES.support), async (req, res) => {
    const { limit } = parseRequestPart(TopSkuSalesQuery, req.query, 'query');
    res.json({ items: (await queries.topSkuSales(limit)).map(salesResponse) });
  });

  router.get('/sales/skus/:sku', requireScope(SCOPES.support), async (req, res) => {
    const { sku } = parseRequestPart(SkuParam, req.params, 'params');
    res.json(salesResponse(await queries.skuSales(sku)));
  });

  return router;
}
