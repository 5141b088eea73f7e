import type { Box } from "../protocol.ts";

/** Pixels to classify: RGBA, row-major (what imagescript and canvases hold). */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** One object a model found: its class name, its score (0..1), its box in the image's pixels. */
export interface ModelObject {
  label: string;
  score: number;
  box: Box;
}

/**
 * The one seam between Vigil and an object detection model: another model replaces NanoDet by
 * implementing this. `detect` looks at the square `region` of `image` (which may reach past the
 * image's edges: that part is padding) and returns the objects scoring at least `minScore`, with
 * boxes in the image's pixels, after non-maximum suppression.
 */
export interface ObjectModel {
  /** For logs and the README: e.g. "nanodet-416". */
  readonly name: string;
  /** The model's square input side; regions smaller than this are not worth cropping. */
  readonly inputSize: number;
  detect(image: RgbaImage, region: Box, minScore: number): Promise<ModelObject[]>;
  dispose(): void;
}

/** A model file that is missing, unreadable or corrupt. The message is one line. */
export class ModelError extends Error {
  override name = "ModelError";
}

/** Intersection over union of two `[x, y, w, h]` boxes. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]), y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]), y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression per label: best first, drops boxes overlapping a kept one. */
export function nms<T extends ModelObject>(objects: T[], threshold = 0.45): T[] {
  const sorted = [...objects].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const o of sorted) {
    if (!kept.some((k) => k.label === o.label && iou(k.box, o.box) > threshold)) kept.push(o);
  }
  return kept;
}
