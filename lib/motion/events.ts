/** What one {@link EventTracker.update} call decided. */
export type EventStep = { start: boolean; end: boolean; split: boolean; inEvent: boolean };

/**
 * Turns per-frame motion into events: an event starts after `minFrames` consecutive motion
 * frames and ends once `gapMs` passed without motion. An event longer than `maxMs` (motion
 * that never stops: a tree in the wind, rain) is split, so retention can delete its old parts.
 * Driven only by the timestamps given, so tests use a fake clock.
 */
export class EventTracker {
  minFrames!: number;
  gapMs!: number;
  /** Longest event before it is split; 0 = no limit. */
  maxMs!: number;
  #consecutive = 0;
  #inEvent = false;
  /** When the open event began: the first of its minFrames motion frames. */
  #eventStart = 0;
  #runStart = 0;
  #lastMotion = 0;
  readonly #step: EventStep = { start: false, end: false, split: false, inEvent: false };

  constructor(opts: { minFrames: number; gapMs: number; maxMs?: number }) {
    this.configure(opts);
  }

  /**
   * Changes the rules without losing the open event (a settings change applied live): the
   * next update() uses them.
   */
  configure(opts: { minFrames: number; gapMs: number; maxMs?: number }): void {
    if (!Number.isInteger(opts.minFrames) || opts.minFrames < 1) {
      throw new RangeError(
        `EventTracker: minFrames must be a whole number of at least 1, not ${opts.minFrames}`,
      );
    }
    if (!(opts.gapMs >= 0) || !Number.isFinite(opts.gapMs)) {
      throw new RangeError(`EventTracker: gapMs must be a number of at least 0, not ${opts.gapMs}`);
    }
    const maxMs = opts.maxMs ?? 0;
    if (!(maxMs >= 0) || !Number.isFinite(maxMs)) {
      throw new RangeError(`EventTracker: maxMs must be a number of at least 0, not ${maxMs}`);
    }
    this.minFrames = opts.minFrames;
    this.gapMs = opts.gapMs;
    this.maxMs = maxMs;
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
   * motion frame; `split`: the open event reached maxMs, ends before this motion frame, and a
   * new one starts with it. The returned object is reused by the next call.
   */
  update(ts: number, motion: boolean): EventStep {
    const step = this.#step;
    step.start = false;
    step.end = false;
    step.split = false;
    if (motion) {
      if (++this.#consecutive === 1) this.#runStart = ts;
      this.#lastMotion = ts;
      if (!this.#inEvent && this.#consecutive >= this.minFrames) {
        this.#inEvent = true;
        this.#eventStart = this.#runStart;
        step.start = true;
      } else if (this.#inEvent && this.maxMs > 0 && ts - this.#eventStart >= this.maxMs) {
        this.#eventStart = ts;
        step.split = true;
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
