/** Percentiles of one recorder's recent samples, in milliseconds. */
export interface LatencySummary {
  /** Samples the percentiles are taken over (the most recent, at most the recorder's size). */
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * The time from a frame's arrival from ffmpeg to its WebSocket send, over the most recent
 * sends: a fixed ring of samples, so recording allocates nothing and memory stays bounded.
 */
export class SendLatency {
  readonly #ring: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size = 8192) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`SendLatency size must be a positive integer, got ${size}`);
    }
    this.#ring = new Float64Array(size);
  }

  record(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    this.#ring[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#count < this.#ring.length) this.#count++;
  }

  /** Percentiles of the recorded samples (NaN while there are none). */
  summary(): LatencySummary {
    const sorted = this.#ring.slice(0, this.#count).sort();
    const at = (p: number) =>
      sorted.length === 0
        ? NaN
        : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return {
      samples: sorted.length,
      p50: at(0.5),
      p99: at(0.99),
      max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    };
  }
}
