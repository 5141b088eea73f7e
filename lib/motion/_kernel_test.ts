import assert from "node:assert/strict";
import { MotionDetector } from "./detector.ts";
import { DEFAULT_DETECTOR_SETTINGS, parseDetectorSettings } from "./settings.ts";
import type { DetectorSettings } from "./settings.ts";
import { Scene } from "./_scene.ts";
import type { FrameSpec } from "./_scene.ts";
import { buildKernel, kernelModuleText } from "./_kernel_source.ts";
import { kernelModule } from "./_kernel.ts";

Deno.test("the embedded kernel is what `deno task wasm` builds from _kernel_source.ts", async () => {
  const embedded = await Deno.readTextFile(new URL("./_kernel_wasm.ts", import.meta.url));
  assert.equal(
    embedded,
    kernelModuleText(buildKernel()),
    "lib/motion/_kernel_wasm.ts is stale: run `deno task wasm`",
  );
  assert.ok(kernelModule() !== null, "this Deno runs the WebAssembly SIMD kernel");
});

/**
 * A scene that goes through everything the per-pixel passes do: warm-up with an object in
 * view (a ghost), people walking, one stopping (absorbed), noise, exposure drift and steps
 * (the background re-mapped), a lightswitch, a saturated phase (means out of 0..255) and a lamp (a lightswitch).
 */
function spec(i: number, w: number, h: number): FrameSpec {
  const objects = [];
  if (i < 30) objects.push({ x: w * 0.6, y: h * 0.2, w: w * 0.1, h: h * 0.3, value: 230 });
  objects.push({ x: (i * 3.3) % w, y: h * 0.5, w: w * 0.08, h: h * 0.3, value: 20 });
  objects.push({ x: Math.min(w * 0.4, i * 1.7), y: h * 0.1, w: 6, h: 12, value: 200 });
  let gain = 1, offset = 0;
  if (i >= 60 && i < 90) gain = 1 + 0.01 * (i - 60); // drift
  if (i >= 90 && i < 120) offset = 25; // a step
  if (i >= 120 && i < 140) gain = 3; // saturated
  return { objects, gain, offset, noise: i % 50 < 25 ? 2 : 6 };
}

function compare(w: number, h: number, settings: DetectorSettings, frames: number): void {
  const opts = { width: w, height: h, sourceWidth: w * 2, sourceHeight: h * 2, settings };
  const js = new MotionDetector({ ...opts, kernel: "js" });
  const wasm = new MotionDetector({ ...opts, kernel: "wasm" });
  const scene = new Scene(w, h, w + h);
  const buf = new Uint8Array(w * h);
  let moving = 0, lightswitches = 0;
  for (let i = 0; i < frames; i++) {
    scene.render(spec(i, w, h), buf);
    if (i >= 160 && i % 40 >= 20) {
      // a lamp lights the left of the room (a lightswitch)
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w * 0.7; x++) buf[y * w + x] = Math.min(255, buf[y * w + x] + 70);
      }
    }
    const a = JSON.stringify(js.process(buf));
    const b = JSON.stringify(wasm.process(buf));
    const what = `${w}x${h} blur=${settings.blur} frame ${i}`;
    assert.equal(b, a, `${what}: result`);
    assert.deepEqual(wasm.mask, js.mask, `${what}: mask`);
    assert.equal(wasm.noise, js.noise, `${what}: noise`);
    assert.equal(wasm.lightswitch, js.lightswitch, `${what}: lightswitch`);
    if (js.lightswitch) lightswitches++;
    for (const v of js.mask) if (v) moving++;
  }
  assert.ok(moving > 0, "the scene has motion");
  assert.ok(frames < 180 || lightswitches > 0, `${w}x${h}: the scene has a lightswitch`);
}

Deno.test("MotionDetector gives the same masks and results with the WebAssembly kernel as in JavaScript", () => {
  compare(320, 240, DEFAULT_DETECTOR_SETTINGS, 200);
  // a partial last mask word (100 = 3×32 + 4), and at least 16 pixels
  compare(100, 60, DEFAULT_DETECTOR_SETTINGS, 200);
  compare(16, 12, DEFAULT_DETECTOR_SETTINGS, 60);
  for (const blur of [0, 2, 3]) {
    compare(
      96,
      64,
      parseDetectorSettings({ blur, absorbFrames: 20, noiseFactor: 2, despeckle: "" }),
      200,
    );
  }
  compare(
    128,
    96,
    parseDetectorSettings({
      masks: [[[0, 0], [60, 0], [60, 40]]],
      zones: [{ name: "z", polygon: [[100, 100], [250, 100], [250, 190]] }],
      normalize: false,
    }),
    200,
  );
});

Deno.test("MotionDetector runs widths the kernel does not take in JavaScript", () => {
  const settings = DEFAULT_DETECTOR_SETTINGS;
  for (const width of [322, 12]) {
    const opts = { width, height: 20, sourceWidth: width, sourceHeight: 20, settings };
    assert.throws(() => new MotionDetector({ ...opts, kernel: "wasm" }), RangeError);
    const auto = new MotionDetector(opts);
    const js = new MotionDetector({ ...opts, kernel: "js" });
    const frame = new Uint8Array(width * 20).fill(80);
    for (let i = 0; i < 5; i++) {
      frame.fill(200, 0, i * 20);
      assert.deepEqual(auto.process(frame), js.process(frame));
    }
  }
});
