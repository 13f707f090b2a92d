import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { RateLimitCounters } from '../ports';

/**
 * express-rate-limit's Store over the RateLimitCounters port, so the counters can live in
 * MongoDB (shared by every API instance) or in memory, and the clock is the app's.
 */
export class CountersStore implements Store {
  /** Counts are shared across processes: the library must not assume it sees every hit. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly counters: RateLimitCounters,
    readonly prefix: string,
    private readonly now: () => number,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private windowStart(): number {
    return Math.floor(this.now() / this.windowMs) * this.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const start = this.windowStart();
    const totalHits = await this.counters.hit(this.prefix + key, start, this.windowMs);
    return { totalHits, resetTime: new Date(start + this.windowMs) };
  }

  decrement(key: string): Promise<void> {
    return this.counters.unhit(this.prefix + key, this.windowStart());
  }

  resetKey(key: string): Promise<void> {
    return this.counters.reset(this.prefix + key, this.windowStart());
  }
}
