/**
 * @module
 * The tile grid of the live delta stream (lib/live/delta_encoder.ts) and the two operations both
 * ends share: per-tile squared error between two pictures, and pasting an atlas's tiles onto a
 * picture (the server's copy of what its clients show; tests use it as the browser's canvas).
 * Pictures are RGBA, 4 bytes a pixel, rows packed; errors count R, G and B.
 */

/** RGBA bytes, as decoders and canvases give them. */
export type Pixels = Uint8Array | Uint8ClampedArray;

/** Tile side in pixels: a multiple of the JPEG block (8), so atlas tiles never share a block. */
export const TILE = 16;

/** The tile grid of a `width`×`height` picture. */
export interface Grid {
  width: number;
  height: number;
  cols: number;
  rows: number;
}

export function gridFor(width: number, height: number): Grid {
  return { width, height, cols: Math.ceil(width / TILE), rows: Math.ceil(height / TILE) };
}

/** Columns of an atlas holding `n` tiles: as square as possible, at least 1. */
export function atlasCols(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

/**
 * Per tile: the sum of squared R, G, B differences between `a` and `b` (same size), and how many
 * pixels differ by more than `outlierDiff` in some channel (a thin edge left behind has a small
 * mean error but such pixels).
 */
export function tileErrors(
  a: Pixels,
  b: Pixels,
  grid: Grid,
  outlierDiff = 255,
): { sse: Float64Array; outliers: Uint16Array } {
  const { width, height, cols } = grid;
  const sse = new Float64Array(cols * grid.rows);
  const outliers = new Uint16Array(cols * grid.rows);
  const limit = outlierDiff * outlierDiff;
  for (let y = 0; y < height; y++) {
    const rowBase = Math.floor(y / TILE) * cols;
    let p = y * width * 4;
    for (let tx = 0; tx < cols; tx++) {
      const end = Math.min(width, (tx + 1) * TILE);
      let s = 0, n = 0;
      for (let x = tx * TILE; x < end; x++, p += 4) {
        const dr = a[p] - b[p], dg = a[p + 1] - b[p + 1], db = a[p + 2] - b[p + 2];
        const r2 = dr * dr, g2 = dg * dg, b2 = db * db;
        s += r2 + g2 + b2;
        if (r2 > limit || g2 > limit || b2 > limit) n++;
      }
      sse[rowBase + tx] += s;
      outliers[rowBase + tx] += n;
    }
  }
  return { sse, outliers };
}

/** Pixels (times 3 channels) in tile `i`: edge tiles are cut by the picture's border. */
export function tileSamples(i: number, grid: Grid): number {
  const tx = i % grid.cols, ty = Math.floor(i / grid.cols);
  const w = Math.min(TILE, grid.width - tx * TILE), h = Math.min(TILE, grid.height - ty * TILE);
  return w * h * 3;
}

/** PSNR in dB of a mean squared error over 8-bit samples (Infinity when equal). */
export function psnrOf(mse: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10(255 * 255 / mse);
}

/** PSNR in dB between two RGBA pictures of the same size (R, G, B). */
export function psnr(a: Pixels, b: Pixels): number {
  if (a.length !== b.length) throw new RangeError("psnr: pictures of different sizes");
  let s = 0;
  for (let p = 0; p < a.length; p += 4) {
    const dr = a[p] - b[p], dg = a[p + 1] - b[p + 1], db = a[p + 2] - b[p + 2];
    s += dr * dr + dg * dg + db * db;
  }
  return psnrOf(s / (a.length / 4 * 3));
}

/** Copies the listed tiles of `frame` into a new atlas picture, in order, `cols` per row. */
export function packAtlas(
  frame: Pixels,
  grid: Grid,
  tiles: readonly number[],
  cols: number,
): { data: Uint8Array; width: number; height: number } {
  const width = cols * TILE, height = Math.ceil(tiles.length / cols) * TILE;
  const data = new Uint8Array(width * height * 4);
  tiles.forEach((t, k) => {
    const sx = (t % grid.cols) * TILE, sy = Math.floor(t / grid.cols) * TILE;
    const dx = (k % cols) * TILE, dy = Math.floor(k / cols) * TILE;
    for (let r = 0; r < TILE; r++) {
      // Edge tiles repeat the border pixel, so the JPEG block has no hard edge to code.
      const y = Math.min(sy + r, grid.height - 1);
      for (let c = 0; c < TILE; c++) {
        const x = Math.min(sx + c, grid.width - 1);
        const s = (y * grid.width + x) * 4, d = ((dy + r) * width + dx + c) * 4;
        data[d] = frame[s];
        data[d + 1] = frame[s + 1];
        data[d + 2] = frame[s + 2];
        data[d + 3] = 255;
      }
    }
  });
  return { data, width, height };
}

/**
 * Pastes the atlas's tiles (laid as `packAtlas` lays them) onto `picture` in place. Throws a
 * RangeError when a tile index is outside the grid or the atlas is too small for the list.
 */
export function applyAtlas(
  picture: Pixels,
  grid: Grid,
  tiles: readonly number[],
  cols: number,
  atlas: { data: Pixels; width: number; height: number },
): void {
  const total = grid.cols * grid.rows;
  if (atlas.width < cols * TILE || atlas.height < Math.ceil(tiles.length / cols) * TILE) {
    throw new RangeError(
      `atlas ${atlas.width}×${atlas.height} too small for ${tiles.length} tiles`,
    );
  }
  tiles.forEach((t, k) => {
    if (!(Number.isInteger(t) && t >= 0 && t < total)) throw new RangeError(`bad tile ${t}`);
    const tx = (t % grid.cols) * TILE, ty = Math.floor(t / grid.cols) * TILE;
    const ax = (k % cols) * TILE, ay = Math.floor(k / cols) * TILE;
    const w = Math.min(TILE, grid.width - tx), h = Math.min(TILE, grid.height - ty);
    for (let r = 0; r < h; r++) {
      const s = ((ay + r) * atlas.width + ax) * 4, d = ((ty + r) * grid.width + tx) * 4;
      picture.set(atlas.data.subarray(s, s + w * 4), d);
    }
  });
}
