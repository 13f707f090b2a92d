import type { logCreator as LogCreator } from 'kafkajs';
import { logLevel } from 'kafkajs';
import type { Logger } from './logger';

// kafkajs's log lines through our logger. kafkajs logs every error response it will retry as an
// error, including those a broker gives in its first seconds (a group coordinator still loading
// its offsets, a partition without a leader yet): each process would print a few errors at every
// start of the stack although nothing is wrong. Those are logged at debug, and reported (warn)
// only when they persist beyond a bound.

const KAFKAJS_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Retriable errors of a broker's or a consumer group's start-up, by kafkajs's wording. */
const STARTUP_NOISE: readonly { kind: string; pattern: RegExp }[] = [
  { kind: 'GROUP_LOAD_IN_PROGRESS', pattern: /coordinator is loading/i },
  {
    kind: 'GROUP_COORDINATOR_NOT_AVAILABLE',
    pattern: /group coordinator is not available|failed to find group coordinator/i,
  },
  { kind: 'NOT_COORDINATOR_FOR_GROUP', pattern: /not the correct coordinator/i },
  { kind: 'LEADER_NOT_AVAILABLE', pattern: /no leader for this topic-partition/i },
];

/** How long start-up noise stays quiet before it is reported as a problem. */
export const STARTUP_NOISE_BOUND_MS = 30_000;

export interface KafkaLogOptions {
  boundMs?: number;
  now?: () => number;
}

function startupNoiseKind(message: string, error: unknown): string | undefined {
  const text = `${message} ${typeof error === 'string' ? error : ''}`;
  return STARTUP_NOISE.find((n) => n.pattern.test(text))?.kind;
}

// A consumer that gave up retrying logs "Crash: …" (with the cause), then "Restarting the
// consumer in …" (without it): the second belongs to the first.
const CRASH = /^Crash: /;
const RESTART_AFTER_CRASH = /^Restarting the consumer/;

/**
 * The logCreator of our kafkajs clients. INFO chatter goes to debug; start-up noise goes to
 * debug while it lasts less than `boundMs`, counted from its first occurrence: a streak ends
 * when the error has not recurred for `boundMs`.
 */
export function kafkaLogCreator(logger: Logger, options: KafkaLogOptions = {}): LogCreator {
  const boundMs = options.boundMs ?? STARTUP_NOISE_BOUND_MS;
  const now = options.now ?? Date.now;
  const streaks = new Map<string, { since: number; last: number }>();
  let crashNoise: string | undefined;
  const noiseKind = (message: string, error: unknown): string | undefined => {
    if (RESTART_AFTER_CRASH.test(message)) return crashNoise;
    const kind = startupNoiseKind(message, error);
    if (CRASH.test(message)) crashNoise = kind;
    return kind;
  };
  /** How long this kind of noise has been recurring, this occurrence included. */
  const persistingFor = (kind: string): number => {
    const at = now();
    const streak = streaks.get(kind);
    const since = streak && at - streak.last <= boundMs ? streak.since : at;
    streaks.set(kind, { since, last: at });
    return at - since;
  };
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      const method = KAFKAJS_LEVELS[level] ?? 'debug';
      if (method === 'info' || method === 'debug') return logger.debug(rest, message);
      const kind = noiseKind(message, rest.error);
      if (!kind) return logger[method](rest, message);
      const persistedMs = persistingFor(kind);
      if (persistedMs < boundMs) return logger.debug({ ...rest, startupNoise: kind }, message);
      logger.warn(
        { ...rest, startupNoise: kind, persistedMs },
        `${message} (still failing after ${Math.round(persistedMs / 1000)} s)`,
      );
    };
}
