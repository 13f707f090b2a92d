import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { PrettyOptions } from 'pino-pretty';
import { z } from 'zod';
import { activeTraceIds } from './tracing';

export type Logger = pino.Logger;

/**
 * LOG_FORMAT: `json` (one object per line, for machines: log collectors, `jq`), `pretty` (one
 * readable line, for people) or `auto` (the default): pretty when the output is a terminal,
 * JSON when it is piped, redirected or collected.
 */
export const LogFormatSetting = z.enum(['auto', 'json', 'pretty']);
export type LogFormat = 'json' | 'pretty';

/** The format to write in, from LOG_FORMAT's value and whether the output is a terminal. */
export function logFormatFor(setting: string | undefined, isTerminal: boolean): LogFormat {
  const parsed = LogFormatSetting.safeParse(setting?.trim() || 'auto');
  // Named, never echoed: the same rule as every other configuration error (lib/config.ts).
  if (!parsed.success)
    throw new Error(`LOG_FORMAT: expected one of ${LogFormatSetting.options.join(', ')}`);
  if (parsed.data === 'auto') return isTerminal ? 'pretty' : 'json';
  return parsed.data;
}

export interface LogOutput {
  /** Default: from LOG_FORMAT and whether stdout is a terminal (`logFormatFor`). */
  format?: LogFormat;
  /** Default: stdout (for JSON, pino's own stdout stream). */
  destination?: pino.DestinationStream;
  /** Pretty format only. Default: when the terminal supports colours. */
  colorize?: boolean;
}

/**
 * Structured logs, one line per event, tagged with the service name. Bind `orderId` and
 * `workflowId` with `logger.child({ orderId, workflowId })` wherever they are known. Lines
 * written while a span is active carry its `traceId`/`spanId`, to jump from a log to its trace.
 * JSON for machines; on a terminal, the same fields as one readable line (`prettyLine`).
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  output: LogOutput = {},
): Logger {
  const format =
    output.format ?? logFormatFor(process.env.LOG_FORMAT, process.stdout.isTTY === true);
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceIds,
  };
  if (format === 'json')
    return output.destination ? pino(options, output.destination) : pino(options);
  // stdout is written synchronously on Linux (terminal, file or pipe): a fatal line is out
  // before `process.exit`.
  const destination = output.destination ?? process.stdout;
  const prettify = prettyLine(output.colorize);
  return pino(options, { write: (json: string) => destination.write(prettify(json)) });
}

const LEVEL_COLOURS: Record<string, 'gray' | 'blue' | 'green' | 'yellow' | 'red' | 'bgRed'> = {
  trace: 'gray',
  debug: 'blue',
  info: 'green',
  warn: 'yellow',
  error: 'red',
  fatal: 'bgRed',
};

const twoDigits = (n: number, width = 2) => String(n).padStart(width, '0');

/** HH:MM:SS.mmm in the machine's time zone: what a person compares with their clock. */
function clockTime(iso: unknown): string {
  const at = new Date(typeof iso === 'string' ? iso : Date.now());
  return `${twoDigits(at.getHours())}:${twoDigits(at.getMinutes())}:${twoDigits(at.getSeconds())}.${twoDigits(at.getMilliseconds(), 3)}`;
}

/**
 * One JSON line → one readable line, by pino-pretty: `worker-payments 14:02:03.120 INFO  worker
 * started {"taskQueue":"payments"}`. The process name comes first, so the interleaved output of
 * the processes `npm start` runs can be told apart at a glance; other fields follow on the same
 * line, an error's stack below it.
 */
export function prettyLine(colorize?: boolean): (json: string) => string {
  const options: PrettyOptions = {
    singleLine: true,
    // Shown in front (messageFormat) instead of pino-pretty's "[time] LEVEL (name):" layout,
    // which cannot put the process name first.
    ignore: 'level,time,service,name,pid,hostname',
    messageFormat: (log, messageKey, _levelLabel, { colors }) => {
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      const level = text(log.level);
      const levelColour = colors[LEVEL_COLOURS[level] ?? 'white'];
      const service = text(log.service) || text(log.name);
      return `${colors.bold(service)} ${colors.gray(clockTime(log.time))} ${levelColour(level.toUpperCase().padEnd(5))} ${text(log[messageKey])}`;
    },
    ...(colorize === undefined ? {} : { colorize }),
  };
  return prettyFactory(options);
}
