/**
 * @module
 * The tuning view's detectors: while the settings page polls a camera with draft detector
 * settings, a second detector with those settings watches that camera's live gray frames, so
 * the page can show its motion mask, boxes and score before anything is saved. A tuner is
 * rebuilt when the draft changes and dropped when nobody asked for a while.
 */
import { Buffer } from "node:buffer";
import { encodeGrayPng, MotionDetector } from "../motion/mod.ts";
import type { Box, DetectorSettings } from "../motion/mod.ts";
import type { GrayListener } from "../pipeline/mod.ts";

/** What a tuner needs of a camera's pipeline. */
export interface TunablePipeline {
  onGray(listener: GrayListener): () => void;
}

/** One poll's answer. */
export interface TuneAnswer {
  /** Detection size (the mask's size). */
  width: number;
  height: number;
  /** The last frame's binary motion mask as a gray PNG, base64. */
  mask: string;
  /** Motion boxes in camera pixels. */
  boxes: Box[];
  score: number;
  /** Frames analysed with these settings so far. */
  frames: number;
}

interface Tuner {
  pipeline: TunablePipeline;
  key: string;
  settings: DetectorSettings;
  detector: MotionDetector | null;
  boxes: Box[];
  score: number;
  frames: number;
  lastPoll: number;
  unsubscribe: () => void;
  /** Called after each analysed frame (someone waits for the first). */
  analysed: (() => void)[];
}

export class Tuners {
  readonly #tuners = new Map<string, Tuner>();
  readonly #idleMs: number;
  readonly #now: () => number;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(opts: { idleMs?: number; now?: () => number } = {}) {
    this.#idleMs = opts.idleMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Cameras being tuned now. */
  get active(): string[] {
    return [...this.#tuners.keys()];
  }

  /**
   * The tuner of `camera` with `settings` (made or rebuilt as needed); waits up to `waitMs`
   * for its first frame. Null when no frame came.
   */
  async poll(
    camera: string,
    pipeline: TunablePipeline,
    settings: DetectorSettings,
    waitMs = 3000,
  ): Promise<TuneAnswer | null> {
    const key = JSON.stringify(settings);
    let t = this.#tuners.get(camera);
    if (t && (t.key !== key || t.pipeline !== pipeline)) {
      this.#drop(camera);
      t = undefined;
    }
    if (!t) t = this.#start(camera, pipeline, settings, key);
    t.lastPoll = this.#now();
    if (t.frames === 0) {
      const { promise, resolve } = Promise.withResolvers<void>();
      t.analysed.push(resolve);
      const timer = setTimeout(resolve, waitMs);
      await promise;
      clearTimeout(timer);
    }
    const d = t.detector;
    if (!d || t.frames === 0) return null;
    return {
      width: d.width,
      height: d.height,
      mask: Buffer.from(encodeGrayPng(d.mask, d.width, d.height)).toString("base64"),
      boxes: t.boxes,
      score: t.score,
      frames: t.frames,
    };
  }

  /** Stops every tuner. */
  close(): void {
    for (const id of [...this.#tuners.keys()]) this.#drop(id);
  }

  #start(camera: string, pipeline: TunablePipeline, settings: DetectorSettings, key: string) {
    const t: Tuner = {
      pipeline,
      key,
      settings,
      detector: null,
      boxes: [],
      score: 0,
      frames: 0,
      lastPoll: this.#now(),
      unsubscribe: () => {},
      analysed: [],
    };
    t.unsubscribe = pipeline.onGray((gray, width, height, sourceWidth, sourceHeight) => {
      let d = t.detector;
      if (!d || d.width !== width || d.height !== height || d.sourceWidth !== sourceWidth) {
        d = t.detector = new MotionDetector({ width, height, sourceWidth, sourceHeight, settings });
        t.frames = 0;
      }
      const result = d.process(gray);
      t.boxes = result.boxes.map((b) => [...b] as Box);
      t.score = result.score;
      t.frames++;
      const waiting = t.analysed;
      t.analysed = [];
      for (const resolve of waiting) resolve();
    });
    this.#tuners.set(camera, t);
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.min(5000, this.#idleMs));
    return t;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, t] of this.#tuners) if (now - t.lastPoll > this.#idleMs) this.#drop(id);
  }

  #drop(camera: string): void {
    const t = this.#tuners.get(camera);
    if (!t) return;
    t.unsubscribe();
    for (const resolve of t.analysed) resolve();
    this.#tuners.delete(camera);
    if (this.#tuners.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
