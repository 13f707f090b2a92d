import pino from 'pino';
import { activeTraceIds } from './tracing';

export type Logger = pino.Logger;

/**
 * Structured JSON logs, one line per event, tagged with the service name. Bind `orderId` and
 * `workflowId` with `logger.child({ orderId, workflowId })` wherever they are known. Lines
 * written while a span is active carry its `traceId`/`spanId`, to jump from a log to its trace.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceIds,
  });
}
