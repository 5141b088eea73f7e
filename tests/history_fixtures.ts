/**
 * @module
 * Real frames for the history's tests: JPEGs of the demo scene (the same lavfi graph and JPEG
 * quality as `--source demo`), with the walking object at a chosen place.
 */
import { DEMO_FPS, DEMO_HEIGHT, DEMO_WIDTH, demoGraph } from "../lib/capture/mod.ts";
import type { Store } from "../lib/store/mod.ts";
import { ffmpeg } from "./capture_helpers.ts";

/** The demo scene at `t` seconds (the object crosses between 2 s and 6 s), as the camera's JPEG. */
export function demoFrame(
  t: number,
  width = DEMO_WIDTH,
  height = DEMO_HEIGHT,
): Promise<Uint8Array> {
  return ffmpeg([
    "-f",
    "lavfi",
    "-i",
    demoGraph(width, height, DEMO_FPS),
    "-ss",
    String(t),
    "-frames:v",
    "1",
    "-q:v",
    "5", // the capture's default jpegQuality
    "-f",
    "mjpeg",
    "pipe:1",
  ]);
}

/** Where the demo's walking object is at `t` seconds, as a motion box in a 640×480 frame. */
export function demoBox(t: number): [number, number, number, number] {
  const w = 51, h = 144; // 8 % × 30 % of the frame
  return [Math.round(-w + (640 + w) * (t - 2) / 4), 221, w, h];
}

/**
 * Stores one closed event with a frame per JPEG, 200 ms apart, the object's box moving right;
 * frame `best` gets the highest score; `times` (demo seconds of each JPEG) places the boxes on the
 * object.
 */
export async function storeDemoEvent(
  store: Store,
  camera: string,
  start: number,
  jpegs: Uint8Array[],
  best = Math.floor(jpegs.length / 2),
  times?: number[],
): Promise<number> {
  const id = store.startEvent(camera, start);
  jpegs.forEach((jpeg, i) => {
    const score = i === best ? 4.2 : 1 + i / 10;
    const box = times ? demoBox(times[i]) : [60 + i * 120, 200, 52, 144] as const;
    store.addFrame(id, camera, start + i * 200, jpeg, [[...box]], score);
  });
  store.endEvent(id, start + (jpegs.length - 1) * 200);
  await store.flush();
  return id;
}
