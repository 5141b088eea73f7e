import { bitGeometry, dilate3, dilateCross, erode3, erodeCross } from "./_morphology.ts";
import type { BitGeometry } from "./_morphology.ts";
import { rasterizePolygon } from "./_polygon.ts";
import { instantiateKernel } from "./_kernel.ts";
import type { KernelExports } from "./_kernel.ts";
import type { DetectorSettings } from "./settings.ts";

/** `[x, y, w, h]` in the camera's pixels (integers). */
export type Box = [number, number, number, number];

/** What {@link MotionDetector.process} found in one frame. */
export interface FrameResult {
  /** This frame has motion: boxes survived every filter, and the frame is not a lightswitch. */
  motion: boolean;
  /** Motion score: percent (0-100) of the frame's watched (unmasked) area in motion, 2 decimals. */
  score: number;
  /** Motion boxes in the camera's pixels, in scan order of their top-left blob. */
  boxes: Box[];
  /** Names of the configured zones that the motion touched, in configuration order. */
  zones: string[];
}

export interface MotionDetectorOptions {
  /** Detection frame size: the size of the gray frames given to process() (see detectionSize()). */
  width: number;
  height: number;
  /** Camera frame size: boxes are reported, and polygons given, in these pixels. */
  sourceWidth: number;
  sourceHeight: number;
  settings: DetectorSettings;
  /**
   * Which code runs the per-pixel passes: `"wasm"` the WebAssembly SIMD kernel (throws where it
   * cannot run: no WebAssembly SIMD, or a width that is not a multiple of 4 or under 16),
   * `"js"` plain JavaScript, `"auto"` (default) the kernel where it can run. The output is
   * the same.
   */
  kernel?: "auto" | "wasm" | "js";
}

const MAX_BOXES = 64;
/** Frames after start (or a lightswitch) during which moving pixels learn at the warm-up rate 1/(n+1). */
const WARMUP_FOREGROUND_FRAMES = 10;
/** Learning rate of foreground that stayed unchanged for absorbFrames (gone in ~20 frames). */
const ABSORB_RATE = 0.1;
/** Learning rate of a moving pixel that looks like its still neighbour's background (a ghost's edge). */
const GHOST_RATE = 0.5;
/** About how many pixels the light fit and noise estimate sample (on a regular grid). */
const SAMPLES = 6000;
/** Bound of the (unclipped) background mean, 1/256 gray levels: ±2 full ranges. */
const MAX_MEAN = 2 * 65280;
/** Tiles of 16 that a lightswitch must touch. */
const LIGHTSWITCH_TILES = 12;
const NOISE_BINS = 1024;
/**
 * Still pixels update on one row in UPDATE_PERIOD (a power of two), the rows taking turns, at
 * UPDATE_PERIOD times the learning rate: the same time constant for less work.
 */
const UPDATE_PERIOD = 2;
const NOISE_BIN_SCALE = 4;
/** Widest per-pixel threshold a flickering pixel can learn, in gray levels. */
const MAX_PIXEL_THRESHOLD = 60;

/**
 * Finds motion in small grayscale frames: an adaptive per-pixel background (running mean and
 * variance, selective update), global brightness/contrast compensation, automatic noise level,
 * blur, threshold, despeckle, connected components, box filters and merging, masks, zones and
 * a lightswitch guard. Buffers are allocated once in the constructor; process() allocates
 * nothing and is deterministic.
 */
export class MotionDetector {
  readonly width: number;
  readonly height: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly settings: DetectorSettings;
  /** Binary mask (0 still / 255 motion) of the last frame at detection size. */
  readonly mask: Uint8Array;
  /** Estimated noise level (sigma, gray levels) of the difference to the background. */
  get noise(): number {
    return this.#sigma[0];
  }
  /** The last frame was taken as a scene change (lightswitch) and the background re-learnt. */
  get lightswitch(): boolean {
    return this.#lightswitch;
  }

  readonly #n: number;
  /** The blurred frame; swaps with #prev after each frame. */
  #frame: Uint8Array;
  #frame32: Int32Array;
  /** The input copied to a 4-aligned buffer for the word-wise blur (empty when not used). */
  readonly #in: Uint8Array;
  readonly #in32: Int32Array;
  /** Blur by words of 4 pixels (the width is a multiple of 4). */
  readonly #swar: boolean;
  /** Blur scratch (empty with fewer than two blur passes). */
  readonly #blurTmp: Uint8Array;
  readonly #blurTmp32: Int32Array;
  /** Background mean per pixel, in 1/256 gray levels (may leave 0..255·256, see process()). */
  readonly #mean: Int32Array;
  /** Background variance per pixel, in 1/16 gray levels²: updates keep it within 65535, a
   * light change that would scale it further clamps it there. */
  readonly #var: Uint16Array;
  /** The previous (blurred) frame. */
  #prev: Uint8Array;
  #prev32: Int32Array;
  /** Per pixel: consecutive frames it was foreground without changing (saturates at 65535). */
  readonly #still: Uint16Array;
  readonly #bits: BitGeometry;
  readonly #fgA: Int32Array;
  readonly #fgB: Int32Array;
  readonly #fgC: Int32Array;
  readonly #ignore: Uint8Array;
  readonly #active: number;
  readonly #zoneBits: Uint32Array | null;
  readonly #noiseHist: Int32Array;
  /** Scratch for the light fit background → frame: [gain, offset]. */
  readonly #ab = new Float64Array(2);
  /** Sampling step (x and y) of the light fit and noise estimate. */
  readonly #step: number;
  /** Bit-packed complement of the masks (null without masks). */
  readonly #keepBits: Int32Array | null;
  readonly #tiles = new Int32Array(16);
  /** Integer parameters of diffFrame() (P_* indices). */
  readonly #par: Int32Array;
  /** The WebAssembly kernel (null: the JavaScript passes), and its memory offsets. */
  readonly #k: KernelExports | null;
  readonly #off: {
    in: number;
    blurTmp: number;
    mean: number;
    var: number;
    still: number;
    mask: number;
    fg: number;
    scratch: number;
    par: number;
    ignore: number;
    hist: number;
    out: number;
  };
  /** The kernel's sampled sums (c, Σm, Σx, Σm², Σxm), read by #compensate; [5..7] the f64
   * inputs of sums() and remap(). */
  readonly #sums: Float64Array;
  #frameOff = 0;
  #prevOff = 0;
  /** What foreground() needs beyond diffFrame()'s hot loop. */
  readonly #fgCtx: ForegroundContext;
  // run-length connected components
  readonly #runStart: Int32Array;
  readonly #runEnd: Int32Array;
  readonly #runRow: Int32Array;
  readonly #runParent: Int32Array;
  readonly #compArea: Int32Array;
  readonly #compX0: Int32Array;
  readonly #compY0: Int32Array;
  readonly #compX1: Int32Array;
  readonly #compY1: Int32Array;
  readonly #compSlot: Int32Array;
  readonly #boxX0: Int32Array;
  readonly #boxY0: Int32Array;
  readonly #boxX1: Int32Array;
  readonly #boxY1: Int32Array;
  readonly #boxPool: Box[];
  readonly #boxLists: Box[][];
  readonly #zoneLists: string[][];
  readonly #result: FrameResult;
  readonly #minAreaPx: number;
  readonly #maxAreaPx: number;
  readonly #mergePx: number;
  readonly #sx: number;
  readonly #sy: number;
  #frames = 0;
  /** Pixels that differed from the background in the previous frame (before despeckle). */
  #lastCount = 0;
  /** [0]: the noise level (a typed array: V8's mid tier boxes a double stored in a private field). */
  readonly #sigma = new Float64Array(1);
  #lightswitch = false;

  constructor(opts: MotionDetectorOptions) {
    const { width, height, sourceWidth, sourceHeight, settings } = opts;
    for (const [k, v] of Object.entries({ width, height, sourceWidth, sourceHeight })) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`MotionDetector: ${k} must be a positive integer, not ${v}`);
      }
    }
    this.width = width;
    this.height = height;
    this.sourceWidth = sourceWidth;
    this.sourceHeight = sourceHeight;
    this.settings = settings;
    const n = width * height;
    this.#n = n;
    const wpr0 = Math.ceil(width / 32);
    const kernelOk = width % 4 === 0 && width >= 16 && height >= 2;
    const want = opts.kernel ?? "auto";
    // the kernel's memory: every per-pixel buffer, each 64-byte aligned
    const sizes = {
      par: 4 * P_COUNT,
      in: n,
      frame: n,
      prev: n,
      blurTmp: settings.blur > 1 ? n : 0,
      mean: 4 * n,
      var: 2 * n,
      still: 2 * n,
      mask: n,
      fg: 4 * wpr0 * height,
      scratch: 4 * width + 64,
      ignore: n,
      hist: 4 * NOISE_BINS,
      out: 64,
    };
    const offsets = {} as Record<keyof typeof sizes, number>;
    let total = 0;
    for (const [key, size] of Object.entries(sizes)) {
      offsets[key as keyof typeof sizes] = total;
      total += (size + 63) & ~63;
    }
    const inst = want !== "js" && kernelOk ? instantiateKernel(total) : null;
    if (want === "wasm" && inst === null) {
      throw new RangeError(
        kernelOk
          ? "MotionDetector: this runtime cannot run the WebAssembly SIMD kernel"
          : `MotionDetector: the WebAssembly kernel needs a width that is a multiple of 4 and at least 16, not ${width}`,
      );
    }
    this.#k = inst === null ? null : inst.exports;
    this.#off = offsets;
    this.#frameOff = offsets.frame;
    this.#prevOff = offsets.prev;
    const swar = width % 4 === 0 && width >= 8 && height >= 2;
    this.#swar = swar;
    // sizes rounded up to whole words, for the Int32Array views of the word-wise blur
    const n4 = (n + 3) & ~3;
    if (inst !== null) {
      const buf = inst.memory.buffer;
      this.#par = new Int32Array(buf, offsets.par, P_COUNT);
      this.mask = new Uint8Array(buf, offsets.mask, n);
      this.#frame = new Uint8Array(buf, offsets.frame, n);
      this.#frame32 = new Int32Array(0);
      this.#in = new Uint8Array(buf, offsets.in, n);
      this.#in32 = new Int32Array(0);
      this.#blurTmp = new Uint8Array(buf, offsets.blurTmp, sizes.blurTmp);
      this.#blurTmp32 = new Int32Array(0);
      this.#mean = new Int32Array(buf, offsets.mean, n);
      this.#var = new Uint16Array(buf, offsets.var, n);
      this.#prev = new Uint8Array(buf, offsets.prev, n);
      this.#prev32 = new Int32Array(0);
      this.#still = new Uint16Array(buf, offsets.still, n);
    } else {
      this.#par = new Int32Array(P_COUNT);
      this.mask = new Uint8Array(n);
      this.#frame = new Uint8Array(n4).subarray(0, n);
      this.#frame32 = new Int32Array(this.#frame.buffer);
      this.#in = new Uint8Array(swar && settings.blur > 0 ? n : 0);
      this.#in32 = new Int32Array(this.#in.buffer);
      this.#blurTmp = new Uint8Array(settings.blur > 1 ? n4 : 0).subarray(
        0,
        settings.blur > 1 ? n : 0,
      );
      this.#blurTmp32 = new Int32Array(this.#blurTmp.buffer);
      this.#mean = new Int32Array(n);
      this.#var = new Uint16Array(n);
      this.#prev = new Uint8Array(n4).subarray(0, n);
      this.#prev32 = new Int32Array(this.#prev.buffer);
      this.#still = new Uint16Array(n);
    }
    this.#fgCtx = new ForegroundContext(
      this.#frame,
      this.#prev,
      this.#mean,
      this.#still,
      this.mask,
      this.#par,
      width,
      height,
    );
    this.#bits = bitGeometry(width, height);
    const words = this.#bits.wpr * height;
    this.#fgA = inst !== null
      ? new Int32Array(inst.memory.buffer, offsets.fg, words)
      : new Int32Array(words);
    this.#fgB = new Int32Array(words);
    this.#fgC = new Int32Array(words);
    this.#noiseHist = inst !== null
      ? new Int32Array(inst.memory.buffer, offsets.hist, NOISE_BINS)
      : new Int32Array(NOISE_BINS);
    this.#sums = inst !== null
      ? new Float64Array(inst.memory.buffer, offsets.out, 8)
      : new Float64Array(8);
    const sx = width / sourceWidth, sy = height / sourceHeight;
    this.#sx = sx;
    this.#sy = sy;

    this.#ignore = inst !== null
      ? new Uint8Array(inst.memory.buffer, offsets.ignore, n)
      : new Uint8Array(n);
    for (const poly of settings.masks) {
      rasterizePolygon(poly, sx, sy, width, height, this.#ignore, 1);
    }
    let active = 0;
    for (let i = 0; i < n; i++) active += this.#ignore[i] ^ 1;
    this.#active = Math.max(1, active);
    this.#step = Math.max(1, Math.min(8, Math.round(Math.sqrt(n / SAMPLES))));
    if (settings.masks.length > 0) {
      const keep = new Int32Array(words);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (this.#ignore[y * width + x] === 0) {
            keep[y * this.#bits.wpr + (x >> 5)] |= 1 << (x & 31);
          }
        }
      }
      this.#keepBits = keep;
    } else {
      this.#keepBits = null;
    }

    if (settings.zones.length > 0) {
      this.#zoneBits = new Uint32Array(n);
      settings.zones.forEach((z, k) =>
        rasterizePolygon(z.polygon, sx, sy, width, height, this.#zoneBits!, (1 << k) >>> 0)
      );
    } else {
      this.#zoneBits = null;
    }

    const maxRuns = Math.ceil(width / 2) * height + 1;
    this.#runStart = new Int32Array(maxRuns);
    this.#runEnd = new Int32Array(maxRuns);
    this.#runRow = new Int32Array(maxRuns);
    this.#runParent = new Int32Array(maxRuns);
    this.#compArea = new Int32Array(maxRuns);
    this.#compX0 = new Int32Array(maxRuns);
    this.#compY0 = new Int32Array(maxRuns);
    this.#compX1 = new Int32Array(maxRuns);
    this.#compY1 = new Int32Array(maxRuns);
    this.#compSlot = new Int32Array(maxRuns);
    this.#boxX0 = new Int32Array(maxRuns);
    this.#boxY0 = new Int32Array(maxRuns);
    this.#boxX1 = new Int32Array(maxRuns);
    this.#boxY1 = new Int32Array(maxRuns);
    this.#boxPool = Array.from({ length: MAX_BOXES }, () => [0, 0, 0, 0] as Box);
    // Result arrays of every length, made once: process() picks one instead of growing one.
    this.#boxLists = Array.from({ length: MAX_BOXES + 1 }, (_, k) => this.#boxPool.slice(0, k));
    this.#zoneLists = Array.from(
      { length: settings.zones.length + 1 },
      (_, k) => new Array<string>(k).fill(""),
    );
    this.#result = { motion: false, score: 0, boxes: this.#boxLists[0], zones: this.#zoneLists[0] };

    this.#minAreaPx = Math.max(1, Math.ceil((settings.minArea / 100) * n));
    this.#maxAreaPx = (settings.maxArea / 100) * n;
    this.#mergePx = Math.round((settings.mergeDistance / 100) * width);
  }

  /**
   * Analyses one frame. `gray` holds width×height bytes, row-major. Synchronous, allocates
   * nothing; the returned object (and its arrays) is reused by the next call.
   */
  process(gray: Uint8Array): FrameResult {
    const n = this.#n, w = this.width, h = this.height;
    if (gray.length < n) {
      throw new RangeError(
        `MotionDetector.process: frame has ${gray.length} bytes, expected ${w}x${h} = ${n}`,
      );
    }
    const s = this.settings;
    const result = this.#result;
    result.boxes = this.#boxLists[0];
    result.zones = this.#zoneLists[0];
    result.motion = false;
    result.score = 0;
    this.#lightswitch = false;

    // 1. blur
    let frame = this.#frame;
    const k = this.#k;
    if (k !== null) {
      // the WebAssembly kernel: the frame is copied into its memory, blurred there
      if (s.blur > 0) {
        this.#in.set(gray.length === n ? gray : gray.subarray(0, n));
        let src = this.#off.in;
        for (let p = 0; p < s.blur; p++) {
          const dst = ((s.blur - p) & 1) === 1 ? this.#frameOff : this.#off.blurTmp;
          k.blur(src, dst, w, h, this.#off.scratch);
          src = dst;
        }
      } else {
        frame.set(gray.length === n ? gray : gray.subarray(0, n));
      }
    } else if (s.blur > 0) {
      // passes alternate between the frame and a scratch buffer, the last one landing in frame
      if (this.#swar) {
        this.#in.set(gray.length === n ? gray : gray.subarray(0, n));
        let src = this.#in32;
        for (let p = 0; p < s.blur; p++) {
          const dst = ((s.blur - p) & 1) === 1 ? this.#frame32 : this.#blurTmp32;
          blurWords(src, dst, w, h);
          src = dst;
        }
      } else {
        let src = gray;
        for (let p = 0; p < s.blur; p++) {
          const dst = ((s.blur - p) & 1) === 1 ? frame : this.#blurTmp;
          this.#blur(src, dst);
          src = dst;
        }
      }
    } else {
      frame = gray;
    }

    const mean = this.#mean, vari = this.#var;
    if (this.#frames === 0) {
      for (let i = 0; i < n; i++) mean[i] = frame[i] << 8;
      vari.fill(0);
      this.#prev.set(frame.subarray(0, n));
      this.#still.fill(0);
      this.mask.fill(0);
      this.#frames = 1;
      return result;
    }

    // 2. global brightness/contrast compensation and noise level
    this.#compensate(frame);

    // 3. difference, threshold, selective background update, in fixed point: mean in 1/256
    // gray levels, differences in 1/16 (dg), squares in 1/256 gray levels² (d2), variance in
    // 1/16 gray levels², learning rates in 1/4096
    const k2 = s.noiseFactor * s.noiseFactor;
    const tGlobal = Math.max(s.minThreshold, s.noiseFactor * this.#sigma[0]);
    const t2 = Math.round(tGlobal * tGlobal * 256);
    const k2q = Math.round(k2 * 16);
    const maxVar = Math.round(((MAX_PIXEL_THRESHOLD * MAX_PIXEL_THRESHOLD) / k2) * 16);
    const warm = 1 / (this.#frames + 1);
    const qBg = Math.round(Math.min(1, UPDATE_PERIOD * Math.max(s.learningRate, warm)) * 4096);
    // Moving pixels learn at the warm-up rate only in the very first frames (so a scene that
    // starts with objects in it clears soon), then slowly: trails and slow movers stay visible.
    // (no conditional double: a value that is a double on one branch is boxed by V8's mid
    // tier, Maglev, where this method runs for a while; the branch picks a small integer)
    const warmFg = warm * (this.#frames < WARMUP_FOREGROUND_FRAMES ? 1 : 0);
    const qFg = Math.round(Math.max(s.foregroundLearningRate, warmFg) * 4096);
    // unchanging foreground (a ghost, a parked car) is absorbed after absorbFrames
    const prev = this.#prev, still = this.#still;
    const absorb = s.absorbFrames > 0 ? s.absorbFrames : 65536;
    const tStill = tGlobal;
    const qAbsorb = Math.round(ABSORB_RATE * 4096);
    const qGhost = Math.round(GHOST_RATE * 4096);
    const par = this.#par;
    par[P_T2] = t2;
    par[P_K2Q] = k2q;
    par[P_MAXVAR] = maxVar;
    par[P_QBG] = qBg;
    par[P_QFG] = qFg;
    par[P_ABSORB] = absorb;
    par[P_QABSORB] = qAbsorb;
    par[P_QGHOST] = qGhost;
    // integer bounds equivalent to the real thresholds for the integer differences they bound
    par[P_TSTILL] = Math.floor(tStill);
    par[P_TQ] = Math.ceil(tGlobal * 256);
    par[P_PHASE] = this.#frames & (UPDATE_PERIOD - 1);
    const fg = this.#fgA;
    const fc = this.#fgCtx;
    fc.frame = frame;
    fc.prev = prev;
    let word;
    if (k !== null) {
      const o = this.#off;
      k.diff(
        this.#frameOff,
        this.#prevOff,
        o.mean,
        o.var,
        o.still,
        o.fg,
        o.mask,
        o.scratch,
        w,
        h,
        o.par,
      );
      word = this.#bits.wpr * h;
    } else {
      word = diffFrame(frame, mean, vari, still, fg, w, h, par, fc);
    }
    if (frame === this.#frame) {
      // this frame is the next one's previous frame
      this.#frame = prev;
      this.#prev = frame;
      const fo = this.#frameOff;
      this.#frameOff = this.#prevOff;
      this.#prevOff = fo;
      const f32 = this.#frame32;
      this.#frame32 = this.#prev32;
      this.#prev32 = f32;
    } else {
      prev.set(frame.subarray(0, n));
    }
    // masked pixels never move; count what moved
    const keep = this.#keepBits, words = word;
    let count = 0;
    for (let k = 0; k < words; k++) {
      const v = keep === null ? fg[k] : (fg[k] &= keep[k]);
      if (v !== 0) count += popcount(v);
    }
    this.#frames++;

    // 4. lightswitch: too much of the frame changed at once: re-learn, report nothing
    // (more than lightswitch% of the frame, spread over it, and mostly new since the last frame:
    // a big object walking up to the camera grows over several frames and stays motion)
    const before = this.#lastCount;
    this.#lastCount = count;
    if (
      s.lightswitch > 0 && count > (s.lightswitch / 100) * this.#active &&
      count - before > count / 2 &&
      this.#spread(fg)
    ) {
      this.#lastCount = 0;
      for (let i = 0; i < n; i++) mean[i] = frame[i] << 8;
      this.#still.fill(0);
      this.#frames = 1;
      this.#lightswitch = true;
      this.mask.fill(0);
      return result;
    }

    // 5. despeckle
    let src = fg;
    const tmp = this.#fgC, g = this.#bits;
    for (let c = 0; c < s.despeckle.length; c++) {
      const dst = src === this.#fgA ? this.#fgB : this.#fgA;
      switch (s.despeckle.charCodeAt(c)) {
        case 69: // E
          erode3(src, dst, tmp, g);
          break;
        case 101: // e
          erodeCross(src, dst, tmp, g);
          break;
        case 68: // D
          dilate3(src, dst, tmp, g);
          break;
        default: // d
          dilateCross(src, dst, tmp, g);
      }
      src = dst;
    }

    // 6. components, area filter, mask, zones, boxes
    this.#components(src);
    return result;
  }

  /**
   * The change covers most of the frame: at least LIGHTSWITCH_TILES of the 4×4 tiles have
   * more than 5% of their pixels changed (a big object near the camera covers a few tiles only).
   */
  #spread(fg: Int32Array): boolean {
    const tiles = this.#tiles, wpr = this.#bits.wpr, h = this.height;
    tiles.fill(0);
    for (let y = 0; y < h; y++) {
      const ty = ((y * 4) / h) | 0;
      for (let k = 0; k < wpr; k++) {
        const v = fg[y * wpr + k];
        if (v !== 0) tiles[ty * 4 + (((k * 4) / wpr) | 0)] += popcount(v);
      }
    }
    const tilePixels = this.#n / 16;
    let covered = 0;
    for (let t = 0; t < 16; t++) if (tiles[t] > 0.05 * tilePixels) covered++;
    return covered >= LIGHTSWITCH_TILES;
  }

  /** Records run r = [start, end) of row y and joins it with the touching runs of the previous row. */
  #addRun(start: number, end: number, y: number, r: number, p: number, prevTo: number): number {
    const rs = this.#runStart, re = this.#runEnd, parent = this.#runParent;
    rs[r] = start;
    re[r] = end;
    this.#runRow[r] = y;
    parent[r] = r;
    while (p < prevTo && re[p] < start) p++;
    for (let q = p; q < prevTo && rs[q] <= end; q++) union(parent, q, r);
    return p;
  }

  /**
   * One pass of the 3×3 binomial (1-2-1) blur, edges replicated; `src` must not be `dst`.
   * One sweep: each output row sums its three source rows column by column and slides a
   * 3-column window along them (integer sums, exactly the separable filter, no scratch).
   */
  #blur(src: Uint8Array, dst: Uint8Array): void {
    const w = this.width, h = this.height, n = this.#n;
    if (w < 2 || h < 2) {
      dst.set(src.subarray(0, n));
      return;
    }
    const last = h - 1;
    for (let y = 0; y < h; y++) {
      const r1 = y * w;
      const r0 = y > 0 ? r1 - w : r1, r2 = y < last ? r1 + w : r1;
      let a = src[r0] + 2 * src[r1] + src[r2];
      let b = src[r0 + 1] + 2 * src[r1 + 1] + src[r2 + 1];
      dst[r1] = (3 * a + b + 8) >> 4;
      const end = w - 1;
      for (let x = 1; x < end; x++) {
        const c = src[r0 + x + 1] + 2 * src[r1 + x + 1] + src[r2 + x + 1];
        dst[r1 + x] = (a + 2 * b + c + 8) >> 4;
        a = b;
        b = c;
      }
      dst[r1 + end] = (a + 3 * b + 8) >> 4;
    }
  }

  /**
   * Fits frame ≈ a·background + b over sampled still pixels (robustly, in two passes) and,
   * when that shifts typical gray levels by more than half a level, maps the background
   * through it, so global light changes are re-learnt at once instead of reported. Updates
   * the noise estimate from the median residual.
   */
  #compensate(frame: Uint8Array): void {
    const w = this.width, h = this.height, step = this.#step;
    const mean = this.#mean, prev = this.mask, ignore = this.#ignore;
    const hist = this.#noiseHist;
    const k = this.#k, o = this.#off, out = this.#sums;
    if (this.settings.normalize) {
      // the sums go to `out` (c, Σm, Σx, Σm², Σxm) and fit() reads them there: passing them as
      // arguments boxes each double where V8 does not inline fit() (its mid tier, Maglev,
      // where this once-a-frame method stays for a long time), a heap allocation per frame
      if (k !== null) {
        k.sums(this.#frameOff, o.mean, o.mask, o.ignore, w, h, step, o.out, 0);
      } else {
        // summed in `out` itself: a loop variable that starts as the integer 0 and becomes a
        // double is boxed on every step by Maglev
        out.fill(0, 0, 5);
        for (let y = 0; y < h; y += step) {
          for (let i = y * w, end = i + w; i < end; i += step) {
            if (prev[i] !== 0 || ignore[i] !== 0) continue;
            const m = mean[i] * (1 / 256), x = frame[i];
            out[0]++;
            out[1] += m;
            out[2] += x;
            out[3] += m * m;
            out[4] += x * m;
          }
        }
      }
      const ab = this.#ab;
      if (out[0] > 16) {
        fit(out, ab);
        // second pass without outliers (moving things not yet in the mask); the doubles stay
        // in consts and typed arrays: a variable that is an integer on one path and a double
        // on another is boxed by V8's mid tier
        const a = ab[0], b = ab[1], tau = Math.max(15, 3 * this.#sigma[0]);
        if (k !== null) {
          // doubles go through memory too: a call into WebAssembly boxes f64 arguments
          out[5] = a;
          out[6] = b;
          out[7] = tau;
          k.sums(this.#frameOff, o.mean, o.mask, o.ignore, w, h, step, o.out, 1);
        } else {
          out.fill(0, 0, 5);
          for (let y = 0; y < h; y += step) {
            for (let i = y * w, end = i + w; i < end; i += step) {
              if (prev[i] !== 0 || ignore[i] !== 0) continue;
              const m = mean[i] * (1 / 256), x = frame[i];
              const r = x - (a * m + b);
              if (r > tau || r < -tau) continue;
              out[0]++;
              out[1] += m;
              out[2] += x;
              out[3] += m * m;
              out[4] += x * m;
            }
          }
        }
        const c = out[0];
        if (c > 16) {
          fit(out, ab);
          // keep the mapping only when it shifts typical gray levels noticeably
          const mm = out[1] / c, sdm = Math.sqrt(Math.max(0, out[3] / c - mm * mm));
          const lo = Math.max(0, mm - 2 * sdm), hi = Math.min(255, mm + 2 * sdm);
          const fa = ab[0], fb = ab[1];
          if (
            Math.max(Math.abs((fa - 1) * lo + fb), Math.abs((fa - 1) * hi + fb)) > 0.5 &&
            (fa !== 1 || fb !== 0)
          ) {
            // map the background (and its spread) into the frame's light at once
            const vari = this.#var, a2 = fa * fa, b256 = fb * 256, n = this.#n;
            if (k !== null) {
              out[5] = fa;
              out[6] = b256;
              out[7] = a2;
              k.remap(o.mean, o.var, n, MAX_MEAN, o.out + 40);
            } else {
              for (let i = 0; i < n; i++) {
                // (Math.min/max, not a conditional: see the sums above; the stores truncate)
                mean[i] = Math.min(MAX_MEAN, Math.max(-MAX_MEAN, fa * mean[i] + b256));
                vari[i] = Math.min(65535, a2 * vari[i]);
              }
            }
          }
        }
      }
    }
    // noise: median absolute residual of sampled still pixels
    if (k !== null) {
      k.noise(this.#frameOff, o.mean, o.mask, o.ignore, w, h, step, o.out, o.hist, NOISE_BINS);
    } else {
      let c = 0;
      hist.fill(0);
      for (let y = 0; y < h; y += step) {
        for (let i = y * w, end = i + w; i < end; i += step) {
          if (prev[i] !== 0 || ignore[i] !== 0) continue;
          const m = mean[i] * (1 / 256);
          const r = Math.abs(frame[i] - Math.min(255, Math.max(0, m)));
          let bin = (r * NOISE_BIN_SCALE) | 0;
          if (bin >= NOISE_BINS) bin = NOISE_BINS - 1;
          hist[bin]++;
          c++;
        }
      }
      out[0] = c;
    }
    // the count read back from `out` on both paths (no integer/double phi, see above)
    const c = out[0];
    if (c > 0) {
      const half = c / 2;
      let acc = 0, bin = 0;
      while (bin < NOISE_BINS - 1 && acc + hist[bin] < half) acc += hist[bin++];
      const median = (bin + 0.5) / NOISE_BIN_SCALE;
      const sigma = 1.4826 * median;
      const level = this.#sigma;
      if (this.#frames <= 2) level[0] = sigma;
      else level[0] += 0.1 * (sigma - level[0]);
    }
  }

  #components(fg: Int32Array): void {
    const w = this.width, h = this.height, wpr = this.#bits.wpr;
    const rs = this.#runStart, re = this.#runEnd, rr = this.#runRow, parent = this.#runParent;
    // label runs row by row, union with 8-connected runs of the previous row
    let runs = 0, prevFrom = 0, prevTo = 0;
    for (let y = 0; y < h; y++) {
      const from = runs;
      let p = prevFrom;
      let start = -1, carry = 0;
      for (let k = 0; k < wpr; k++) {
        const v = fg[y * wpr + k];
        // bits where a pixel differs from its left neighbour: run starts and ends
        let t = v ^ ((v << 1) | carry);
        carry = v >>> 31;
        while (t !== 0) {
          const low = t & -t;
          t ^= low;
          const x = k * 32 + 31 - Math.clz32(low);
          if (start < 0) {
            start = x;
            continue;
          }
          p = this.#addRun(start, x, y, runs++, p, prevTo);
          start = -1;
        }
      }
      if (start >= 0) p = this.#addRun(start, w, y, runs++, p, prevTo);
      prevFrom = from;
      prevTo = runs;
    }

    // component statistics, indexed by root (the smallest run index of the component)
    const area = this.#compArea,
      cx0 = this.#compX0,
      cy0 = this.#compY0,
      cx1 = this.#compX1,
      cy1 = this.#compY1;
    for (let r = 0; r < runs; r++) {
      const root = find(parent, r);
      parent[r] = root;
      const len = re[r] - rs[r];
      if (root === r) {
        area[r] = len;
        cx0[r] = rs[r];
        cx1[r] = re[r] - 1;
        cy0[r] = cy1[r] = rr[r];
      } else {
        area[root] += len;
        if (rs[r] < cx0[root]) cx0[root] = rs[r];
        if (re[r] - 1 > cx1[root]) cx1[root] = re[r] - 1;
        if (rr[r] > cy1[root]) cy1[root] = rr[r];
      }
    }

    // keep components of at least minArea; fill the mask with them
    const mask = this.mask;
    mask.fill(0);
    const slot = this.#compSlot;
    const bx0 = this.#boxX0, by0 = this.#boxY0, bx1 = this.#boxX1, by1 = this.#boxY1;
    const zoneBits = this.#zoneBits;
    let boxes = 0, pixels = 0, zones = 0;
    for (let r = 0; r < runs; r++) {
      const root = parent[r];
      if (area[root] < this.#minAreaPx) continue;
      if (root === r) {
        slot[r] = boxes;
        bx0[boxes] = cx0[r];
        by0[boxes] = cy0[r];
        bx1[boxes] = cx1[r];
        by1[boxes] = cy1[r];
        boxes++;
        pixels += area[r];
      }
      const from = rr[r] * w + rs[r], to = rr[r] * w + re[r];
      mask.fill(255, from, to);
      if (zoneBits !== null) { for (let i = from; i < to; i++) zones |= zoneBits[i]; }
    }

    // merge boxes closer than mergeDistance
    const gap = this.#mergePx;
    let merged = true;
    while (merged && boxes > 1) {
      merged = false;
      for (let i = 0; i < boxes; i++) {
        for (let j = i + 1; j < boxes; j++) {
          if (
            bx0[j] - bx1[i] <= gap + 1 && bx0[i] - bx1[j] <= gap + 1 &&
            by0[j] - by1[i] <= gap + 1 && by0[i] - by1[j] <= gap + 1
          ) {
            if (bx0[j] < bx0[i]) bx0[i] = bx0[j];
            if (by0[j] < by0[i]) by0[i] = by0[j];
            if (bx1[j] > bx1[i]) bx1[i] = bx1[j];
            if (by1[j] > by1[i]) by1[i] = by1[j];
            boxes--;
            bx0[j] = bx0[boxes];
            by0[j] = by0[boxes];
            bx1[j] = bx1[boxes];
            by1[j] = by1[boxes];
            merged = true;
            j--;
          }
        }
      }
    }

    // report in camera pixels
    const result = this.#result;
    const sx = this.#sx, sy = this.#sy, sw = this.sourceWidth, sh = this.sourceHeight;
    let reported = 0;
    for (let i = 0; i < boxes && reported < MAX_BOXES; i++) {
      const bw = bx1[i] - bx0[i] + 1, bh = by1[i] - by0[i] + 1;
      if (bw * bh > this.#maxAreaPx) continue;
      const x0 = Math.max(0, Math.floor(bx0[i] / sx));
      const y0 = Math.max(0, Math.floor(by0[i] / sy));
      const x1 = Math.min(sw, Math.ceil((bx1[i] + 1) / sx));
      const y1 = Math.min(sh, Math.ceil((by1[i] + 1) / sy));
      const box = this.#boxPool[reported++];
      box[0] = x0;
      box[1] = y0;
      box[2] = x1 - x0;
      box[3] = y1 - y0;
    }
    result.boxes = this.#boxLists[reported];
    result.motion = reported > 0;
    result.score = Math.round((pixels / this.#active) * 10000) / 100;
    if (zones !== 0) {
      const names = this.settings.zones;
      let touched = 0;
      for (let k = 0; k < names.length; k++) if (zones & (1 << k)) touched++;
      const list = this.#zoneLists[touched];
      touched = 0;
      for (let k = 0; k < names.length; k++) if (zones & (1 << k)) list[touched++] = names[k].name;
      result.zones = list;
    }
  }
}

const P_T2 = 0,
  P_K2Q = 1,
  P_MAXVAR = 2,
  P_QBG = 3,
  P_QFG = 4,
  P_ABSORB = 5,
  P_QABSORB = 6,
  P_QGHOST = 7,
  P_TSTILL = 8,
  P_TQ = 9,
  P_PHASE = 10,
  P_COUNT = 11;

/**
 * Step 3 of process(): difference to the background, threshold into the bit-packed mask `fg`,
 * selective background update. A plain function over typed arrays with integer parameters
 * (`par`, P_* indices), so the optimiser keeps it small and monomorphic. Returns the words
 * written.
 */
function diffFrame(
  frame: Uint8Array,
  mean: Int32Array,
  vari: Uint16Array,
  still: Uint16Array,
  fg: Int32Array,
  w: number,
  h: number,
  par: Int32Array,
  fc: ForegroundContext,
): number {
  const t2 = par[P_T2], k2q = par[P_K2Q], maxVar = par[P_MAXVAR], qBg = par[P_QBG];
  const phase = par[P_PHASE];
  let word = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    fc.row = row;
    fc.y = y;
    // still pixels update on one row in UPDATE_PERIOD, taking turns (see UPDATE_PERIOD)
    const update = ((y + phase) & (UPDATE_PERIOD - 1)) === 0;
    for (let x0 = 0; x0 < w; x0 += 32) {
      const end = row + (x0 + 32 < w ? x0 + 32 : w);
      let bits = 0, bit = 1;
      if (update) {
        for (let i = row + x0; i < end; i++, bit <<= 1) {
          // the model may leave 0..255 (a saturated area under rising exposure): compare with
          // what the camera can show, and keep the unclipped value for when exposure falls
          const m = mean[i];
          const dg = ((frame[i] << 8) - (m > 65280 ? 65280 : m < 0 ? 0 : m)) >> 4;
          const d2 = dg * dg;
          let v = vari[i];
          if (d2 > t2 && d2 > k2q * v) {
            bits |= bit;
            mean[i] = m + foreground(fc, i, dg);
          } else {
            const c = still[i];
            if (c !== 0) still[i] = c >> 1;
            mean[i] = m + ((qBg * dg + 128) >> 8);
            const dd = d2 >> 4;
            v += (qBg * ((dd > 65535 ? 65535 : dd) - v) + 2048) >> 12;
            vari[i] = v > maxVar ? maxVar : v;
          }
        }
      } else {
        // no background update on this row: the still pixels change nothing another pixel
        // reads, so the moving ones can be handled after the word, in the same order
        const start = row + x0;
        for (let i = start; i < end; i++, bit <<= 1) {
          const m = mean[i];
          const dg = ((frame[i] << 8) - (m > 65280 ? 65280 : m < 0 ? 0 : m)) >> 4;
          const d2 = dg * dg;
          if (d2 > t2 && d2 > k2q * vari[i]) {
            bits |= bit;
          } else {
            const c = still[i];
            if (c !== 0) still[i] = c >> 1;
          }
        }
        for (let t = bits; t !== 0;) {
          const low = t & -t;
          t ^= low;
          const i = start + 31 - Math.clz32(low);
          const m = mean[i];
          const dg = ((frame[i] << 8) - (m > 65280 ? 65280 : m < 0 ? 0 : m)) >> 4;
          mean[i] = m + foreground(fc, i, dg);
        }
      }
      fg[word++] = bits;
    }
  }
  return word;
}

/** The state foreground() reads besides the pixel (the frame buffers swap each frame). */
class ForegroundContext {
  row = 0;
  y = 0;
  constructor(
    public frame: Uint8Array,
    public prev: Uint8Array,
    readonly mean: Int32Array,
    readonly still: Uint16Array,
    readonly lastMask: Uint8Array,
    readonly par: Int32Array,
    readonly w: number,
    readonly h: number,
  ) {}
}

/** A moving pixel: counts how long it stayed unchanged; returns its background mean's step. */
function foreground(fc: ForegroundContext, i: number, dg: number): number {
  const { frame, prev, mean, still, lastMask, par, w, h, row, y } = fc;
  const f = frame[i];
  const dp = f - prev[i];
  const tStill = par[P_TSTILL];
  // counts up while unchanged; a passer-by over a ghost halves it instead of resetting
  const c = dp <= tStill && dp >= -tStill ? (still[i] + 1) & 0x7fff : still[i] >> 1;
  still[i] = c;
  // unchanging foreground (a ghost, a parked car) is absorbed after absorbFrames
  const q = c >= par[P_ABSORB]
    ? par[P_QABSORB]
    : ghostEdge(lastMask, mean, f << 8, i, i - row, y, w, h, par[P_TQ])
    ? par[P_QGHOST]
    : par[P_QFG];
  return (q * dg + 128) >> 8;
}

/**
 * One pass of the 3×3 binomial (1-2-1) blur, edges replicated, 4 pixels per 32-bit word
 * (little-endian: byte k of a word is pixel 4j + k). Even and odd pixels are summed in two
 * 16-bit lanes per word; the sums are exactly those of the scalar blur. `w` is a multiple of 4
 * and at least 8; `src` must not be `dst`.
 */
function blurWords(src: Int32Array, dst: Int32Array, w: number, h: number): void {
  const wpw = w >> 2, last = h - 1, lastWord = wpw - 1;
  for (let y = 0; y < h; y++) {
    const r1 = y * wpw;
    const r0 = y > 0 ? r1 - wpw : r1, r2 = y < last ? r1 + wpw : r1;
    // column sums of the three rows: ve lanes = pixels 4j, 4j+2; vo lanes = 4j+1, 4j+3
    let a = src[r0], b = src[r1], c = src[r2];
    let ve = (a & 0xff00ff) + ((b & 0xff00ff) << 1) + (c & 0xff00ff);
    let vo = ((a >>> 8) & 0xff00ff) + (((b >>> 8) & 0xff00ff) << 1) + ((c >>> 8) & 0xff00ff);
    let left = ve & 0xffff; // column sum left of pixel 4j (replicated at the edge)
    for (let j = 0; j < lastWord; j++) {
      a = src[r0 + j + 1];
      b = src[r1 + j + 1];
      c = src[r2 + j + 1];
      const nve = (a & 0xff00ff) + ((b & 0xff00ff) << 1) + (c & 0xff00ff);
      const nvo = ((a >>> 8) & 0xff00ff) + (((b >>> 8) & 0xff00ff) << 1) + ((c >>> 8) & 0xff00ff);
      const he = (ve << 1) + vo + ((vo << 16) | left) + 0x80008;
      const ho = (vo << 1) + ve + ((ve >>> 16) | ((nve & 0xffff) << 16)) + 0x80008;
      dst[r1 + j] = ((he >>> 4) & 0xff00ff) | (((ho >>> 4) & 0xff00ff) << 8);
      left = vo >>> 16;
      ve = nve;
      vo = nvo;
    }
    // the last word: the column right of the last pixel is the last pixel's (replicated)
    const he = (ve << 1) + vo + ((vo << 16) | left) + 0x80008;
    const ho = (vo << 1) + ve + ((ve >>> 16) | (vo & 0xffff0000)) + 0x80008;
    dst[r1 + lastWord] = ((he >>> 4) & 0xff00ff) | (((ho >>> 4) & 0xff00ff) << 8);
  }
}

/** The least-squares line x ≈ a·m + b from the sums [c, Σm, Σx, Σm², Σxm] into `out` [a, b]. */
function fit(sums: Float64Array, out: Float64Array): void {
  const c = sums[0], sm = sums[1], sx = sums[2], smm = sums[3], sxm = sums[4];
  const mm = sm / c, mx = sx / c;
  const cov = sxm / c - mm * mx;
  const varm = smm / c - mm * mm;
  // regularised toward a = 1 so flat scenes fit an offset only; clamped without a branch
  // (Maglev boxes a double that a branch may replace). Finite: callers have c > 16 samples.
  const a = Math.min(5, Math.max(0.2, (cov + 4) / (varm + 4)));
  out[0] = a;
  out[1] = mx - a * mm;
}

function find(parent: Int32Array, r: number): number {
  let root = r;
  while (parent[root] !== root) root = parent[root];
  while (parent[r] !== root) {
    const next = parent[r];
    parent[r] = root;
    r = next;
  }
  return root;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a), rb = find(parent, b);
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * Pixel i (moving) is the edge of a ghost: a 4-neighbour was still in the previous frame and
 * pixel i now looks like that neighbour's background. Revealed background (where something
 * stood when the model was learnt) passes; a real object differs from the background around
 * it. Ghosts so erode from their edges, a pixel layer per frame (the previous frame's mask keeps
 * it from running through a whole region in one frame).
 */
function ghostEdge(
  still: Uint8Array,
  mean: Int32Array,
  v: number,
  i: number,
  x: number,
  y: number,
  w: number,
  h: number,
  tq: number,
): boolean {
  if (x > 0 && still[i - 1] === 0 && near(v, mean[i - 1], tq)) return true;
  if (x < w - 1 && still[i + 1] === 0 && near(v, mean[i + 1], tq)) return true;
  if (y > 0 && still[i - w] === 0 && near(v, mean[i - w], tq)) return true;
  return y < h - 1 && still[i + w] === 0 && near(v, mean[i + w], tq);
}

function near(v: number, m: number, tq: number): boolean {
  return v - m < tq && m - v < tq;
}
