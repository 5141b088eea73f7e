import type { Box } from "../protocol.ts";

/**
 * Square regions of a frame to classify, around its motion boxes, in the way of Frigate's
 * regions: boxes close together share one region, a region is at least `minSize` (the model's
 * input size, so small objects are not scaled up into blur) and 1.2× the motion it holds, kept
 * inside the frame where the frame is large enough (else centred, and padded when cropped).
 * Largest first; at most `max` regions.
 */
export function motionRegions(
  boxes: readonly Box[],
  frameWidth: number,
  frameHeight: number,
  minSize: number,
  max = 4,
): Box[] {
  if (boxes.length === 0 || frameWidth <= 0 || frameHeight <= 0) return [];
  const largest = Math.max(frameWidth, frameHeight);
  const groups: [number, number, number, number][] = []; // x1, y1, x2, y2
  const sorted = [...boxes].sort((a, b) => b[2] * b[3] - a[2] * a[3]);
  for (const [x, y, w, h] of sorted) {
    let merged = false;
    for (const g of groups) {
      const x1 = Math.min(g[0], x), y1 = Math.min(g[1], y);
      const x2 = Math.max(g[2], x + w), y2 = Math.max(g[3], y + h);
      // Joined when the group still fits one region of the smallest size (or the two overlap).
      const overlap = x < g[2] && x + w > g[0] && y < g[3] && y + h > g[1];
      if (overlap || Math.max(x2 - x1, y2 - y1) * 1.2 <= minSize) {
        g[0] = x1, g[1] = y1, g[2] = x2, g[3] = y2;
        merged = true;
        break;
      }
    }
    if (!merged) groups.push([x, y, x + w, y + h]);
  }
  const out: Box[] = [];
  for (const [x1, y1, x2, y2] of groups) {
    const side = Math.round(Math.min(largest, Math.max(minSize, 1.2 * Math.max(x2 - x1, y2 - y1))));
    const place = (center: number, size: number) =>
      side <= size
        ? Math.round(Math.min(Math.max(center - side / 2, 0), size - side))
        : Math.round((size - side) / 2);
    out.push([place((x1 + x2) / 2, frameWidth), place((y1 + y2) / 2, frameHeight), side, side]);
  }
  out.sort((a, b) => b[2] - a[2]);
  return out.slice(0, max);
}
