/**
 * A bounded FIFO with one async consumer: `push` never blocks; past `max` items the oldest is
 * dropped and counted. A channel (webhook, push) runs one per target, so a dead receiver holds
 * at most `max` notices in memory and never slows detection.
 */
export class BoundedQueue<T> {
  readonly max: number;
  dropped = 0;
  readonly #items: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`queue size must be ≥ 1, got ${max}`);
    }
    this.max = max;
  }

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#closed) return;
    if (this.#items.length >= this.max) {
      this.#items.shift();
      this.dropped++;
    }
    this.#items.push(item);
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** The next item, or null once closed. */
  async next(): Promise<T | null> {
    while (true) {
      if (this.#closed) return null;
      const item = this.#items.shift();
      if (item !== undefined) return item;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
