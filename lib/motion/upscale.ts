/**
 * Scales a detection-size mask (0/255) up to `dw`×`dh` by nearest neighbour into `dst`.
 * `xmap` (length dw) is scratch that may be reused between calls of the same size.
 */
export function upscaleMask(
  src: Uint8Array,
  sw: number,
  sh: number,
  dst: Uint8Array,
  dw: number,
  dh: number,
  xmap: Int32Array = new Int32Array(dw),
): Uint8Array {
  for (let x = 0; x < dw; x++) xmap[x] = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw));
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    const srow = sy * sw, drow = y * dw;
    for (let x = 0; x < dw; x++) dst[drow + x] = src[srow + xmap[x]];
  }
  return dst;
}
