import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { contextFromTraceHeaders } from '../../lib/tracing';

const header = (req: Request, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** `/orders/:orderId`, not the concrete URL: span names must stay low-cardinality. */
function routeOf(req: Request): string | undefined {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : undefined;
}

/**
 * One SERVER span per request, continuing the caller's trace when it sends `traceparent`. The
 * span is the active context for everything the request does (so the Temporal client
 * interceptor makes StartWorkflow its child, and log lines carry its trace id).
 */
export function traceRequests(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const parent = contextFromTraceHeaders({
      traceparent: header(req, 'traceparent'),
      tracestate: header(req, 'tracestate'),
    });
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    // Not traced (no provider, and no caller's trace to carry on): the span is an invalid
    // placeholder that nothing exports, propagates or logs, so the request needs no context.
    if (!span.isRecording() && !trace.isSpanContextValid(span.spanContext())) return next();
    const active = trace.setSpan(parent, span);
    let ended = false;
    res.once('close', () => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // Body parsing and response writing run in stream callbacks; bind them to the span too.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
