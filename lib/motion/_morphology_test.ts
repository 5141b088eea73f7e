import assert from "node:assert/strict";
import { bitGeometry, dilate3, dilateCross, erode3, erodeCross } from "./_morphology.ts";
import type { MorphologyOp } from "./_morphology.ts";
import { rng } from "../../tests/helpers/rng.ts";

/** 3×3 square or 4-neighbour cross offsets, the centre included. */
const SQUARE: [number, number][] = [];
for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) SQUARE.push([dx, dy]);
const CROSS: [number, number][] = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]];

/**
 * Pixel by pixel: erosion keeps a pixel when every neighbour is set (outside the frame counts
 * as set), dilation sets it when any neighbour is set (outside counts as clear).
 */
function reference(
  px: Uint8Array,
  w: number,
  h: number,
  shape: [number, number][],
  erode: boolean,
): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const set = shape.map(([dx, dy]) => {
        const nx = x + dx, ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) return erode;
        return px[ny * w + nx] === 1;
      });
      out[y * w + x] = (erode ? set.every(Boolean) : set.some(Boolean)) ? 1 : 0;
    }
  }
  return out;
}

function pack(px: Uint8Array, w: number, h: number): Int32Array {
  const wpr = Math.ceil(w / 32);
  const words = new Int32Array(wpr * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) if (px[y * w + x]) words[y * wpr + (x >> 5)] |= 1 << (x & 31);
  }
  return words;
}

function unpack(words: Int32Array, w: number, h: number): Uint8Array {
  const wpr = Math.ceil(w / 32);
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) px[y * w + x] = (words[y * wpr + (x >> 5)] >>> (x & 31)) & 1;
  }
  return px;
}

const OPS: [string, MorphologyOp, [number, number][], boolean][] = [
  ["erode3", erode3, SQUARE, true],
  ["erodeCross", erodeCross, CROSS, true],
  ["dilate3", dilate3, SQUARE, false],
  ["dilateCross", dilateCross, CROSS, false],
];

Deno.test("erode3(), erodeCross(), dilate3(), dilateCross() match a pixel-by-pixel reference, edges and padding included", () => {
  const random = rng(20261203);
  // widths below, at and past the 32-bit word, and one that is no multiple of anything
  for (const [w, h] of [[1, 1], [5, 3], [31, 4], [32, 5], [33, 6], [64, 7], [250, 9]]) {
    for (const density of [0.2, 0.5, 0.85]) {
      const px = Uint8Array.from({ length: w * h }, () => (random() < density ? 1 : 0));
      const g = bitGeometry(w, h);
      const src = pack(px, w, h);
      for (const [name, op, shape, erode] of OPS) {
        const dst = new Int32Array(src.length).fill(0x5a5a5a5a); // overwritten, not merged
        const tmp = new Int32Array(src.length);
        const before = src.slice();
        op(src, dst, tmp, g);
        assert.deepEqual(src, before, `${name} ${w}x${h}: src unchanged`);
        assert.deepEqual(
          unpack(dst, w, h),
          reference(px, w, h, shape, erode),
          `${name} ${w}x${h} density ${density}`,
        );
        // bits past the width stay clear (the connected components read whole words)
        assert.deepEqual(dst, pack(unpack(dst, w, h), w, h), `${name} ${w}x${h}: padding bits`);
      }
    }
  }
});

Deno.test("erode3() and erodeCross() differ at an inside corner; dilate3() and dilateCross() at the corners", () => {
  // an L: the cross keeps the inside corner's pixel that the square erodes away
  const w = 8, h = 8;
  const L = new Uint8Array(w * h);
  for (let y = 1; y < 7; y++) for (let x = 1; x < 4; x++) L[y * w + x] = 1;
  for (let y = 4; y < 7; y++) for (let x = 1; x < 7; x++) L[y * w + x] = 1;
  const g = bitGeometry(w, h);
  const run = (op: MorphologyOp, px: Uint8Array) => {
    const dst = new Int32Array(g.wpr * h);
    op(pack(px, w, h), dst, new Int32Array(dst.length), g);
    return unpack(dst, w, h);
  };
  assert.equal(run(erode3, L)[4 * w + 3], 0, "erode3 removes the inside corner");
  assert.equal(run(erodeCross, L)[4 * w + 3], 1, "erodeCross keeps the inside corner");
  const dot = new Uint8Array(w * h);
  dot[3 * w + 3] = 1;
  assert.equal(run(dilate3, dot).reduce((a, b) => a + b, 0), 9);
  assert.equal(run(dilateCross, dot).reduce((a, b) => a + b, 0), 5);
});
