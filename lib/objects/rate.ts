/**
 * At most `fps` crops per second for one camera: a token bucket holding up to max(1, fps)
 * crops, refilled continuously. The server's classifier and `deno task detect --objects` use
 * the same one, so both classify the same frames of the same motion.
 */
export class CropBudget {
  #tokens = -1;
  #at = 0;

  /** How many crops (at most `max`) may be classified at `now` (ms); takes them. 0: none. */
  take(now: number, fps: number, max: number): number {
    const cap = Math.max(1, fps);
    if (this.#tokens < 0) this.#tokens = cap;
    else this.#tokens = Math.min(cap, this.#tokens + ((now - this.#at) / 1000) * fps);
    this.#at = now;
    if (this.#tokens < 1) return 0;
    const n = Math.max(1, Math.min(max, Math.floor(this.#tokens)));
    this.#tokens -= n;
    return n;
  }

  /** Whether a crop is available at `now`, without taking it. */
  available(now: number, fps: number): boolean {
    const cap = Math.max(1, fps);
    if (this.#tokens < 0) return true;
    return Math.min(cap, this.#tokens + ((now - this.#at) / 1000) * fps) >= 1;
  }

  /** Gives back crops that were taken but not used. */
  refund(n: number): void {
    this.#tokens += n;
  }
}
