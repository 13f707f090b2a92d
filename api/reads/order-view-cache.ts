import type { OrderView } from '../../contracts/read-models';
import { setMostRecent } from '../../lib/most-recent';

export interface OrderViewCacheOptions {
  /** How long a parsed version is reused (default 2 s, the reader's pointer TTL). */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Parses each version of an order document once: clients poll the same order, and parsing it
 * with the contract schema on every read was a large part of a read's CPU. The projector writes
 * a document only when it applies an event, which raises `version` and sets `updatedAt`, so a
 * document read again with the same id, version and `updatedAt` is the one parsed before. The
 * one exception, a rebuilt generation whose fold changed switching in under the same versions,
 * is why an entry lives only `ttlMs`: reads follow such a switch within the pointer's TTL plus
 * this. A document that fails to parse is never stored (it fails loudly on every read). At most
 * `maxEntries` orders are kept, the least recently stored dropped first.
 */
export function createOrderViewCache(
  parse: (doc: OrderView) => OrderView,
  options: OrderViewCacheOptions = {},
): (doc: OrderView) => OrderView {
  const ttlMs = options.ttlMs ?? 2_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { view: OrderView; until: number }>();

  return (doc) => {
    const at = now();
    const known = entries.get(doc.orderId);
    if (
      known &&
      at < known.until &&
      known.view.version === doc.version &&
      known.view.updatedAt === doc.updatedAt
    )
      return known.view;
    const view = parse(doc);
    setMostRecent(entries, view.orderId, { view, until: at + ttlMs }, maxEntries);
    return view;
  };
}
