import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs, one line per event, tagged with the service name. Bind `orderId` and
 * `workflowId` with `logger.child({ orderId, workflowId })` wherever they are known.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
