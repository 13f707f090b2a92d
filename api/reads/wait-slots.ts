// Bounds the `minVersion` waits in flight. A wait costs one rate-limit token but holds a
// connection and polls the read model for up to 30 s, so without a bound a few clients could
// keep the database busy with waits. Pure bookkeeping, per API instance.

export interface WaitSlotLimits {
  /** Waits in flight in this instance, whoever asks. */
  total: number;
  /** Waits in flight for one caller (token subject). */
  perSubject: number;
}

export type Acquired =
  { ok: true; release: () => void } | { ok: false; limit: 'total' | 'subject' };

export class WaitSlots {
  private inFlight = 0;
  private readonly bySubject = new Map<string, number>();

  constructor(readonly limits: WaitSlotLimits) {}

  acquire(subject: string): Acquired {
    const mine = this.bySubject.get(subject) ?? 0;
    if (mine >= this.limits.perSubject) return { ok: false, limit: 'subject' };
    if (this.inFlight >= this.limits.total) return { ok: false, limit: 'total' };
    this.inFlight += 1;
    this.bySubject.set(subject, mine + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        const left = (this.bySubject.get(subject) ?? 1) - 1;
        if (left === 0) this.bySubject.delete(subject);
        else this.bySubject.set(subject, left);
      },
    };
  }

  get size(): number {
    return this.inFlight;
  }
}
