/** What one {@link EventTracker.update} call decided. */
export type EventStep = { start: boolean; end: boolean; inEvent: boolean };

/**
 * Turns per-frame motion into events: an event starts after `minFrames` consecutive motion
 * frames and ends once `gapMs` passed without motion. Driven only by the timestamps given,
 * so tests use a fake clock.
 */
export class EventTracker {
  readonly minFrames: number;
  readonly gapMs: number;
  #consecutive = 0;
  #inEvent = false;
  #lastMotion = 0;
  readonly #step: EventStep = { start: false, end: false, inEvent: false };

  constructor(opts: { minFrames: number; gapMs: number }) {
    if (!Number.isInteger(opts.minFrames) || opts.minFrames < 1) {
      throw new RangeError(
        `EventTracker: minFrames must be a whole number of at least 1, not ${opts.minFrames}`,
      );
    }
    if (!(opts.gapMs >= 0) || !Number.isFinite(opts.gapMs)) {
      throw new RangeError(`EventTracker: gapMs must be a number of at least 0, not ${opts.gapMs}`);
    }
    this.minFrames = opts.minFrames;
    this.gapMs = opts.gapMs;
  }

  /** An event is open. */
  get inEvent(): boolean {
    return this.#inEvent;
  }

  /** Timestamp of the last motion frame seen (0 before any). */
  get lastMotion(): number {
    return this.#lastMotion;
  }

  /**
   * Called once per analysed frame. `start`: this frame opens an event (the minFrames-th
   * consecutive motion frame); `end`: the open event closed because gapMs passed since its last
   * motion frame. The returned object is reused by the next call.
   */
  update(ts: number, motion: boolean): EventStep {
    const step = this.#step;
    step.start = false;
    step.end = false;
    if (motion) {
      this.#consecutive++;
      this.#lastMotion = ts;
      if (!this.#inEvent && this.#consecutive >= this.minFrames) {
        this.#inEvent = true;
        step.start = true;
      }
    } else {
      this.#consecutive = 0;
      if (this.#inEvent && ts - this.#lastMotion >= this.gapMs) {
        this.#inEvent = false;
        step.end = true;
      }
    }
    step.inEvent = this.#inEvent;
    return step;
  }

  /** Called by a timer when no frames arrive; closes an open event whose gap passed (returns true then). */
  tick(ts: number): boolean {
    if (this.#inEvent && ts - this.#lastMotion >= this.gapMs) {
      this.#inEvent = false;
      this.#consecutive = 0;
      return true;
    }
    return false;
  }
}
