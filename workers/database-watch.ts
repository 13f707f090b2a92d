import type { Db } from 'mongodb';
import { createConditionWatch } from '../lib/condition-watch';
import { withDeadline } from '../lib/deadline';
import { repeatWithoutOverlap } from '../lib/repeat';

// A worker whose MongoDB client cannot reach its server any more, although the server is up,
// fails every activity for as long as the process lives: after a restart of the server a client
// can keep failing server selection with the error of the connection the restart closed, while
// a fresh process connects at once (docs/operations.md, "Incident notes"). So a worker pings its
// database and, when no ping has succeeded for `limitMs`, reports itself fatal: its process exits
// for the supervisor to start a fresh one (activities are idempotent and Temporal retries the
// ones it was running).

export interface DatabaseWatchOptions {
  db: Db;
  /** Called once, when no ping has succeeded for `limitMs`. */
  onFatal: (error: Error) => void;
  /** Between pings; default 5 s. */
  intervalMs?: number;
  /** Default 45 s: longer than one server selection (30 s), so a restart in between passes. */
  limitMs?: number;
  /** One ping's deadline; default 5 s. */
  pingTimeoutMs?: number;
}

/** Starts pinging; the returned function stops it. */
export function watchDatabase(options: DatabaseWatchOptions): () => void {
  const intervalMs = options.intervalMs ?? 5_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
  const watch = createConditionWatch(
    `no successful ping of database ${options.db.databaseName}`,
    options.limitMs ?? 45_000,
    Date.now(),
  );
  const check = async () => {
    const reached = await withDeadline('pinging the database', pingTimeoutMs, () =>
      options.db.command({ ping: 1 }),
    ).then(
      () => true,
      () => false,
    );
    // The watch reports only the first time the limit is passed.
    const failing = watch.observe(reached, Date.now());
    if (failing) options.onFatal(failing);
  };
  // One ping at a time: a hung one is bounded by its deadline.
  return repeatWithoutOverlap(intervalMs, check);
}
