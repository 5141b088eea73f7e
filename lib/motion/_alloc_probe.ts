/**
 * Run by detector_test.ts with `--v8-flags=--trace-gc`: processes frames (with masks, zones,
 * light changes and motion) between two markers; any garbage collection printed between them
 * means process() allocated.
 */
import { MotionDetector } from "./detector.ts";
import { parseDetectorSettings } from "./settings.ts";
import { Scene } from "./_scene.ts";

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
for (let r = 0; r < 10; r++) for (const f of frames) det.process(f);
console.log("--- start");
let motion = 0;
for (let r = 0; r < 100; r++) for (const f of frames) motion += det.process(f).motion ? 1 : 0;
console.log("--- end", motion);
