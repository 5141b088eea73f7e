import type { Box, Bus, CameraState } from "../bus/mod.ts";
import type { ObjectBox } from "../protocol.ts";
import type { CapturedFrame } from "../capture/mod.ts";
import type { CameraConfig } from "../config/mod.ts";
import type { CameraInfo } from "../context.ts";
import type { Store } from "../store/mod.ts";
import { EventTracker, MotionDetector } from "../motion/mod.ts";
import type { FrameResult } from "../motion/mod.ts";
import { jpegComplete } from "../jpeg.ts";

/** One frame from a capture: small gray pixels for the detector, the JPEG for people. */
export type PipelineFrame = CapturedFrame;

/** What the pipeline needs of a capture (lib/capture's CameraCapture, or a fake in tests). */
export interface CaptureLike {
  onFrame: (frame: PipelineFrame) => void;
  onState: (state: CameraState, message: string) => void;
  readonly state: CameraState;
  readonly message: string;
  readonly fps: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly detectWidth: number;
  readonly detectHeight: number;
  /** ffmpeg's last stderr lines, redacted (lib/capture's CameraCapture keeps them). */
  readonly errorLines?: readonly string[];
  /**
   * A frame's JPEG when it came without one (`jpeg: null`), asked for during onFrame; `more`:
   * more frames' JPEGs will likely follow. Answered in request order.
   */
  jpegOf?(frame: PipelineFrame, more: boolean): Promise<Uint8Array | null>;
  /** Whether that JPEG is cheap now (a snapshot that can wait picks such a frame). */
  jpegCheap?(frame: PipelineFrame): boolean;
  /** JPEGs made by jpegOf so far. */
  readonly jpegsEncoded?: number;
  /** Whether someone wants every frame's JPEG (lets the capture pick the cheaper way). */
  wantEveryFrame?(want: boolean): void;
  /** Whether ffmpeg now encodes every frame's JPEG itself. */
  readonly jpegEveryFrame?: boolean;
  /** Whether the camera's own JPEGs are copied. */
  readonly passthrough?: boolean;
  start(): void;
  stop(): Promise<void>;
}

/** Where motion events are recorded: lib/store's Store, or a fake in tests. */
export type Recorder = Pick<Store, "startEvent" | "addFrame" | "endEvent">;

export interface PipelineDeps {
  bus: Bus;
  recorder: Recorder;
  capture: CaptureLike;
  now?: () => number;
  /** Where state changes are written for the person running Vigil (default console.log). */
  log?: (line: string) => void;
  /** Object labels (lib/objects' ObjectService); without it, frames and events carry none. */
  objects?: ObjectsHook;
}

/** What the pipeline needs of lib/objects: it offers recorded motion frames, asks for labels. */
export interface ObjectsHook {
  /** Never waits: the frame is classified in the background, or dropped. */
  offer(camera: string, eventId: number, ts: number, jpeg: Uint8Array, boxes: Box[]): unknown;
  labels(eventId: number): string[];
  latestObjects(camera: string, eventId: number | null): ObjectBox[] | undefined;
  endEvent(eventId: number): string[];
}

/** Sees a frame's gray pixels (detection size) and the source's size. */
export type GrayListener = (
  gray: Uint8Array,
  width: number,
  height: number,
  sourceWidth: number,
  sourceHeight: number,
) => void;

/**
 * Without a live client, a frame's JPEG is still made this often, so snapshots (the viewer's
 * picture before motion, the settings page) stay recent: a few per minute.
 */
export const SNAPSHOT_EVERY_MS = 15_000;

/** What a frame is while detection is off (`detecting = false`): no motion, so open events end. */
const NO_MOTION: FrameResult = { motion: false, score: 0, boxes: [], zones: [] };

interface PendingFrame {
  ts: number;
  /** null when its JPEG could not be made: the motion is still reported, nothing is stored. */
  jpeg: Uint8Array | null;
  boxes: Box[];
  score: number;
  zones: string[];
}

/**
 * One camera from frames to events: runs the detector on each captured frame, opens and
 * closes motion events, records their frames, and publishes everything on the bus.
 */
export class CameraPipeline {
  #config: CameraConfig;
  /** Detection on (default) or off (MQTT `P/C/detect/set`): off, frames still flow, no events. */
  detecting = true;
  readonly #bus: Bus;
  readonly #recorder: Recorder;
  readonly #capture: CaptureLike;
  readonly #now: () => number;
  readonly #tracker: EventTracker;
  #detector: MotionDetector | null = null;
  #eventId: number | null = null;
  /** Motion frames seen before the event is confirmed (fewer than minFrames in a row). */
  #pending: PendingFrame[] = [];
  #lastMotion: number | null = null;
  /** Source size the detector was built for; a change (new camera mode) rebuilds it. */
  #sourceSize = "";
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** The last state logged: a camera retrying after the same fault is logged once. */
  #logged = "";
  readonly #log: (line: string) => void;
  readonly #objects: ObjectsHook | undefined;
  /** Frames dropped because their JPEG was cut short. */
  #truncated = 0;
  /** The recorder is failing (logged once until it works again). */
  #recorderFailing = false;
  /** Ids given to events the recorder could not open (negative: never stored). */
  #localIds = 0;
  /** Waiting for the next frame analysed with the settings last given to updateSettings(). */
  #applied: (() => void)[] = [];
  /** Who else sees each frame's gray pixels (the tuning view). */
  readonly #grayListeners = new Set<GrayListener>();
  /** Frames analysed whose JPEG is still being made, and the work after them, in order. */
  #backlog = 0;
  #tail: Promise<void> = Promise.resolve();
  /** Capture time of the last frame given a JPEG (for the periodic snapshot). */
  #lastJpegTs = -Infinity;
  /** Motion frames whose JPEG could not be made. */
  #missingJpegs = 0;
  /** Frames analysed since start. */
  #analysed = 0;

  constructor(config: CameraConfig, deps: PipelineDeps) {
    this.#config = config;
    this.#bus = deps.bus;
    this.#recorder = deps.recorder;
    this.#capture = deps.capture;
    this.#objects = deps.objects;
    this.#now = deps.now ?? Date.now;
    this.#tracker = new EventTracker({
      minFrames: config.detector.minFrames,
      gapMs: config.detector.eventGapMs,
      maxMs: config.detector.maxEventMs,
    });
    this.#capture.onFrame = (frame) => this.#onFrame(frame);
    const log = deps.log ?? console.log;
    this.#log = log;
    this.#capture.onState = (state, message) => {
      this.#bus.publish({ type: "status", camera: config.id, state, message, ts: this.#now() });
      // The capture's "(retrying in …)" suffix changes with each retry of the same fault.
      const fault = `${state}: ${message.replace(/ \(retrying in [^)]*\)$/, "")}`;
      if (state !== "starting" && fault !== this.#logged) {
        this.#logged = fault;
        log(`vigil: camera ${config.id}: ${message || state}`);
      }
    };
  }

  /** The camera's settings: those it started with, or the last given to updateSettings(). */
  get config(): CameraConfig {
    return this.#config;
  }

  /** The capture's ffmpeg process id while it runs (null otherwise, or for a fake capture). */
  get capturePid(): number | null {
    return (this.#capture as { pid?: number | null }).pid ?? null;
  }

  /**
   * New settings for the same capture (its source, size and rate must not change: that needs a
   * new capture): the detector is rebuilt with the new settings, masks and zones for the next
   * frame, and the event rules change without closing an open event. Resolves once a frame
   * has been analysed with them (or at stop()).
   */
  updateSettings(config: CameraConfig): Promise<void> {
    if (config.id !== this.#config.id) {
      throw new RangeError(`updateSettings: camera ${config.id} is not ${this.#config.id}`);
    }
    this.#tracker.configure({
      minFrames: config.detector.minFrames,
      gapMs: config.detector.eventGapMs,
      maxMs: config.detector.maxEventMs,
    });
    this.#config = config;
    this.#detector = null; // rebuilt from this.#config by the next frame
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#applied.push(resolve);
    return promise;
  }

  /**
   * Calls `listener` with each complete frame's gray pixels (valid only during the call) at
   * the detection size; returns the function that stops it.
   */
  onGray(listener: GrayListener): () => void {
    this.#grayListeners.add(listener);
    return () => this.#grayListeners.delete(listener);
  }

  start(): void {
    this.#capture.start();
    // Closes an event whose gap passed while no frames arrive (camera unplugged, ffmpeg dead).
    this.#ticker = setInterval(() => {
      if (this.#tracker.tick(this.#now())) {
        this.#endEvent(this.#lastMotion ?? this.#now());
      }
    }, 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.#ticker);
    await this.#capture.stop();
    await this.#tail;
    this.#settled();
    if (this.#eventId !== null) this.#endEvent(this.#lastMotion ?? this.#now());
  }

  info(): CameraInfo {
    const c = this.#capture;
    return {
      id: this.config.id,
      name: this.config.name,
      state: c.state,
      message: c.message,
      fps: Math.round(c.fps * 10) / 10,
      width: c.sourceWidth,
      height: c.sourceHeight,
      lastMotion: this.#lastMotion,
      error: [...(c.errorLines ?? [])],
      truncatedJpegs: this.#truncated,
      jpegsEncoded: c.jpegsEncoded ?? 0,
      jpegMode: c.passthrough ? "passthrough" : c.jpegEveryFrame ? "every-frame" : "on-demand",
      missingJpegs: this.#missingJpegs,
      framesAnalysed: this.#analysed,
    };
  }

  #detectorFor(frame: PipelineFrame): MotionDetector {
    const c = this.#capture;
    const d = this.#detector;
    if (
      d && d.mask.length === frame.gray.length &&
      this.#sourceSize === `${c.sourceWidth}x${c.sourceHeight}`
    ) {
      return d;
    }
    this.#sourceSize = `${c.sourceWidth}x${c.sourceHeight}`;
    this.#detector = new MotionDetector({
      width: c.detectWidth,
      height: c.detectHeight,
      sourceWidth: c.sourceWidth,
      sourceHeight: c.sourceHeight,
      settings: this.config.detector,
    });
    return this.#detector;
  }

  /** Tells those waiting in updateSettings() that the settings are in use. */
  #settled(): void {
    const waiting = this.#applied;
    if (waiting.length === 0) return;
    this.#applied = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Runs one recorder call. Storage never stops detection or live delivery: whatever the
   * recorder throws is logged (once per burst) and the frame goes on to the bus regardless.
   */
  #store<T>(fn: () => T): T | undefined {
    try {
      const out = fn();
      if (this.#recorderFailing) {
        this.#recorderFailing = false;
        this.#log(`vigil: camera ${this.config.id}: recording works again`);
      }
      return out;
    } catch (err) {
      if (!this.#recorderFailing) {
        this.#recorderFailing = true;
        this.#log(
          `vigil: camera ${this.config.id}: motion could not be recorded: ${
            (err as Error).message
          } (alerts and the live view go on)`,
        );
      }
      return undefined;
    }
  }

  #onFrame(frame: PipelineFrame): void {
    const arrivedAt = performance.now();
    if (frame.jpeg && !jpegComplete(frame.jpeg)) { // cut short: neither stored nor shown
      this.#truncated++;
      return;
    }
    const found: FrameResult = this.detecting
      ? this.#detectorFor(frame).process(frame.gray)
      : NO_MOTION;
    this.#analysed++;
    this.#settled();
    if (this.#grayListeners.size > 0) {
      const c = this.#capture;
      for (const listener of this.#grayListeners) {
        try {
          listener(frame.gray, c.detectWidth, c.detectHeight, c.sourceWidth, c.sourceHeight);
        } catch { /* a watcher's fault never stops detection */ }
      }
    }
    const camera = this.config.id;
    this.#capture.wantEveryFrame?.(this.#bus.wantsEveryFrame(camera));
    let jpeg: Uint8Array | null | Promise<Uint8Array | null> = frame.jpeg;
    if (jpeg === null && this.#capture.jpegOf && this.#needsJpeg(frame, found)) {
      // Only now, after detection, and still during onFrame: the frame's forms are its own.
      const more = found.motion || this.#bus.wantsEveryFrame(camera);
      jpeg = this.#capture.jpegOf(frame, more);
    }
    if (jpeg !== null) this.#lastJpegTs = frame.ts;
    if (this.#backlog === 0 && !(jpeg instanceof Promise)) {
      this.#afterDetection(frame.ts, arrivedAt, found, jpeg);
      return;
    }
    // Later frames wait for this one's JPEG, so events, storage and the bus keep frame order.
    // The detector reuses its result for the next frame: this one's is kept as a copy.
    const result: FrameResult = {
      motion: found.motion,
      score: found.score,
      boxes: found.boxes.map((b) => [...b] as Box),
      zones: [...found.zones],
    };
    this.#backlog++;
    const ts = frame.ts;
    this.#tail = this.#tail.then(async () => {
      try {
        this.#afterDetection(ts, arrivedAt, result, await jpeg);
      } catch (err) {
        this.#log(`vigil: camera ${camera}: ${(err as Error).message}`);
      } finally {
        this.#backlog--;
      }
    });
  }

  /**
   * Whether anyone needs this frame's JPEG: motion (stored, sent, alerted), a live client or a
   * recording (every frame), a snapshot asked for, or the periodic snapshot being due (on a
   * frame whose JPEG is cheap, such as a keyframe, unless none came for another period).
   */
  #needsJpeg(frame: PipelineFrame, result: FrameResult): boolean {
    const camera = this.config.id;
    if (result.motion || this.#bus.wantsEveryFrame(camera) || this.#bus.frameRequested(camera)) {
      return true;
    }
    const since = frame.ts - this.#lastJpegTs;
    return since >= 2 * SNAPSHOT_EVERY_MS ||
      (since >= SNAPSHOT_EVERY_MS && (this.#capture.jpegCheap?.(frame) ?? true));
  }

  #afterDetection(
    ts: number,
    arrivedAt: number,
    result: FrameResult,
    made: Uint8Array | null,
  ): void {
    const jpeg = made && jpegComplete(made) ? made : null;
    if (made && !jpeg) this.#truncated++;
    if (result.motion && !jpeg) this.#missingJpegs++;
    const frame = { ts, jpeg };
    const step = this.#tracker.update(frame.ts, result.motion);
    const camera = this.config.id;
    const boxes = result.boxes.map((b) => [...b] as Box);

    if (step.split) {
      // endless motion: close the long event at its last frame and go on in a new one
      this.#endEvent(this.#lastMotion ?? frame.ts);
    }
    if (step.start || step.split) {
      const start = this.#pending[0]?.ts ?? frame.ts;
      this.#eventId = this.#store(() => this.#recorder.startEvent(camera, start)) ??
        -(++this.#localIds);
      this.#bus.publish({
        type: "event",
        phase: "start",
        camera,
        eventId: this.#eventId,
        ts: frame.ts,
      });
      for (const p of this.#pending) this.#record(p);
      this.#pending = [];
    }
    const inEvent = this.#eventId !== null && result.motion;
    if (result.motion) {
      const frameRecord = {
        ts: frame.ts,
        jpeg: frame.jpeg,
        boxes,
        score: result.score,
        zones: [...result.zones],
      };
      if (inEvent) this.#record(frameRecord);
      else this.#pending.push(frameRecord);
    } else if (this.#eventId === null) {
      this.#pending = [];
    }
    if (frame.jpeg) {
      this.#bus.publish({
        type: "frame",
        camera,
        ts: frame.ts,
        jpeg: frame.jpeg,
        boxes: inEvent ? boxes : [],
        motion: inEvent,
        eventId: this.#eventId,
        score: result.score,
        arrivedAt,
        objects: inEvent ? this.#objects?.latestObjects(camera, this.#eventId) : undefined,
      });
      this.#bus.frameDelivered(camera);
    }
    if (step.end) this.#endEvent(this.#lastMotion ?? frame.ts);
  }

  #record(p: PendingFrame): void {
    const eventId = this.#eventId!;
    this.#lastMotion = p.ts;
    // Publish first: the alert must not wait for, or depend on, the disk.
    this.#bus.publish({
      type: "motion",
      camera: this.config.id,
      ts: p.ts,
      eventId,
      score: p.score,
      boxes: p.boxes,
      zones: p.zones,
      ...(this.#objects ? { labels: this.#objects.labels(eventId) } : {}),
    });
    const jpeg = p.jpeg;
    if (!jpeg) return;
    if (eventId > 0) {
      this.#store(() =>
        this.#recorder.addFrame(eventId, this.config.id, p.ts, jpeg, p.boxes, p.score)
      );
    }
    // After the frame's row exists: the best object frame may become the event's picture.
    this.#objects?.offer(this.config.id, eventId, p.ts, jpeg, p.boxes);
  }

  #endEvent(ts: number): void {
    const eventId = this.#eventId;
    if (eventId === null) return;
    this.#eventId = null;
    this.#pending = [];
    this.#bus.publish({
      type: "event",
      phase: "end",
      camera: this.config.id,
      eventId,
      ts,
      ...(this.#objects ? { labels: this.#objects.endEvent(eventId) } : {}),
    });
    if (eventId > 0) this.#store(() => this.#recorder.endEvent(eventId, ts));
  }
}
