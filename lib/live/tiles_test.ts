import assert from "node:assert/strict";
import { applyAtlas, atlasCols, gridFor, packAtlas, psnr, tileErrors } from "./tiles.ts";

/** A `w`×`h` RGBA picture whose pixels all differ. */
function picture(w: number, h: number, seed = 0): Uint8Array {
  const p = new Uint8Array(w * h * 4);
  for (let i = 0; i < p.length; i++) p[i] = (i * 31 + seed * 7 + (i >> 8)) & 255;
  return p;
}

Deno.test("tiles: packing tiles in an atlas and pasting them back is exact, edges too", () => {
  const grid = gridFor(37, 21); // 3×2 tiles, the last column and row cut
  assert.deepEqual([grid.cols, grid.rows], [3, 2]);
  const src = picture(37, 21, 1), dst = picture(37, 21, 2);
  const tiles = [0, 2, 5];
  const cols = atlasCols(tiles.length);
  const atlas = packAtlas(src, grid, tiles, cols);
  assert.deepEqual([atlas.width, atlas.height], [32, 32]);
  applyAtlas(dst, grid, tiles, cols, atlas);
  const errors = tileErrors(src, dst, grid).sse;
  assert.deepEqual([...errors].map((e) => e === 0), [true, false, true, false, false, true]);
});

Deno.test("tiles: applyAtlas refuses tiles outside the grid and a too small atlas", () => {
  const grid = gridFor(32, 32);
  const pic = picture(32, 32);
  const atlas = { data: new Uint8Array(16 * 16 * 4), width: 16, height: 16 };
  assert.throws(() => applyAtlas(pic, grid, [4], 1, atlas), RangeError);
  assert.throws(() => applyAtlas(pic, grid, [-1], 1, atlas), RangeError);
  assert.throws(() => applyAtlas(pic, grid, [0, 1], 2, atlas), RangeError);
});

Deno.test("tiles: psnr and outliers", () => {
  const a = picture(16, 16), b = new Uint8Array(a);
  assert.equal(psnr(a, b), Infinity);
  b[0] = a[0] ^ 0x80; // one channel of one pixel off by 128
  assert.equal(tileErrors(a, b, gridFor(16, 16), 24).outliers[0], 1);
  const mse = 128 * 128 / (256 * 3);
  assert.ok(Math.abs(psnr(a, b) - 10 * Math.log10(65025 / mse)) < 1e-9);
  assert.throws(() => psnr(a, new Uint8Array(4)), RangeError);
});
