/**
 * Run by detector_test.ts with `--v8-flags=--trace-gc,--expose-gc,…`: processes 5000 frames
 * (with masks, zones, light changes and motion) between two forced collections; any other
 * collection V8 prints between those two means process() allocated.
 *
 * The markers are the forced collections themselves, not console lines: V8 writes its trace
 * through a buffered stdout, so a console line can land before trace lines printed earlier.
 * The first one also empties the young generation, so a scavenge in the window can only come
 * from what the window allocated. The frame count goes to stderr, apart from the trace.
 */
import { MotionDetector } from "./detector.ts";
import { parseDetectorSettings } from "./settings.ts";
import { Scene } from "./_scene.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");

const W = 320, H = 240;
const settings = parseDetectorSettings({
  zones: [{ name: "left", polygon: [[0, 0], [320, 0], [320, 480], [0, 480]] }],
  masks: [[[600, 0], [640, 0], [640, 40]]],
});
const det = new MotionDetector({
  width: W,
  height: H,
  sourceWidth: 640,
  sourceHeight: 480,
  settings,
  kernel: (Deno.args[0] ?? "auto") as "auto" | "wasm" | "js",
});
const scene = new Scene(W, H, 3);
const frames = Array.from(
  { length: 50 },
  (_, i) =>
    scene.render({
      noise: 3,
      gain: 1 + 0.01 * i,
      objects: [{ x: 5 * i, y: 50, w: 20, h: 40, value: 220 }],
    }),
);

/** `rounds` passes over the frames; the frames with motion (a function, not module code:
 * the module's top level is not optimised like one and would allocate itself). */
function run(rounds: number): number {
  let motion = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < frames.length; i++) motion += det.process(frames[i]).motion ? 1 : 0;
  }
  return motion;
}

run(10);
gc();
const motion = run(100);
gc();
console.error(`frames with motion: ${motion}`);
