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

/** 3×3 square erosion. */
export function erode3(src: Int32Array, dst: Int32Array, tmp: Int32Array, g: BitGeometry): void {
  horizontal(src, tmp, g, true);
  vertical(tmp, tmp, dst, g, true);
}

/** 3×3 square dilation. */
export function dilate3(src: Int32Array, dst: Int32Array, tmp: Int32Array, g: BitGeometry): void {
  horizontal(src, tmp, g, false);
  vertical(tmp, tmp, dst, g, false);
}

/** Cross-shaped (4-neighbour) erosion. */
export function erodeCross(
  src: Int32Array,
  dst: Int32Array,
  tmp: Int32Array,
  g: BitGeometry,
): void {
  horizontal(src, tmp, g, true);
  vertical(tmp, src, dst, g, true);
}

/** Cross-shaped (4-neighbour) dilation. */
export function dilateCross(
  src: Int32Array,
  dst: Int32Array,
  tmp: Int32Array,
  g: BitGeometry,
): void {
  horizontal(src, tmp, g, false);
  vertical(tmp, src, dst, g, false);
}
