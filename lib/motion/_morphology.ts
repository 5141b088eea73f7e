/**
 * Binary morphology on bit-packed masks: each row is `wpr` 32-bit words, bit j of word k is
 * pixel x = 32k + j. Every function writes `dst` from `src` (`tmp` is scratch); none
 * allocates. Outside the frame counts as set for erosion (objects touching the edge are not
 * eaten) and clear for dilation. Padding bits past the width stay clear.
 */
export interface BitGeometry {
  /** Words per row. */
  wpr: number;
  /** Rows. */
  h: number;
  /** Bits of the last word of a row that are real pixels. */
  lastMask: number;
  /** Bit of the last word standing for the pixel right of the last one (0 when w is a multiple of 32). */
  edgeBit: number;
}

export function bitGeometry(w: number, h: number): BitGeometry {
  const wpr = Math.ceil(w / 32);
  const used = w - (wpr - 1) * 32;
  return {
    wpr,
    h,
    lastMask: used === 32 ? -1 : (1 << used) - 1,
    edgeBit: used === 32 ? 0 : 1 << used,
  };
}

/** Horizontal 3-pixel AND (erode=true) or OR into dst. */
function horizontal(src: Int32Array, dst: Int32Array, g: BitGeometry, erode: boolean): void {
  const { wpr, h, lastMask, edgeBit } = g;
  const outside = erode ? 1 : 0;
  const last = wpr - 1;
  for (let y = 0; y < h; y++) {
    const row = y * wpr;
    for (let k = 0; k < wpr; k++) {
      const i = row + k;
      const c = src[i] | 0;
      const left = (c << 1) | (k > 0 ? src[i - 1] >>> 31 : outside);
      let right = (c >>> 1) | (k < last ? src[i + 1] << 31 : erode && edgeBit === 0 ? 1 << 31 : 0);
      if (k === last && erode) right |= edgeBit >>> 1;
      const v = erode ? c & left & right : c | left | right;
      dst[i] = k === last ? v & lastMask : v;
    }
  }
}

/**
 * Vertical 3-pixel AND (erode=true) or OR into dst: each word of `mid` with the words above
 * and below it in `nb` (`mid` = `nb` for a square, `nb` = the unfiltered mask for a cross).
 */
function vertical(
  mid: Int32Array,
  nb: Int32Array,
  dst: Int32Array,
  g: BitGeometry,
  erode: boolean,
): void {
  const { wpr, h } = g;
  const n = wpr * h;
  const outside = erode ? -1 : 0;
  for (let i = 0; i < n; i++) {
    const up = i >= wpr ? nb[i - wpr] : outside;
    const down = i + wpr < n ? nb[i + wpr] : outside;
    dst[i] = erode ? mid[i] & up & down : mid[i] | up | down;
  }
}

/** A morphology operation: writes `dst` from `src`, with `tmp` as scratch (the same size). */
export type MorphologyOp = (
  src: Int32Array,
  dst: Int32Array,
  tmp: Int32Array,
  g: BitGeometry,
) => void;

/**
 * The horizontal pass into `tmp`, then the vertical one: over `tmp` itself for the 3×3 square,
 * over the pixels above and below in `src` for the cross.
 */
function morphology(cross: boolean, erode: boolean): MorphologyOp {
  return (src, dst, tmp, g) => {
    horizontal(src, tmp, g, erode);
    vertical(tmp, cross ? src : tmp, dst, g, erode);
  };
}

/** 3×3 square erosion. */
export const erode3: MorphologyOp = morphology(false, true);
/** 3×3 square dilation. */
export const dilate3: MorphologyOp = morphology(false, false);
/** Cross-shaped (4-neighbour) erosion. */
export const erodeCross: MorphologyOp = morphology(true, true);
/** Cross-shaped (4-neighbour) dilation. */
export const dilateCross: MorphologyOp = morphology(true, false);
