// imagescript's WebAssembly JPEG decoder alone: its main module also loads native codecs
// through FFI, which Vigil's permissions (rightly) do not grant.
import jpegWasm from "imagescript/wasm/node/jpeg.js";
import type { Box } from "../protocol.ts";
import { isLabel } from "./labels.ts";
import type { ObjectModel, RgbaImage } from "./model.ts";
import { nms } from "./model.ts";
import { motionRegions } from "./regions.ts";
import { minScoreFor, type ObjectSettings } from "./settings.ts";

/** An object on a frame: one of Vigil's labels, its score (0..1), its box in the frame's pixels. */
export interface DetectedObject {
  label: string;
  score: number;
  box: Box;
}

interface JpegDecoder {
  load(jpeg: Uint8Array): { width: number; height: number; buffer: Uint8Array };
}
let decoder: Promise<JpegDecoder> | null = null;

/**
 * Decodes a JPEG to RGBA pixels with imagescript's WebAssembly decoder (one instance, reused;
 * no process spawned): about 17 ms for 640×480 here. Throws for a broken JPEG.
 */
export async function decodeJpeg(jpeg: Uint8Array): Promise<RgbaImage> {
  decoder ??= (jpegWasm as { init(): Promise<JpegDecoder> }).init();
  const d = await decoder;
  const fb = d.load(jpeg);
  if (!(fb.width > 0 && fb.height > 0) || fb.buffer.length < fb.width * fb.height * 4) {
    throw new TypeError("jpg: no picture in the file");
  }
  return { data: fb.buffer, width: fb.width, height: fb.height };
}

/**
 * Classifies the motion of one frame: the square regions around its motion `boxes` (at most
 * `maxRegions`, largest first) through `model`, keeping Vigil's labels at their `minScore` that
 * overlap the motion. `boxes` are in the frame's pixels, and so are the objects' boxes.
 * The same code serves the server's Worker and `deno task detect --objects`.
 */
export async function classifyFrame(
  model: ObjectModel,
  image: RgbaImage,
  boxes: readonly Box[],
  settings: ObjectSettings,
  maxRegions = 1,
): Promise<{ objects: DetectedObject[]; regions: Box[] }> {
  const regions = motionRegions(boxes, image.width, image.height, model.inputSize, maxRegions);
  const floor = Math.min(...Object.values(settings.minScore), 0.5);
  let found: DetectedObject[] = [];
  for (const region of regions) {
    for (const o of await model.detect(image, region, floor)) {
      if (!isLabel(o.label) || o.score < minScoreFor(settings, o.label)) continue;
      const box = clip(o.box, image.width, image.height);
      if (box[2] < 2 || box[3] < 2 || !boxes.some((m) => overlaps(m, box))) continue;
      found.push({ label: o.label, score: Math.round(o.score * 1000) / 1000, box });
    }
  }
  if (regions.length > 1) found = nms(found);
  found.sort((a, b) => b.score - a.score);
  return { objects: found, regions };
}

function clip([x, y, w, h]: Box, width: number, height: number): Box {
  const x1 = Math.max(0, x), y1 = Math.max(0, y);
  const x2 = Math.min(width, x + w), y2 = Math.min(height, y + h);
  return [x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1)];
}

function overlaps(a: Box, b: Box): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}
