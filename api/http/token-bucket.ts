// A token bucket per client key: `capacity` requests at once, refilled continuously at
// `capacity` per minute. Pure (the clock is passed in) so tests need no timers.

export interface TokenBucketOptions {
  perMinute: number;
  /** Bounds memory under many distinct clients: full (idle) buckets are dropped first. */
  maxKeys?: number;
  now?: () => number;
}

export type TakeResult =
  { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    this.perMs = options.perMinute / 60_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  get capacity(): number {
    return this.options.perMinute;
  }

  take(key: string): TakeResult {
    const now = this.now();
    const bucket = this.refilled(this.buckets.get(key), now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.store(key, bucket);
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    this.store(key, bucket);
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
    };
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.capacity, at: now };
    const tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs);
    return { tokens, at: now };
  }

  private store(key: string, bucket: Bucket) {
    this.buckets.delete(key); // re-insert so Map order is least-recently-used first
    this.buckets.set(key, bucket);
    if (this.buckets.size <= this.maxKeys) return;
    for (const [oldest] of this.buckets) {
      this.buckets.delete(oldest);
      if (this.buckets.size <= this.maxKeys) break;
    }
  }
}
