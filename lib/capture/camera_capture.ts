/**
 * One camera's capture: runs ffmpeg, splits its Matroska output into paired gray + JPEG
 * frames, and supervises it (states, restart with capped exponential backoff, watchdog).
 */

import { CaptureError, explainExit, FFMPEG_MISSING } from "./errors.ts";
import {
  canPassThrough,
  DEMO_HEIGHT,
  DEMO_WIDTH,
  ffmpegArgs,
  type FfmpegPlan,
  sourceKind,
} from "./ffmpeg_args.ts";
import { forViewers, publicSource, redactSource } from "./redact.ts";
import { jpegSize } from "../jpeg.ts";
import { MkvDemuxer, type MkvTrack } from "./mkv_demuxer.ts";
import { type CaptureProcess, type Clock, denoSpawn, realClock, type Spawner } from "./process.ts";
import { listFormats, preferredInputFormat, type V4l2Format } from "./v4l2.ts";
import { demoLoop } from "./demo.ts";
import { JpegDecoder } from "./jpeg_decoder.ts";
import { JpegEncoder, yuv420pBytes } from "./jpeg_encoder.ts";

export type CameraState = "starting" | "running" | "stalled" | "failed" | "stopped";

/**
 * One frame: gray pixels for the detector, and for display the camera's own JPEG
 * (pass-through), or the full-size raw picture, or nothing yet: `CameraCapture.jpegOf` makes the
 * JPEG of a raw picture, or decodes the camera's own packet of this frame (H.264 and the like),
 * when someone needs this frame.
 */
export interface CapturedFrame {
  /** 0, 1, 2 … within one ffmpeg run (restarts begin at 0 again). */
  seq: number;
  /** Epoch ms when the frame arrived from ffmpeg. */
  ts: number;
  /** The frame's time in the stream, ms (from ffmpeg; both forms share it). */
  pts: number;
  /** detectWidth*detectHeight gray bytes, row-major. A reused buffer: valid only during onFrame. */
  gray: Uint8Array;
  /** The display JPEG of exactly this frame (pass-through), the receiver owns it; else null. */
  jpeg: Uint8Array | null;
  /**
   * When `jpeg` is null: the full-size yuv420p picture (sourceWidth x sourceHeight). A reused
   * buffer: valid only during onFrame (hand it to encodeJpeg there).
   */
  raw?: Uint8Array;
}

export interface CaptureOptions {
  /** Camera id, used in messages. */
  id: string;
  /** "demo" | "/dev/videoN" | "rtsp://…" | "http(s)://…" (MJPEG) | a video file path. */
  source: string;
  /**
   * Wanted size and rate. V4L2: asked of the camera. demo: generated (default 640x480 @ 15).
   * rtsp/http/file: the display JPEGs are scaled / rate-limited to them (which turns
   * pass-through off). Undefined: the source's own.
   */
  width?: number;
  height?: number;
  fps?: number;
  /** V4L2 input format ("mjpeg", "yuyv422", …) or "auto" (default): MJPEG when offered. */
  inputFormat?: string;
  /**
   * Copy the camera's own packets to the display path: JPEGs pass through, other codecs
   * (H.264…) are decoded only for the frames someone needs (jpeg_decoder.ts). "auto" (default):
   * on for V4L2 MJPEG, HTTP, RTSP and files; off (raw pictures) when scaled or rate-limited.
   */
  passthrough?: boolean | "auto";
  /** Fixed detection size. Else from detectSize(sourceWidth, sourceHeight). */
  detectWidth?: number;
  detectHeight?: number;
  /** Detection size for a source size (lib/motion's detectionSize). Default: 320 wide, same aspect. */
  detectSize?: (sourceWidth: number, sourceHeight: number) => { width: number; height: number };
  /** JPEG quality when re-encoding, ffmpeg -q:v (2 best … 31 worst). Default 5. */
  jpegQuality?: number;
  /** Default "ffmpeg". */
  ffmpegPath?: string;
  /** Watchdog: a running camera with no frame for this long is restarted. Default 5000. */
  stallTimeoutMs?: number;
  /** Watchdog: a starting camera with no frame for this long is restarted. Default 15000. */
  startTimeoutMs?: number;
  /** First restart delay; doubles per failure in a row. Default 500. */
  restartDelayMs?: number;
  /** Largest restart delay. Default 30000. */
  restartMaxDelayMs?: number;
  /** RTSP/HTTP socket timeout. Default 10000. */
  timeoutMs?: number;
  /**
   * RTSP transport: "tcp" or "udp". Unset: TCP, switching to UDP for good when the server
   * answers that it offers no TCP (461).
   */
  rtspTransport?: "tcp" | "udp";
  /** Extra ffmpeg input options (placed before -i), for what the options above do not cover. */
  inputArgs?: string[];
  /**
   * demo: a folder where the scene is pre-rendered once as an MJPEG loop and played from (much
   * cheaper than the live graph; lib/capture/demo.ts). Unset, or when rendering fails: the graph.
   */
  demoDir?: string;
}

export interface CaptureDeps {
  spawn?: Spawner;
  clock?: Clock;
  /** V4L2 format lister (default: ffmpeg -list_formats through `spawn`). */
  listFormats?: (device: string) => Promise<V4l2Format[]>;
}

/** Someone wants every frame this long before ffmpeg is restarted to encode every JPEG itself. */
export const EVERY_FRAME_AFTER_MS = 2000;
/** Nobody wants every frame this long before ffmpeg goes back to raw pictures (on demand). */
export const ON_DEMAND_AFTER_MS = 30_000;

const GRAY_TRACK = 1;
const JPEG_TRACK = 2;
const PENDING = 4;
const FPS_WINDOW = 32;
/** A run that delivered frames for this long resets the backoff. */
const STABLE_MS = 10_000;
/** How many of ffmpeg's last stderr lines `errorLines` shows. */
export const ERROR_LINES = 5;
/** Longest stderr line `errorLines` shows; ffmpeg's lines are short, a hostile stream's need not be. */
export const ERROR_LINE_CHARS = 300;

function defaultDetectSize(w: number, h: number): { width: number; height: number } {
  const width = Math.max(2, Math.floor(Math.min(320, w) / 2) * 2);
  return { width, height: Math.max(2, Math.round((h * width) / w / 2) * 2) };
}

/** Reads and validates the options (they may come from a JSON config). */
function checkOptions(o: CaptureOptions): void {
  if (typeof o.id !== "string" || o.id === "") throw new TypeError("capture id must be a string");
  if (typeof o.source !== "string" || o.source === "") {
    throw new TypeError(`camera ${o.id}: source must be a string such as "demo" or "/dev/video0"`);
  }
  const ints: [string, unknown, number, number][] = [
    ["width", o.width, 16, 8192],
    ["height", o.height, 16, 8192],
    ["fps", o.fps, 1, 120],
    ["detectWidth", o.detectWidth, 2, 8192],
    ["detectHeight", o.detectHeight, 2, 8192],
    ["jpegQuality", o.jpegQuality, 2, 31],
    ["stallTimeoutMs", o.stallTimeoutMs, 100, 3_600_000],
    ["startTimeoutMs", o.startTimeoutMs, 100, 3_600_000],
    ["restartDelayMs", o.restartDelayMs, 0, 3_600_000],
    ["restartMaxDelayMs", o.restartMaxDelayMs, 0, 3_600_000],
    ["timeoutMs", o.timeoutMs, 100, 3_600_000],
  ];
  for (const [name, v, min, max] of ints) {
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`camera ${o.id}: ${name} must be a whole number from ${min} to ${max}`);
    }
  }
  if ((o.width === undefined) !== (o.height === undefined)) {
    throw new RangeError(`camera ${o.id}: give both width and height, or neither`);
  }
  if ((o.detectWidth === undefined) !== (o.detectHeight === undefined)) {
    throw new RangeError(`camera ${o.id}: give both detectWidth and detectHeight, or neither`);
  }
  if (
    o.inputFormat !== undefined &&
    (typeof o.inputFormat !== "string" || !/^[a-z0-9_]+$/.test(o.inputFormat))
  ) {
    throw new TypeError(`camera ${o.id}: inputFormat must be a name such as "mjpeg" or "auto"`);
  }
  if (
    o.passthrough !== undefined && typeof o.passthrough !== "boolean" && o.passthrough !== "auto"
  ) {
    throw new TypeError(`camera ${o.id}: passthrough must be true, false or "auto"`);
  }
  if (o.rtspTransport !== undefined && o.rtspTransport !== "tcp" && o.rtspTransport !== "udp") {
    throw new TypeError(`camera ${o.id}: rtspTransport must be "tcp" or "udp"`);
  }
  if (o.detectSize !== undefined && typeof o.detectSize !== "function") {
    throw new TypeError(`camera ${o.id}: detectSize must be a function`);
  }
  if (
    o.inputArgs !== undefined &&
    (!Array.isArray(o.inputArgs) || o.inputArgs.some((a) => typeof a !== "string"))
  ) {
    throw new TypeError(`camera ${o.id}: inputArgs must be an array of strings`);
  }
}

interface Run {
  gen: number;
  proc: CaptureProcess;
  plan: FfmpegPlan;
  startedAt: number;
  /** When the first frame arrived (0: none yet). */
  firstFrameAt: number;
  seq: number;
  /** Set when this run is being ended on purpose: the state to report instead of "failed". */
  endedBy: "stop" | "stall" | "relaunch" | null;
  /** ffmpeg was told to end; its output is ignored from then on. */
  killed: boolean;
  exited: boolean;
  stderr: string[];
  /** Whether the JPEG size has been checked against the plan. */
  sized: boolean;
  /** Track 2 carries raw yuv420p pictures of this size (not JPEGs). */
  raw: { width: number; height: number } | null;
  /** Track 2 carries the camera's compressed packets (not JPEGs), decoded on demand. */
  decoder: JpegDecoder | null;
  /** Decoding on demand: the time of the gray frame in #grayBufs[0] waiting for its packet. */
  heldGray: number | null;
  demux: MkvDemuxer;
  done: Promise<void>;
}

/**
 * Captures one camera with ffmpeg and keeps it going. Set `onFrame` and `onState`, then
 * `start()`; `stop()` ends ffmpeg (SIGTERM, then SIGKILL after 1 s) and resolves once it is gone.
 * `start()` never throws for runtime faults (missing ffmpeg, bad device, bad URL): they become
 * state `failed` with a message that says what to do, and a retry after a backoff delay.
 */
export class CameraCapture {
  /** Called for each paired frame; set it before start(). */
  onFrame: (frame: CapturedFrame) => void = () => {};
  /** Called on each state change with a message for people. */
  onState: (state: CameraState, message: string) => void = () => {};

  readonly options: Readonly<CaptureOptions>;
  readonly #spawn: Spawner;
  readonly #clock: Clock;
  readonly #listFormats: (device: string) => Promise<V4l2Format[]>;

  #state: CameraState = "stopped";
  #message = "not started";
  #run: Run | null = null;
  #gen = 0;
  #active = false;
  #failures = 0;
  #restarts = 0;
  #restartTimer: unknown = null;
  #watchTimer: unknown = null;
  #stopping: Promise<void> | null = null;

  #sourceWidth = 0;
  #sourceHeight = 0;
  #detectWidth: number;
  #detectHeight: number;
  /** V4L2 input format found by listing the device (cached once known). */
  #inputFormat: string | undefined;
  #formatsListed = false;
  /** A running format listing, awaited by stop() so no process outlives it. */
  #listing: Promise<unknown> | null = null;
  /** The demo's pre-rendered loop (null: rendering failed, the live graph runs). */
  #demoLoop: string | null | undefined;
  #passthroughActive = false;
  /** Set when an RTSP server refused TCP and no transport was configured. */
  #rtspUdp = false;
  #dropped = 0;
  #lastError: CaptureError | null = null;

  /** Paired-frame bookkeeping (reused buffers). */
  #grayBufs: Uint8Array[] = [];
  #grayPts = new Float64Array(PENDING);
  #grayCount = 0;
  #jpegQ: { pts: number; data: Uint8Array }[] = [];
  /** Reused buffers for raw pictures waiting for their gray frame. */
  #rawFree: Uint8Array[] = [];
  /** ffmpeg encodes every frame's JPEG (a live client or recording wants them all). */
  #everyFrame = false;
  /** Since when the wish (wantEveryFrame) differs from #everyFrame; null: it does not. */
  #wishSince: number | null = null;
  /** Makes JPEGs from raw pictures on demand (started on the first request). */
  #encoder: JpegEncoder | null = null;
  /** Decoders of ended runs still closing. */
  #decoderClosing: Promise<void> = Promise.resolve();
  /** JPEGs made by earlier encoders and decoders (a size change or a new run replaces them). */
  #encodedBefore = 0;
  #encodeDroppedBefore = 0;
  #frameTimes = new Float64Array(FPS_WINDOW);
  /** Time of the last frame passed on. */
  #lastTs = 0;
  #frameCount = 0;

  constructor(opts: CaptureOptions, deps: CaptureDeps = {}) {
    checkOptions(opts);
    this.options = { ...opts };
    this.#spawn = deps.spawn ?? denoSpawn;
    this.#clock = deps.clock ?? realClock;
    const ffmpegPath = opts.ffmpegPath ?? "ffmpeg";
    this.#listFormats = deps.listFormats ??
      ((device) => listFormats(device, { ffmpegPath, spawn: this.#spawn }));
    const kind = sourceKind(opts.source);
    const guessW = opts.width ?? DEMO_WIDTH;
    const guessH = opts.height ?? DEMO_HEIGHT;
    if (kind === "demo" || opts.width !== undefined) {
      this.#sourceWidth = guessW;
      this.#sourceHeight = guessH;
    }
    const d = this.#detectFor(guessW, guessH);
    this.#detectWidth = d.width;
    this.#detectHeight = d.height;
    if (opts.inputFormat !== undefined && opts.inputFormat !== "auto") {
      this.#inputFormat = opts.inputFormat;
      this.#formatsListed = true;
    }
  }

  get state(): CameraState {
    return this.#state;
  }
  /** The last state message: what is happening or what went wrong and what to do. */
  get message(): string {
    return this.#message;
  }
  /** Size of the display JPEGs (0 until known); boxes are reported in these pixels. */
  get sourceWidth(): number {
    return this.#sourceWidth;
  }
  get sourceHeight(): number {
    return this.#sourceHeight;
  }
  /** Size of the gray frames. */
  get detectWidth(): number {
    return this.#detectWidth;
  }
  get detectHeight(): number {
    return this.#detectHeight;
  }
  /** Whether the current run copies the camera's JPEGs (no re-encoding). */
  get passthrough(): boolean {
    return this.#passthroughActive;
  }
  /**
   * Tells the capture whether someone wants every frame's JPEG (call it per frame). Held for
   * EVERY_FRAME_AFTER_MS, ffmpeg is restarted to encode every JPEG itself, which costs less than
   * raw pictures through Vigil; not wanted for ON_DEMAND_AFTER_MS, it goes back to raw pictures
   * and JPEGs on demand. Each switch costs a restart (frames pause for well under a second on a
   * local source), hence the delays. Pass-through sources never switch.
   */
  wantEveryFrame(want: boolean): void {
    const run = this.#run;
    const jpegsCopied = run?.plan.passthrough && !run.decoder;
    if (!run || run.killed || jpegsCopied || want === this.#everyFrame) {
      this.#wishSince = null;
      return;
    }
    const now = this.#clock.now();
    this.#wishSince ??= now;
    if (now - this.#wishSince < (want ? EVERY_FRAME_AFTER_MS : ON_DEMAND_AFTER_MS)) return;
    this.#wishSince = null;
    this.#everyFrame = want;
    run.endedBy = "relaunch";
    this.#kill(run);
  }

  /** Whether ffmpeg now encodes every frame's JPEG (see wantEveryFrame). */
  get jpegEveryFrame(): boolean {
    return this.#everyFrame;
  }

  /** JPEGs encoded on demand so far (pass-through JPEGs are not counted). */
  get jpegsEncoded(): number {
    return this.#encodedBefore + (this.#encoder?.encoded ?? 0) + (this.#run?.decoder?.encoded ?? 0);
  }
  /** JPEGs asked for but not made (the encoder was busy with too many, or failed). */
  get jpegsDropped(): number {
    return this.#encodeDroppedBefore + (this.#encoder?.dropped ?? 0) +
      (this.#run?.decoder?.dropped ?? 0);
  }

  /**
   * The JPEG of a frame's raw picture (`frame.raw`, during onFrame: it is copied at once).
   * Requests are answered in order; null when it could not be made.
   */
  encodeJpeg(raw: Uint8Array): Promise<Uint8Array | null> {
    const w = this.#sourceWidth, h = this.#sourceHeight;
    let enc = this.#encoder;
    if (!enc || enc.width !== w || enc.height !== h) {
      if (enc) {
        this.#encodedBefore += enc.encoded;
        this.#encodeDroppedBefore += enc.dropped;
        void enc.close();
      }
      enc = this.#encoder = new JpegEncoder({
        width: w,
        height: h,
        quality: this.options.jpegQuality ?? 5,
        ffmpegPath: this.options.ffmpegPath,
        log: (line) => console.error(`capture ${this.options.id}: ${line}`),
      });
    }
    return enc.encode(raw);
  }

  /**
   * A frame's JPEG, passed through, encoded from its raw picture or decoded from the camera's
   * packets (call during onFrame); null if none could be made. `more`: more frames' JPEGs will
   * likely be asked for soon (motion, a live client), so the decoder keeps going.
   */
  jpegOf(frame: CapturedFrame, more = false): Promise<Uint8Array | null> {
    if (frame.jpeg) return Promise.resolve(frame.jpeg);
    if (frame.raw) return this.encodeJpeg(frame.raw);
    const dec = this.#run?.decoder;
    return dec ? dec.jpegOf(frame.pts, more) : Promise.resolve(null);
  }

  /** Whether a frame's JPEG is cheap now (for snapshots that can wait for a keyframe). */
  jpegCheap(frame: CapturedFrame): boolean {
    if (frame.jpeg || frame.raw) return true;
    return this.#run?.decoder?.cheap(frame.pts) ?? false;
  }

  /** How many times ffmpeg has been started again after the first start. */
  get restarts(): number {
    return this.#restarts;
  }
  /** The last failure (exit code and ffmpeg's last stderr lines), or null. */
  get lastError(): CaptureError | null {
    return this.#lastError;
  }
  /** Process id of the running ffmpeg, or null. */
  get pid(): number | null {
    const run = this.#run;
    return run && !run.exited ? run.proc.pid : null;
  }
  /** Frames that arrived in only one of the two forms and were dropped. */
  get dropped(): number {
    return this.#dropped;
  }
  /**
   * What ffmpeg said last, for people fixing a failed or stalled camera: its last few stderr
   * lines, passwords in URLs redacted. Empty in every other state.
   */
  get errorLines(): string[] {
    const lines = this.#state === "failed"
      ? this.#lastError?.stderr ?? []
      : this.#state === "stalled"
      ? this.#run?.stderr ?? []
      : [];
    return lines.filter((l) => l.trim() !== "").slice(-ERROR_LINES)
      .map((l) => redactSource(l.trim()).slice(0, ERROR_LINE_CHARS));
  }
  /** ffmpeg's last stderr lines of the current or last run. */
  get stderrTail(): readonly string[] {
    return this.#run?.stderr ?? [];
  }
  /** Frames per second over the last few seconds (0 when none arrive). */
  get fps(): number {
    const n = Math.min(this.#frameCount, FPS_WINDOW);
    if (n < 2) return 0;
    const now = this.#clock.now();
    const last = this.#frameTimes[(this.#frameCount - 1) % FPS_WINDOW];
    if (now - last > 3000) return 0;
    let count = 0;
    let first = last;
    for (let i = 1; i < n; i++) {
      const t = this.#frameTimes[(this.#frameCount - 1 - i) % FPS_WINDOW];
      if (now - t > 5000) break;
      first = t;
      count++;
    }
    return count > 0 && last > first ? (count * 1000) / (last - first) : 0;
  }

  /** Starts capturing (and keeps restarting until stop()). Does nothing if already started. */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#failures = 0;
    this.#scheduleWatchdog();
    void this.#launch();
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after 1 s) and all timers; resolves when it has exited. */
  stop(): Promise<void> {
    if (!this.#active) return this.#stopping ?? Promise.resolve();
    this.#active = false;
    this.#stopping = (async () => {
      this.#gen++;
      if (this.#restartTimer !== null) this.#clock.clearTimeout(this.#restartTimer);
      if (this.#watchTimer !== null) this.#clock.clearTimeout(this.#watchTimer);
      this.#restartTimer = this.#watchTimer = null;
      const run = this.#run;
      if (run) {
        run.endedBy = "stop";
        await this.#end(run);
        this.#retireDecoder(run);
      }
      await this.#decoderClosing;
      if (this.#listing) await this.#listing;
      const enc = this.#encoder;
      if (enc) {
        this.#encodedBefore += enc.encoded;
        this.#encodeDroppedBefore += enc.dropped;
        this.#encoder = null;
        await enc.close();
      }
      this.#setState("stopped", "stopped");
    })();
    return this.#stopping;
  }

  #detectFor(w: number, h: number): { width: number; height: number } {
    const o = this.options;
    if (o.detectWidth !== undefined && o.detectHeight !== undefined) {
      return { width: o.detectWidth, height: o.detectHeight };
    }
    const d = (o.detectSize ?? defaultDetectSize)(w, h);
    if (
      !(Number.isInteger(d.width) && Number.isInteger(d.height) && d.width >= 2 && d.height >= 2)
    ) {
      throw new RangeError(`camera ${o.id}: bad detection size ${d.width}x${d.height}`);
    }
    return d;
  }

  #setState(state: CameraState, message: string): void {
    if (state === this.#state && message === this.#message) return;
    this.#state = state;
    this.#message = message;
    try {
      this.onState(state, message);
    } catch (err) {
      console.error(`capture ${this.options.id}: onState threw: ${(err as Error).message}`);
    }
  }

  #plan(): FfmpegPlan {
    const o = this.options;
    const kind = sourceKind(o.source);
    const base: FfmpegPlan = {
      source: o.source,
      width: o.width,
      height: o.height,
      fps: o.fps,
      inputFormat: kind === "v4l2" ? this.#inputFormat : undefined,
      passthrough: false,
      jpegEveryFrame: this.#everyFrame,
      detectWidth: this.#detectWidth,
      detectHeight: this.#detectHeight,
      jpegQuality: o.jpegQuality ?? 5,
      timeoutMs: o.timeoutMs ?? 10_000,
      rtspTransport: o.rtspTransport ?? (this.#rtspUdp ? "udp" : undefined),
      inputArgs: o.inputArgs,
      demoLoop: kind === "demo" ? this.#demoLoop ?? undefined : undefined,
    };
    const want = o.passthrough ?? "auto";
    let pass: boolean;
    // Copying the camera's packets: JPEGs pass through; anything else (H.264…) is decoded only
    // for the frames someone needs, unless someone watches every frame (then ffmpeg encodes).
    if (want === false || this.#everyFrame) pass = false;
    else if (want === true) pass = true;
    else {
      pass = kind === "http" || kind === "rtsp" || kind === "file" ||
        (kind === "v4l2" && base.inputFormat === "mjpeg") || base.demoLoop !== undefined;
    }
    base.passthrough = pass && canPassThrough(base);
    return base;
  }

  async #launch(): Promise<void> {
    if (!this.#active) return;
    const gen = ++this.#gen;
    const o = this.options;
    const shown = publicSource(o.source);
    this.#setState("starting", `starting ffmpeg for ${shown}`);
    if (sourceKind(o.source) === "v4l2" && !this.#formatsListed) {
      try {
        const listing = this.#listFormats(o.source);
        this.#listing = listing.catch(() => {});
        const formats = await listing;
        const want = o.width !== undefined && o.height !== undefined
          ? { width: o.width, height: o.height }
          : undefined;
        this.#inputFormat = preferredInputFormat(formats, want);
        this.#formatsListed = true;
      } catch {
        // The capture run below fails with ffmpeg's own, clearer, error.
      } finally {
        this.#listing = null;
      }
      if (gen !== this.#gen || !this.#active) return;
    }
    if (sourceKind(o.source) === "demo" && o.demoDir !== undefined && this.#demoLoop !== null) {
      try {
        this.#demoLoop = await demoLoop({
          dir: o.demoDir,
          width: o.width,
          height: o.height,
          fps: o.fps,
          jpegQuality: o.jpegQuality ?? 5,
          ffmpegPath: o.ffmpegPath,
        });
      } catch (err) {
        this.#demoLoop = null;
        console.error(`capture ${o.id}: ${(err as Error).message}; running the demo scene live`);
      }
      if (gen !== this.#gen || !this.#active) return;
    }
    const plan = this.#plan();
    let proc: CaptureProcess;
    try {
      proc = this.#spawn(o.ffmpegPath ?? "ffmpeg", ffmpegArgs(plan));
    } catch (err) {
      let msg: string;
      if (err instanceof Deno.errors.NotFound) msg = FFMPEG_MISSING;
      else if (
        err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied
      ) {
        msg = `Vigil may not run ${o.ffmpegPath ?? "ffmpeg"} (start Deno with --allow-run=ffmpeg)`;
      } else msg = `Cannot start ffmpeg: ${(err as Error).message}`;
      this.#failed(msg);
      return;
    }
    this.#passthroughActive = plan.passthrough;
    this.#grayCount = 0;
    this.#jpegQ.length = 0;
    const run: Run = {
      gen,
      proc,
      plan,
      startedAt: this.#clock.now(),
      firstFrameAt: 0,
      seq: 0,
      endedBy: null,
      killed: false,
      exited: false,
      stderr: [],
      sized: false,
      raw: null,
      decoder: null,
      heldGray: null,
      demux: new MkvDemuxer(),
      done: Promise.resolve(),
    };
    this.#run = run;
    run.demux.onTracks = (tracks) => this.#onTracks(run, tracks);
    run.demux.onBlock = (track, pts, data, key) => this.#onBlock(run, track, pts, data, key);
    run.done = Promise.all([this.#readStdout(run), this.#readStderr(run)]).then(async () => {
      const status = await proc.status;
      run.exited = true;
      this.#onExit(run, status.code, status.signal);
    });
  }

  async #readStdout(run: Run): Promise<void> {
    const reader = run.proc.stdout.getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        if (run.killed) continue; // drain until ffmpeg exits
        try {
          run.demux.push(value);
        } catch (err) {
          run.stderr.push(`vigil: cannot read ffmpeg's output: ${(err as Error).message}`);
          this.#kill(run);
        }
      }
    } catch {
      // The pipe broke: the process is gone; its status tells the rest.
    } finally {
      reader.releaseLock();
    }
  }

  async #readStderr(run: Run): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of run.proc.stderr) {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split(/\r?\n|\r/);
        partial = lines.pop() ?? "";
        for (const line of lines) {
          if (line.trim() === "") continue;
          run.stderr.push(line);
          if (run.stderr.length > 20) run.stderr.shift();
        }
      }
    } catch {
      // as above
    }
    if (partial.trim()) run.stderr.push(partial);
  }

  #onTracks(run: Run, tracks: MkvTrack[]): void {
    const jpeg = tracks.find((t) => t.number === JPEG_TRACK);
    if (!run.plan.passthrough && jpeg?.codecId === "V_UNCOMPRESSED") {
      run.raw = { width: jpeg.width, height: jpeg.height };
      if (!this.#checkSizeOf(run, jpeg.width, jpeg.height)) return;
      run.sized = true;
      this.#rawFree.length = 0;
    }
    if (run.plan.passthrough && jpeg && jpeg.codecId !== "V_MJPEG") {
      // Not JPEGs: decode the frames someone needs from the camera's own packets.
      this.#passthroughActive = false;
      if (!this.#checkSizeOf(run, jpeg.width, jpeg.height)) return;
      run.sized = true;
      run.decoder = new JpegDecoder({
        track: jpeg,
        quality: this.options.jpegQuality ?? 5,
        ffmpegPath: this.options.ffmpegPath,
        log: (line) => console.error(`capture ${this.options.id}: ${line}`),
      });
    }
  }

  /** A run's decoder ends with it (stop() waits for that); its counts stay. */
  #retireDecoder(run: Run): void {
    const dec = run.decoder;
    if (!dec) return;
    run.decoder = null;
    const [encoded, dropped] = [dec.encoded, dec.dropped];
    this.#encodedBefore += encoded;
    this.#encodeDroppedBefore += dropped;
    const closing = dec.close().then(() => {
      // Requests still waiting when it closed are dropped too.
      this.#encodedBefore += dec.encoded - encoded;
      this.#encodeDroppedBefore += dec.dropped - dropped;
    });
    this.#decoderClosing = Promise.all([this.#decoderClosing, closing]).then(() => {});
  }

  #onBlock(run: Run, track: number, pts: number, data: Uint8Array, keyframe: boolean): void {
    if (run.killed) return;
    if (track === GRAY_TRACK) {
      if (data.length !== run.plan.detectWidth * run.plan.detectHeight) {
        run.stderr.push(
          `vigil: gray frame of ${data.length} bytes, expected ${run.plan.detectWidth}x${run.plan.detectHeight}`,
        );
        this.#kill(run);
        return;
      }
      if (!run.decoder) this.#onGray(run, pts, data);
      else if (run.decoder.has(pts)) this.#emit(run, pts, data, null);
      else this.#holdGray(run, pts, data);
    } else if (track === JPEG_TRACK) {
      if (run.decoder) {
        run.decoder.packet(pts, data, keyframe);
        this.#releaseGray(run);
        return;
      }
      if (run.raw) {
        const want = yuv420pBytes(run.raw.width, run.raw.height);
        if (data.length !== want) {
          run.stderr.push(`vigil: raw picture of ${data.length} bytes, expected ${want}`);
          this.#kill(run);
          return;
        }
        this.#onJpeg(run, pts, data);
        return;
      }
      if (!run.sized && !this.#checkSize(run, data)) return;
      this.#onJpeg(run, pts, data.slice());
    }
  }

  /**
   * Decoding on demand, a frame is passed on once its packet came (so a keyframe is known as
   * one): a gray frame whose packet comes next (same time, written after it) waits for it.
   */
  #holdGray(run: Run, pts: number, data: Uint8Array): void {
    this.#releaseGray(run);
    let buf = this.#grayBufs[0];
    if (!buf || buf.length !== data.length) buf = this.#grayBufs[0] = new Uint8Array(data.length);
    buf.set(data);
    run.heldGray = pts;
  }

  #releaseGray(run: Run): void {
    const pts = run.heldGray;
    if (pts === null) return;
    run.heldGray = null;
    this.#emit(run, pts, this.#grayBufs[0], null);
  }

  /** First JPEG of a run: learn the source size; relaunch when the detection size must change. */
  #checkSize(run: Run, data: Uint8Array): boolean {
    const size = jpegSize(data);
    run.sized = true;
    if (!size) return true;
    return this.#checkSizeOf(run, size.width, size.height);
  }

  #checkSizeOf(run: Run, width: number, height: number): boolean {
    this.#sourceWidth = width;
    this.#sourceHeight = height;
    let d;
    try {
      d = this.#detectFor(width, height);
    } catch (err) {
      run.stderr.push(`vigil: ${(err as Error).message}`);
      this.#kill(run);
      return false;
    }
    if (d.width === run.plan.detectWidth && d.height === run.plan.detectHeight) return true;
    this.#detectWidth = d.width;
    this.#detectHeight = d.height;
    run.endedBy = "relaunch";
    this.#kill(run);
    return false;
  }

  #onGray(run: Run, pts: number, data: Uint8Array): void {
    const q = this.#jpegQ;
    // Drop JPEGs older than this gray frame: their gray frames never came.
    while (q.length > 0 && q[0].pts < pts) {
      const old = q.shift()!;
      if (run.raw) this.#rawFree.push(old.data);
      this.#dropped++;
    }
    if (q.length > 0 && q[0].pts === pts) {
      const shown = q.shift()!.data;
      this.#emit(run, pts, data, shown);
      if (run.raw) this.#rawFree.push(shown);
      return;
    }
    // Keep a copy until its JPEG arrives.
    if (this.#grayCount === PENDING) this.#shiftGray();
    const size = data.length;
    let buf = this.#grayBufs[this.#grayCount];
    if (!buf || buf.length !== size) buf = this.#grayBufs[this.#grayCount] = new Uint8Array(size);
    buf.set(data);
    this.#grayPts[this.#grayCount] = pts;
    this.#grayCount++;
  }

  #shiftGray(): void {
    const first = this.#grayBufs[0];
    for (let i = 1; i < this.#grayCount; i++) {
      this.#grayBufs[i - 1] = this.#grayBufs[i];
      this.#grayPts[i - 1] = this.#grayPts[i];
    }
    this.#grayBufs[this.#grayCount - 1] = first;
    this.#grayCount--;
    this.#dropped++;
  }

  /** A display form arrived: a JPEG (owned) or a raw picture (a view, copied if it must wait). */
  #onJpeg(run: Run, pts: number, jpeg: Uint8Array): void {
    while (this.#grayCount > 0 && this.#grayPts[0] < pts) this.#shiftGray();
    if (this.#grayCount > 0 && this.#grayPts[0] === pts) {
      const gray = this.#grayBufs[0];
      this.#emit(run, pts, gray, jpeg);
      // The buffer goes to the back for reuse only after onFrame returned.
      this.#shiftGray();
      this.#dropped--;
      return;
    }
    if (this.#jpegQ.length === PENDING) {
      const old = this.#jpegQ.shift()!;
      if (run.raw) this.#rawFree.push(old.data);
      this.#dropped++;
    }
    if (run.raw) {
      const copy = this.#rawFree.pop() ?? new Uint8Array(jpeg.length);
      copy.set(jpeg);
      jpeg = copy;
    }
    this.#jpegQ.push({ pts, data: jpeg });
  }

  #emit(run: Run, pts: number, gray: Uint8Array, shown: Uint8Array | null): void {
    // Frames are told apart by their time (stored frames are named by it): never the same twice.
    const ts = Math.max(this.#clock.now(), this.#lastTs + 1);
    this.#lastTs = ts;
    this.#frameTimes[this.#frameCount % FPS_WINDOW] = ts;
    this.#frameCount++;
    if (run.firstFrameAt === 0) run.firstFrameAt = ts;
    if (this.#state !== "running") {
      const p = run.plan;
      this.#setState(
        "running",
        `running: ${this.#sourceWidth}x${this.#sourceHeight}, detection ${p.detectWidth}x${p.detectHeight}, ` +
          (run.decoder
            ? "JPEGs decoded from the camera's own stream when someone needs them"
            : p.passthrough
            ? "camera JPEGs passed through"
            : p.jpegEveryFrame
            ? "every frame's JPEG encoded by ffmpeg (someone watches every frame)"
            : "JPEGs encoded by ffmpeg when someone needs them") +
          (this.#rtspUdp ? "; RTSP over UDP (the server offers no TCP)" : ""),
      );
    }
    try {
      const frame: CapturedFrame = run.raw && shown
        ? { seq: run.seq++, ts, pts, gray, jpeg: null, raw: shown }
        : { seq: run.seq++, ts, pts, gray, jpeg: shown };
      this.onFrame(frame);
    } catch (err) {
      console.error(`capture ${this.options.id}: onFrame threw: ${(err as Error).message}`);
    }
  }

  #onExit(run: Run, code: number, signal: string | null): void {
    this.#retireDecoder(run);
    if (this.#run === run) this.#passthroughActive = false;
    if (run.gen !== this.#gen || !this.#active) return;
    // A camera that ran well for a while starts its backoff from the shortest delay again;
    // one that keeps failing soon after starting backs off further each time.
    if (run.firstFrameAt > 0 && this.#clock.now() - run.firstFrameAt >= STABLE_MS) {
      this.#failures = 0;
    }
    if (run.endedBy === "relaunch") {
      void this.#launch();
      return;
    }
    if (run.endedBy === "stall") {
      this.#scheduleRestart();
      return;
    }
    if (this.#shouldFallBackToUdp(run)) {
      // The running message says so; a config with "rtspTransport": "udp" skips this step.
      this.#rtspUdp = true;
      void this.#launch();
      return;
    }
    const why = explainExit(this.options.source, code, signal, run.stderr, {
      ranMs: this.#clock.now() - run.startedAt,
      gotFrames: run.seq > 0,
      timeoutMs: run.plan.timeoutMs,
    });
    // The device may have been swapped for one with other formats: list them again next time.
    const auto = this.options.inputFormat === undefined || this.options.inputFormat === "auto";
    if (auto && sourceKind(this.options.source) === "v4l2") this.#formatsListed = false;
    this.#failed(why, code, run.stderr);
  }

  /** TCP was Vigil's choice, not the user's, and the server said it has none. */
  #shouldFallBackToUdp(run: Run): boolean {
    return sourceKind(this.options.source) === "rtsp" && this.options.rtspTransport === undefined &&
      !this.#rtspUdp && run.stderr.some((l) => /461 Unsupported transport/i.test(l));
  }

  #failed(why: string, code: number | null = null, stderr: string[] = []): void {
    this.#lastError = new CaptureError(why, code, [...stderr]);
    const delay = this.#nextDelay();
    this.#setState("failed", `${why} (retrying in ${formatDelay(delay)})`);
    this.#scheduleRestart(delay);
  }

  #nextDelay(): number {
    const base = this.options.restartDelayMs ?? 500;
    const max = this.options.restartMaxDelayMs ?? 30_000;
    return Math.min(max, base * 2 ** Math.min(this.#failures, 30));
  }

  #scheduleRestart(delay = this.#nextDelay()): void {
    this.#failures++;
    if (this.#restartTimer !== null) this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = null;
      this.#restarts++;
      void this.#launch();
    }, delay);
  }

  #scheduleWatchdog(): void {
    const stall = this.options.stallTimeoutMs ?? 5000;
    const every = Math.max(50, Math.min(1000, Math.floor(stall / 4)));
    this.#watchTimer = this.#clock.setTimeout(() => {
      this.#watchTimer = null;
      if (!this.#active) return;
      this.#watchdog();
      this.#scheduleWatchdog();
    }, every);
  }

  #watchdog(): void {
    const run = this.#run;
    if (!run || run.killed || run.exited || run.gen !== this.#gen) return;
    const now = this.#clock.now();
    const stall = this.options.stallTimeoutMs ?? 5000;
    const startLimit = this.options.startTimeoutMs ?? 15_000;
    const lastFrame = this.#frameCount > 0
      ? this.#frameTimes[(this.#frameCount - 1) % FPS_WINDOW]
      : 0;
    const shown = publicSource(this.options.source);
    let why: string | null = null;
    if (run.seq === 0 && now - run.startedAt > startLimit) {
      why = `no frame from ${shown} within ${formatDelay(startLimit)} of starting`;
    } else if (run.seq > 0 && now - Math.max(lastFrame, run.startedAt) > stall) {
      why = `no frame from ${shown} for ${formatDelay(stall)}`;
    }
    if (why === null) return;
    const last = run.stderr.at(-1);
    run.endedBy = "stall";
    this.#setState(
      "stalled",
      `${why}; restarting ffmpeg${last ? ` — ffmpeg: ${forViewers(last.trim())}` : ""}`,
    );
    // A stalled ffmpeg sits in a blocking read, where one SIGTERM does not reach it once
    // it is past its start-up; nothing it holds is worth flushing, so kill it outright.
    this.#kill(run, "SIGKILL");
  }

  /** Ends a run's ffmpeg: SIGTERM, then SIGKILL if it is still there after 1 s. */
  #kill(run: Run, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): void {
    if (run.killed) return;
    run.killed = true;
    try {
      run.proc.kill(signal);
    } catch {
      return; // already gone
    }
    if (signal === "SIGKILL") return;
    let exited = false;
    run.proc.status.then(() => exited = true, () => exited = true);
    const t = setTimeout(() => {
      if (!exited) {
        try {
          run.proc.kill("SIGKILL");
        } catch {
          // gone
        }
      }
    }, 1000);
    run.proc.status.finally(() => clearTimeout(t));
  }

  async #end(run: Run): Promise<void> {
    run.endedBy = "stop";
    this.#kill(run);
    await run.done;
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
