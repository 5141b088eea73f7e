import type { Polygon } from "./settings.ts";

/**
 * Marks in `out` (width×height, row-major) the pixels whose centres lie inside `polygon`,
 * given in source pixels and scaled by `sx`, `sy` to the detection frame. Sets `value` with
 * a bitwise OR, so several polygons can share one buffer. Even-odd rule.
 */
export function rasterizePolygon(
  polygon: Polygon,
  sx: number,
  sy: number,
  width: number,
  height: number,
  out: Uint8Array | Uint32Array,
  value: number,
): void {
  const n = polygon.length;
  const xs = polygon.map((p) => p[0] * sx);
  const ys = polygon.map((p) => p[1] * sy);
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = ys[i], yj = ys[j];
      if ((yi > cy) !== (yj > cy)) {
        crossings.push(xs[i] + ((cy - yi) / (yj - yi)) * (xs[j] - xs[i]));
      }
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // pixel x is inside when its centre x + 0.5 lies in [a, b)
      const from = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) out[y * width + x] |= value;
    }
  }
}
