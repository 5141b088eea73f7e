/**
 * @module
 * One camera's live delta stream: after a keyframe (the camera's own JPEG), each frame goes out
 * as the tiles that changed, packed in one small atlas JPEG (lib/live/tiles.ts,
 * lib/live/jpeg_encode.ts). The encoder keeps the reconstruction its clients show, built from
 * the bytes actually sent (the atlas is decoded back), so errors never pile up; and it checks
 * every delta against the real frame, sending a keyframe instead whenever the picture would fall
 * below `minPsnr`. Shared by every delta client of the camera (lib/live/delta_hub.ts).
 */
import { decodeJpeg } from "../objects/classify.ts";
import { encodeJpeg } from "./jpeg_encode.ts";
import {
  applyAtlas,
  atlasCols,
  type Grid,
  gridFor,
  packAtlas,
  type Pixels,
  psnrOf,
  TILE,
  tileErrors,
  tileSamples,
} from "./tiles.ts";

/** A decoded picture: RGBA, rows packed. */
export interface Picture {
  data: Pixels;
  width: number;
  height: number;
}

export interface DeltaEncoderOptions {
  /** A keyframe at least this often (ms). Default 10 000. */
  keyframeMs?: number;
  /** Atlas JPEG quality (1–100). Default 85. */
  quality?: number;
  /**
   * The picture a client shows never falls below this PSNR (dB, R, G, B) against the real
   * frame, as decoded here; else a keyframe goes instead. Default 36: 1 dB above the stated
   * bound of 35, for the browser's JPEG decoder rounding differently from this one.
   */
  minPsnr?: number;
  /**
   * Deltas aim at this PSNR (dB) over the whole frame: the tiles left out may differ this much
   * in all. Default 36.5 (measured on vtest.avi: higher costs bytes, lower forces keyframes).
   */
  targetPsnr?: number;
  /** A tile whose own mean squared error is above this is always sent (no ghosts). Default 40. */
  tileMse?: number;
  /**
   * A tile with at least `outlierPixels` pixels off by more than `outlierDiff` (in R, G or B)
   * is always sent too: a thin edge left behind by a moving object has a small mean error but
   * shows. Defaults 24 and 4 (sensor noise seldom puts 4 pixels of a tile that far off).
   */
  outlierDiff?: number;
  outlierPixels?: number;
  /** More than this share of the tiles changed: a keyframe instead (0..1). Default 0.35. */
  maxChangedShare?: number;
  /** JPEG decoder (default imagescript's WebAssembly one). */
  decode?: (jpeg: Uint8Array) => Promise<Picture>;
}

/** A keyframe: the full frame's JPEG. */
export interface KeyFrame {
  key: true;
  seq: number;
  jpeg: Uint8Array;
  /** Why: "first", "interval", "requested", "size", "large" or "quality". */
  reason: string;
}

/** Changed tiles: `tiles` (indices in the frame's grid, row-major) laid `cols` per row in `jpeg`. */
export interface DeltaFrame {
  key: false;
  seq: number;
  width: number;
  height: number;
  tile: number;
  cols: number;
  tiles: number[];
  /** The atlas JPEG; empty when no tile changed. */
  jpeg: Uint8Array;
  /** PSNR (dB) of the clients' picture against the real frame after this delta. */
  psnr: number;
}

export type EncodedFrame = KeyFrame | DeltaFrame;

/** One camera's delta encoder: feed it every frame's JPEG in order. */
export class DeltaEncoder {
  readonly #keyframeMs: number;
  readonly #quality: number;
  readonly #minPsnr: number;
  readonly #targetMse: number;
  readonly #tileMse: number;
  readonly #maxChangedShare: number;
  readonly #outlierDiff: number;
  readonly #outlierPixels: number;
  readonly #decode: (jpeg: Uint8Array) => Promise<Picture>;
  /** What the clients show now. */
  #shown: Picture | null = null;
  #grid: Grid | null = null;
  #seq = 0;
  #lastKeyAt = -Infinity;
  #keyRequested = false;

  constructor(opts: DeltaEncoderOptions = {}) {
    this.#keyframeMs = opts.keyframeMs ?? 10_000;
    this.#quality = opts.quality ?? 85;
    this.#minPsnr = opts.minPsnr ?? 36;
    this.#targetMse = 255 * 255 / 10 ** ((opts.targetPsnr ?? 36.5) / 10);
    this.#tileMse = opts.tileMse ?? 40;
    this.#maxChangedShare = opts.maxChangedShare ?? 0.35;
    this.#outlierDiff = opts.outlierDiff ?? 24;
    this.#outlierPixels = opts.outlierPixels ?? 4;
    this.#decode = opts.decode ?? decodeJpeg;
  }

  /** The next frame goes out as a keyframe (a client joined or lost a delta). */
  requestKey(): void {
    this.#keyRequested = true;
  }

  /** When the last keyframe went out (the `now` given to `encode`). */
  get lastKeyAt(): number {
    return this.#lastKeyAt;
  }

  /**
   * Encodes the next frame. `now` is a clock in ms (for the keyframe interval). Rejects with
   * the decoder's error for a JPEG that cannot be decoded, and then keeps its state as it was.
   */
  async encode(jpeg: Uint8Array, now: number): Promise<EncodedFrame> {
    const frame = await this.#decode(jpeg);
    const shown = this.#shown;
    let reason = "";
    if (!shown) reason = "first";
    else if (shown.width !== frame.width || shown.height !== frame.height) reason = "size";
    else if (this.#keyRequested) reason = "requested";
    else if (now - this.#lastKeyAt >= this.#keyframeMs) reason = "interval";
    if (reason) return this.#key(frame, jpeg, now, reason);

    const grid = this.#grid!;
    const { sse: errors, outliers } = tileErrors(frame.data, shown!.data, grid, this.#outlierDiff);
    const tiles = this.#choose(errors, outliers, grid);
    if (tiles.length > this.#maxChangedShare * errors.length) {
      return this.#key(frame, jpeg, now, "large");
    }
    let residual = 0; // squared error left in the tiles not sent
    const chosen = new Set(tiles);
    errors.forEach((e, i) => chosen.has(i) ? 0 : residual += e);
    if (tiles.length === 0) {
      return this.#delta(grid, [], 1, new Uint8Array(0), this.#psnr(residual, grid));
    }
    const cols = atlasCols(tiles.length);
    const atlas = packAtlas(frame.data, grid, tiles, cols);
    const atlasJpeg = encodeJpeg(atlas.data, atlas.width, atlas.height, this.#quality);
    if (atlasJpeg.length >= jpeg.length) return this.#key(frame, jpeg, now, "large");
    // What the clients will show: the atlas as they decode it, pasted on what they show.
    const next = new Uint8Array(shown!.data);
    applyAtlas(next, grid, tiles, cols, await this.#decode(atlasJpeg));
    const after = tileErrors(frame.data, next, grid).sse;
    for (const t of tiles) residual += after[t];
    const quality = this.#psnr(residual, grid);
    if (quality < this.#minPsnr) return this.#key(frame, jpeg, now, "quality");
    this.#shown = { data: next, width: frame.width, height: frame.height };
    return this.#delta(grid, tiles, cols, atlasJpeg, quality);
  }

  /**
   * The tiles to send: every tile above `tileMse` or with `outlierPixels`, then the worst until
   * the target is met.
   */
  #choose(errors: Float64Array, outliers: Uint16Array, grid: Grid): number[] {
    const order = [...errors.keys()].filter((i) => errors[i] > 0)
      .sort((a, b) => errors[b] - errors[a]);
    let left = 0;
    for (const e of errors) left += e;
    const budget = this.#targetMse * grid.width * grid.height * 3;
    const out: number[] = [];
    for (const i of order) {
      const must = errors[i] > this.#tileMse * tileSamples(i, grid) ||
        outliers[i] >= this.#outlierPixels;
      if (left > budget || must) {
        out.push(i);
        left -= errors[i];
      }
    }
    return out.sort((a, b) => a - b);
  }

  #psnr(sse: number, grid: Grid): number {
    return psnrOf(sse / (grid.width * grid.height * 3));
  }

  #key(frame: Picture, jpeg: Uint8Array, now: number, reason: string): KeyFrame {
    this.#shown = frame;
    this.#grid = gridFor(frame.width, frame.height);
    this.#lastKeyAt = now;
    this.#keyRequested = false;
    return { key: true, seq: ++this.#seq, jpeg, reason };
  }

  #delta(grid: Grid, tiles: number[], cols: number, jpeg: Uint8Array, psnr: number): DeltaFrame {
    return {
      key: false,
      seq: ++this.#seq,
      width: grid.width,
      height: grid.height,
      tile: TILE,
      cols,
      tiles,
      jpeg,
      psnr,
    };
  }
}
