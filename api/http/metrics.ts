import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * RED metrics per route. The label is the route pattern (`/orders/:orderId`), never the raw
 * URL, so cardinality stays bounded whatever clients send; unmatched paths share one label.
 */
export function httpMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP responses with status >= 500, by method and route.',
    labelNames: ['method', 'route'] as const,
    registers: [registry],
  });

  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, seconds);
      if (res.statusCode >= 500) errors.inc({ method: req.method, route });
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return path;
  // Static assets under /docs are one route for metrics purposes.
  if (req.originalUrl.startsWith('/docs')) return '/docs';
  return 'unmatched';
}
