import type { ServerResponse } from 'node:http';
import { z } from 'zod';

// Readiness of a process: ready, or what it is doing or waiting for instead, for a person. A
// process says it to its supervisor (`npm start`, scripts/supervisor.ts) over the IPC channel
// the supervisor opened, and serves it as `GET /readyz` where it has an HTTP server, for a
// Kubernetes readiness probe. Liveness (`/healthz`) stays separate: a process that is alive but
// not ready must not be restarted for it.

export const Readiness = z.discriminatedUnion('ready', [
  z.object({ ready: z.literal(true) }),
  /** What the process is doing or waiting for instead, for a person: "joining consumer group …". */
  z.object({ ready: z.literal(false), status: z.string().min(1) }),
]);
export type Readiness = z.infer<typeof Readiness>;

/** What a supervised process sends on its IPC channel. */
export const ReadinessMessage = z.object({
  type: z.literal('order-saga.readiness'),
  readiness: Readiness,
});
export type ReadinessMessage = z.infer<typeof ReadinessMessage>;

export const notReady = (status: string): Readiness => ({ ready: false, status });
export const READY: Readiness = { ready: true };

type Send = (message: ReadinessMessage) => void;

/** The IPC channel to the parent, when it opened one (never in a container or a test). */
const toParent: Send | undefined =
  typeof process.send === 'function'
    ? (message) => {
        // A parent that is gone is not an error of this process.
        if (process.connected) process.send?.(message, undefined, {}, () => undefined);
      }
    : undefined;

export interface ReadinessReporter {
  set(readiness: Readiness): void;
  current(): Readiness;
}

/**
 * Holds a process's readiness and tells the supervisor each change. Without an IPC channel it
 * only holds it (for `/readyz`).
 */
export function createReadinessReporter(
  initial: Readiness,
  send: Send | undefined = toParent,
): ReadinessReporter {
  let current = initial;
  const tell = () => send?.({ type: 'order-saga.readiness', readiness: current });
  tell();
  return {
    set(readiness) {
      if (JSON.stringify(readiness) === JSON.stringify(current)) return;
      current = readiness;
      tell();
    },
    current: () => current,
  };
}

/** `GET /readyz`: 200 when ready, else 503 with what the process is doing instead. */
export function answerReadiness(res: ServerResponse, readiness: Readiness): void {
  const body = readiness.ready
    ? { status: 'ready' }
    : { status: 'not-ready', detail: readiness.status };
  res
    .writeHead(readiness.ready ? 200 : 503, {
      'content-type': 'application/json',
      ...(!readiness.ready && { 'retry-after': '5' }),
    })
    .end(JSON.stringify(body));
}
