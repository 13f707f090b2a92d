import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

// Tracing setup for every process (API, workers, projector). The OpenTelemetry SDK is the 1.x
// line because @temporalio/interceptors-opentelemetry 1.24 is built against it.

/** Instrumentation scope of our own spans. */
export const TRACER_NAME = 'order-saga';

/**
 * The Temporal workflow interceptors. They run inside the workflow sandbox, so they must be in
 * the workflow bundle: passed to Worker.create (workflowsPath) or to bundleWorkflowCode.
 */
export const TRACING_WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

export interface Tracing {
  readonly provider: NodeTracerProvider;
  /** Also handed to the workers' workflow-span sink, so workflow spans go the same way. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  readonly tracer: Tracer;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<base>/v1/traces`. */
  otlpEndpoint?: string;
  /** Instead of OTLP (tests: InMemorySpanExporter); exported synchronously, span by span. */
  exporter?: SpanExporter;
  /**
   * Install as the process-wide provider, W3C propagator and async context manager (default
   * true). The Temporal interceptors and `trace.getActiveSpan()` (log lines) read those globals,
   * so a traced process needs them; only one provider per process can be registered.
   */
  register?: boolean;
}

/** A provider exporting over OTLP/HTTP (or to `exporter`); undefined, meaning off, without either. */
export function createTracing(options: TracingOptions): Tracing | undefined {
  const exporter =
    options.exporter ??
    (options.otlpEndpoint
      ? new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` })
      : undefined);
  if (!exporter) return undefined;
  // Batching in production; a test exporter sees each span as soon as it ends.
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(exporter)
    : new BatchSpanProcessor(exporter);
  const resource = new Resource({ 'service.name': options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  if (options.register ?? true) provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    provider,
    spanProcessor,
    resource,
    tracer: provider.getTracer(TRACER_NAME),
    shutdown: () => provider.shutdown(),
  };
}

/** Our tracer when one is given, else the global one (a no-op until a provider is registered). */
export const tracerOf = (tracing?: { tracer: Tracer }): Tracer =>
  tracing?.tracer ?? trace.getTracer(TRACER_NAME);

// Our own propagation points (Kafka headers, HTTP) use W3C Trace Context directly, so they do
// not depend on which global propagator is installed.
const w3c = new W3CTraceContextPropagator();

export interface W3CTraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

/** The active span's context as W3C headers; undefined when nothing is being traced. */
export function activeTraceHeaders(
  active: Context = context.active(),
): W3CTraceHeaders | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(active, carrier, defaultTextMapSetter);
  if (!carrier.traceparent) return undefined;
  return {
    traceparent: carrier.traceparent,
    ...(carrier.tracestate && { tracestate: carrier.tracestate }),
  };
}

/** A context whose remote parent comes from W3C headers (root context when there are none). */
export function contextFromTraceHeaders(headers: W3CTraceHeaders): Context {
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** Trace and span id of the active span, for log lines; empty when not tracing. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  // Non-recording placeholders carry all-zero ids; nothing to correlate.
  if (!trace.isSpanContextValid({ traceId, spanId, traceFlags })) return {};
  return { traceId, spanId };
}
