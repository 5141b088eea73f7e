/**
 * A cap on password hashes in flight. Each scrypt run holds 32 MiB, and anyone can make the
 * server run one by posting the login form, so at most `running` run at once and at most
 * `waiting` more wait their turn; past that a login is refused at once (the route answers 503
 * with Retry-After) rather than queueing memory without bound.
 */

export interface KdfGateOptions {
  /** Hashes running at the same time. */
  running: number;
  /** Hashes waiting for a slot before new logins are refused. */
  waiting: number;
}

/** 2 × 32 MiB at most in scrypt; 8 waiting is ~400 ms of work at ~90 ms per hash. */
export const DEFAULT_KDF_GATE: KdfGateOptions = { running: 2, waiting: 8 };

export interface KdfGateStats {
  running: number;
  waiting: number;
  /** Most hashes seen running at once since the gate was made (or `resetPeak()`). */
  peakRunning: number;
  /** Attempts refused because the queue was full. */
  refused: number;
}

export class KdfGate {
  readonly #opts: KdfGateOptions;
  readonly #queue: (() => void)[] = [];
  #running = 0;
  #peak = 0;
  #refused = 0;

  constructor(opts: Partial<KdfGateOptions> = {}) {
    const o = { ...DEFAULT_KDF_GATE, ...opts };
    if (!Number.isInteger(o.running) || o.running < 1) {
      throw new RangeError(`KdfGate running must be an integer ≥ 1, got ${o.running}`);
    }
    if (!Number.isInteger(o.waiting) || o.waiting < 0) {
      throw new RangeError(`KdfGate waiting must be an integer ≥ 0, got ${o.waiting}`);
    }
    this.#opts = o;
  }

  /**
   * Runs `work` in a slot (at once or after waiting), or returns null at once, starting
   * nothing, when every slot and every waiting place is taken. For unauthenticated callers.
   */
  tryRun<T>(work: () => Promise<T>): Promise<T> | null {
    if (this.#running >= this.#opts.running && this.#queue.length >= this.#opts.waiting) {
      this.#refused++;
      return null;
    }
    return this.run(work);
  }

  /** Runs `work` in a slot, waiting as long as it takes (for signed-in admins' rare changes). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#opts.running) {
      this.#running++;
    } else {
      // The slot is handed over by #release, with #running unchanged.
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    this.#peak = Math.max(this.#peak, this.#running);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  stats(): KdfGateStats {
    return {
      running: this.#running,
      waiting: this.#queue.length,
      peakRunning: this.#peak,
      refused: this.#refused,
    };
  }

  resetPeak(): void {
    this.#peak = this.#running;
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running--;
  }
}
