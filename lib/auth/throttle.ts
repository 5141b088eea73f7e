/**
 * Login throttling: failures are counted per key (a client address, a user name) in a sliding
 * window. A few failures are free; after that each failure blocks the key for a growing delay
 * (slow-down), and past `lockoutAfter` failures the key is locked out for `lockoutMs`.
 * Memory is bounded: at most `maxKeys` keys are tracked, oldest evicted first.
 *
 * A login counts its attempt with `reserve()` before the password hash runs and settles it with
 * `succeeded()` or `failed()` afterwards, so N parallel guesses are limited exactly like N
 * sequential ones (the check and the reservation happen in the same synchronous step).
 */

export interface ThrottleOptions {
  /** Failures allowed without any delay. */
  freeFailures: number;
  /** First slow-down delay (ms); doubles with each further failure, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures (within `windowMs`) after which the key is locked out. */
  lockoutAfter: number;
  lockoutMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  maxKeys: number;
}

export const DEFAULT_ADDRESS_THROTTLE: ThrottleOptions = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  lockoutAfter: 10,
  lockoutMs: 15 * 60_000,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
};

/** Per user a little more lenient than per address, so one noisy address cannot lock a user out as fast. */
export const DEFAULT_USER_THROTTLE: ThrottleOptions = {
  ...DEFAULT_ADDRESS_THROTTLE,
  freeFailures: 5,
  lockoutAfter: 20,
};

interface Entry {
  failures: number;
  first: number;
  blockedUntil: number;
  /** Reserved attempts whose outcome is not known yet (counted in `failures` already). */
  pending: number;
}

export class Throttle {
  readonly #opts: ThrottleOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: Partial<ThrottleOptions> = {}, now: () => number = Date.now) {
    this.#opts = { ...DEFAULT_ADDRESS_THROTTLE, ...opts };
    this.#now = now;
  }

  #get(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    const now = this.#now();
    if (now - e.first > this.#opts.windowMs && now >= e.blockedUntil) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Milliseconds until `key` may try again (0 = now). */
  retryAfterMs(key: string): number {
    const e = this.#get(key);
    return e ? Math.max(0, e.blockedUntil - this.#now()) : 0;
  }

  /** Records a failure; returns the resulting block in ms (0 = none yet). */
  fail(key: string): number {
    return this.#count(key).block;
  }

  /**
   * Counts an attempt as a failure before its outcome is known; returns the resulting block in
   * ms. Settle it with `succeeded()` or `failed()`.
   */
  reserve(key: string): number {
    const { entry, block } = this.#count(key);
    entry.pending++;
    return block;
  }

  /** A reserved attempt failed: it stays counted. */
  failed(key: string): void {
    const e = this.#get(key);
    if (e && e.pending > 0) e.pending--;
  }

  /**
   * A reserved attempt succeeded. Without `forgive`, the key's failures are forgotten, except
   * the other attempts still in flight, which stay counted (they may be guesses racing the right
   * password). With `forgive`, only that many failures (this attempt's reservation included) are
   * taken back, and a block already earned stands: an address that logs into its own account
   * keeps its failures against other accounts.
   */
  succeeded(key: string, forgive?: number): void {
    const e = this.#get(key);
    if (forgive !== undefined) {
      if (!e) return;
      if (e.pending > 0) e.pending--;
      e.failures = Math.max(e.pending, e.failures - Math.max(1, forgive));
      if (e.failures === 0 && this.#now() >= e.blockedUntil) this.reset(key);
      return;
    }
    if (!e || e.pending <= 1) return this.reset(key);
    const now = this.#now();
    e.pending--;
    e.failures = e.pending;
    e.first = now;
    e.blockedUntil = now + this.#blockFor(e.failures);
  }

  /** Failures (reserved attempts included) counted for `key` in its window. */
  failures(key: string): number {
    return this.#get(key)?.failures ?? 0;
  }

  /** Forgets a key (after a successful login). */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  #count(key: string): { entry: Entry; block: number } {
    const now = this.#now();
    let e = this.#get(key);
    if (!e) {
      e = { failures: 0, first: now, blockedUntil: 0, pending: 0 };
      if (this.#entries.size >= this.#opts.maxKeys) this.#evict();
    } else {
      this.#entries.delete(key); // re-insert: Map order = least recently failed first
    }
    this.#entries.set(key, e);
    e.failures++;
    const block = this.#blockFor(e.failures);
    e.blockedUntil = Math.max(e.blockedUntil, now + block);
    return { entry: e, block };
  }

  /** The block (ms) that the `failures`-th failure in the window earns. */
  #blockFor(failures: number): number {
    const o = this.#opts;
    if (failures >= o.lockoutAfter) return o.lockoutMs;
    if (failures > o.freeFailures) {
      return Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (failures - o.freeFailures - 1));
    }
    return 0;
  }

  /** Number of keys tracked (for tests and the admin page). */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#now();
    for (const [k, e] of this.#entries) {
      if (now - e.first > this.#opts.windowMs && now >= e.blockedUntil) this.#entries.delete(k);
    }
    // Still full: drop the least recently failed keys that are not blocked, then any.
    const over = this.#entries.size - this.#opts.maxKeys + 1;
    if (over > 0) {
      let dropped = 0;
      for (const [k, e] of this.#entries) {
        if (dropped >= over) break;
        if (e.blockedUntil <= now) {
          this.#entries.delete(k);
          dropped++;
        }
      }
      for (const k of this.#entries.keys()) {
        if (dropped >= over) break;
        this.#entries.delete(k);
        dropped++;
      }
    }
  }
}
