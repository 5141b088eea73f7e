import assert from "node:assert/strict";
import { MotionDetector } from "./detector.ts";
import type { Box, FrameResult } from "./detector.ts";
import { DEFAULT_DETECTOR_SETTINGS, detectionSize, parseDetectorSettings } from "./settings.ts";
import type { DetectorSettings } from "./settings.ts";
import { Scene } from "./_scene.ts";
import type { FrameSpec, SceneObject } from "./_scene.ts";

const W = 320, H = 240;

function detector(settings: DetectorSettings = DEFAULT_DETECTOR_SETTINGS, source = { w: W, h: H }) {
  const size = detectionSize(settings, source.w, source.h);
  return new MotionDetector({
    width: size.width,
    height: size.height,
    sourceWidth: source.w,
    sourceHeight: source.h,
    settings,
  });
}

/** Runs `count` frames of `scene` as `spec(i)` and returns a copy of each result. */
function run(
  det: MotionDetector,
  scene: Scene,
  count: number,
  spec: (i: number) => FrameSpec,
): FrameResult[] {
  const out: FrameResult[] = [];
  const buf = new Uint8Array(scene.width * scene.height);
  for (let i = 0; i < count; i++) {
    const r = det.process(scene.render(spec(i), buf));
    out.push({
      motion: r.motion,
      score: r.score,
      boxes: r.boxes.map((b) => [...b] as Box),
      zones: [...r.zones],
    });
  }
  return out;
}

function union(boxes: Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b[0])), y0 = Math.min(...boxes.map((b) => b[1]));
  const x1 = Math.max(...boxes.map((b) => b[0] + b[2])),
    y1 = Math.max(...boxes.map((b) => b[1] + b[3]));
  return [x0, y0, x1 - x0, y1 - y0];
}

function assertBoxNear(actual: Box, expected: Box, tol: number, what: string) {
  const [ax, ay, aw, ah] = actual, [ex, ey, ew, eh] = expected;
  const edges = [ax - ex, ay - ey, ax + aw - (ex + ew), ay + ah - (ey + eh)];
  assert.ok(
    edges.every((d) => Math.abs(d) <= tol),
    `${what}: box ${JSON.stringify(actual)} differs from truth ${
      JSON.stringify(expected)
    } by more than ${tol} px`,
  );
}

const still = (noise = 2): (i: number) => FrameSpec => () => ({ noise });

Deno.test("MotionDetector.process() finds a moving square's box within 2 px", () => {
  const scene = new Scene(W, H, 1);
  const det = detector();
  run(det, scene, 30, still());
  const sq = (i: number): SceneObject => ({ x: 40 + 4 * i, y: 100, w: 24, h: 24, value: 250 });
  const results = run(det, scene, 40, (i) => ({ noise: 2, objects: [sq(i)] }));
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    assert.ok(r.motion, `frame ${i}: no motion`);
    assert.equal(r.boxes.length, 1, `frame ${i}: boxes ${JSON.stringify(r.boxes)}`);
    const s = sq(i);
    assertBoxNear(r.boxes[0], [s.x, s.y, s.w, s.h], 2, `frame ${i}`);
    assert.ok(
      r.score > 0.5 && r.score < 1.5,
      `frame ${i}: score ${r.score} for a 576 px square in 76800 px`,
    );
  }
});

Deno.test("MotionDetector.process() reports boxes in camera pixels when detecting at a smaller size", () => {
  // camera 640x480, detection 320x240: the truth in camera pixels is twice the scene's
  const scene = new Scene(W, H, 3);
  const det = detector(DEFAULT_DETECTOR_SETTINGS, { w: 640, h: 480 });
  assert.equal(det.width, 320);
  assert.equal(det.height, 240);
  run(det, scene, 30, still());
  const results = run(
    det,
    scene,
    20,
    (i) => ({ noise: 2, objects: [{ x: 200 - 3 * i, y: 60, w: 30, h: 20, value: 10 }] }),
  );
  for (let i = 2; i < results.length; i++) {
    assert.equal(results[i].boxes.length, 1, `frame ${i}: ${JSON.stringify(results[i].boxes)}`);
    assertBoxNear(results[i].boxes[0], [2 * (200 - 3 * i), 120, 60, 40], 4, `frame ${i}`);
  }
});

Deno.test("MotionDetector.process() gives no motion for a whole-frame brightness step", () => {
  for (const [gain, offset] of [[1, 40], [1, -35], [1.35, 0], [0.6, 10]]) {
    const scene = new Scene(W, H, 5);
    const det = detector();
    run(det, scene, 40, still());
    const after = run(det, scene, 40, () => ({ noise: 2, gain, offset }));
    const moving = after.findIndex((r) => r.motion);
    assert.equal(
      moving,
      -1,
      `gain ${gain} offset ${offset}: motion at frame ${moving} ${JSON.stringify(after[moving])}`,
    );
  }
});

Deno.test("MotionDetector.process() still catches motion in the frame where the lights change", () => {
  const scene = new Scene(W, H, 7);
  const det = detector();
  run(det, scene, 40, still());
  const person: SceneObject = { x: 150, y: 60, w: 30, h: 80, value: 20 };
  const r = run(det, scene, 1, () => ({ noise: 2, gain: 1.2, offset: 10, objects: [person] }))[0];
  assert.ok(r.motion, "motion missed during the light change");
  assertBoxNear(union(r.boxes), [150, 60, 30, 80], 2, "person");
});

Deno.test("MotionDetector.process() treats a scene change (IR mode) as a lightswitch and re-learns", () => {
  // IR night mode: same scene, dark, and materials' brightness no longer in the same order
  const scene = new Scene(W, H, 11);
  const night: FrameSpec = { noise: 3, gain: -0.4, offset: 120 };
  const det = detector();
  run(det, scene, 40, still());
  const switched = run(det, scene, 1, () => night)[0];
  assert.equal(det.lightswitch, true);
  assert.equal(switched.motion, false);
  const settle = run(det, scene, 20, () => night);
  assert.equal(
    settle.findIndex((r) => r.motion),
    -1,
    "motion reported while the new scene settles",
  );
  const intruder = run(
    det,
    scene,
    10,
    (i) => ({ ...night, objects: [{ x: 20 + 5 * i, y: 100, w: 20, h: 50, value: 250 }] }),
  );
  assert.ok(intruder.every((r) => r.motion), "motion missed after the re-learn");
});

Deno.test("MotionDetector.process() gives no motion for slow exposure drift", () => {
  const scene = new Scene(W, H, 13);
  const det = detector();
  run(det, scene, 30, still());
  const drift = run(
    det,
    scene,
    200,
    (i) => ({ noise: 2, gain: 1 + 0.5 * Math.sin(i / 40) ** 2, offset: -5 * Math.sin(i / 25) }),
  );
  const moving = drift.findIndex((r) => r.motion);
  assert.equal(moving, -1, `motion at drift frame ${moving}`);
});

Deno.test("MotionDetector.process() gives no motion for sensor noise, and estimates its level", () => {
  for (const sigma of [1, 4, 8, 12]) {
    const scene = new Scene(W, H, 17);
    const det = detector();
    const results = run(det, scene, 150, still(sigma));
    const moving = results.findIndex((r) => r.motion);
    assert.equal(
      moving,
      -1,
      `noise sigma ${sigma}: motion at frame ${moving}: ${JSON.stringify(results[moving])}`,
    );
    assert.ok(det.noise > 0, `noise sigma ${sigma}: no noise estimate`);
  }
});

Deno.test("MotionDetector.process() catches a small slow mover in noise", () => {
  const scene = new Scene(W, H, 19);
  const det = detector();
  run(det, scene, 40, still(3));
  const obj = (i: number): SceneObject => ({ x: 100 + 0.25 * i, y: 150, w: 8, h: 8, value: 240 });
  const results = run(det, scene, 120, (i) => ({ noise: 3, objects: [obj(i)] }));
  const hits = results.filter((r, i) => {
    const o = obj(i);
    return r.motion && r.boxes.some((b) => Math.abs(b[0] - o.x) <= 3 && Math.abs(b[1] - o.y) <= 3);
  }).length;
  assert.ok(
    hits >= 0.95 * results.length,
    `slow mover found in ${hits} of ${results.length} frames`,
  );
});

Deno.test("MotionDetector.process() catches a dim person in a dark, noisy indoor scene", () => {
  const scene = new Scene(W, H, 23, { dark: true });
  const det = detector();
  const quiet = run(det, scene, 60, still(4));
  assert.equal(quiet.slice(5).findIndex((r) => r.motion), -1, "false motion in the dark scene");
  const person = (i: number): SceneObject => ({ x: 300 - 4 * i, y: 80, w: 24, h: 70, value: 60 });
  const results = run(det, scene, 40, (i) => ({ noise: 4, objects: [person(i)] }));
  for (let i = 3; i < 40; i++) {
    const p = person(i);
    assert.ok(results[i].motion, `frame ${i}: person missed`);
    assertBoxNear(
      union(results[i].boxes),
      [p.x, p.y, Math.min(p.w, W - p.x), p.h],
      3,
      `frame ${i}`,
    );
  }
});

Deno.test("MotionDetector.process() ignores motion inside a mask polygon", () => {
  const settings = parseDetectorSettings({ masks: [[[0, 0], [160, 0], [160, 240], [0, 240]]] });
  const scene = new Scene(W, H, 29);
  const det = detector(settings);
  run(det, scene, 30, still());
  const masked = run(
    det,
    scene,
    20,
    (i) => ({ noise: 2, objects: [{ x: 20 + 3 * i, y: 50, w: 30, h: 30, value: 250 }] }),
  );
  assert.equal(masked.findIndex((r) => r.motion), -1, "motion reported inside the mask");
  assert.ok(
    det.mask.every((v, i) => v === 0 || i % W >= 160),
    "mask has pixels inside the masked area",
  );
  const outside = run(
    det,
    scene,
    5,
    (i) => ({ noise: 2, objects: [{ x: 200 + 3 * i, y: 50, w: 30, h: 30, value: 250 }] }),
  );
  assert.ok(outside.every((r) => r.motion), "motion outside the mask missed");
});

Deno.test("MotionDetector.process() reports the zones motion touched", () => {
  const settings = parseDetectorSettings({
    zones: [
      { name: "door", polygon: [[0, 0], [100, 0], [100, 240], [0, 240]] },
      { name: "window", polygon: [[220, 0], [320, 0], [320, 240], [220, 240]] },
    ],
  });
  const scene = new Scene(W, H, 31);
  const det = detector(settings);
  run(det, scene, 30, still());
  const obj = (x: number): FrameSpec => ({
    noise: 2,
    objects: [{ x, y: 100, w: 20, h: 20, value: 250 }],
  });
  assert.deepEqual(run(det, scene, 1, () => obj(30))[0].zones, ["door"]);
  assert.deepEqual(run(det, scene, 1, () => obj(150))[0].zones, []);
  assert.deepEqual(run(det, scene, 1, () => obj(210))[0].zones, ["window"]);
  const both = run(
    det,
    scene,
    1,
    () => ({ noise: 2, objects: [...obj(30).objects!, ...obj(260).objects!] }),
  )[0];
  assert.deepEqual(both.zones, ["door", "window"]);
});

Deno.test("MotionDetector.process() drops blobs under minArea and boxes over maxArea", () => {
  const cases: [Record<string, number>, number, string][] = [
    [{ minArea: 0.5 }, 12, "a 144 px blob passed minArea 0.5% (384 px)"],
    [{ maxArea: 1 }, 60, "a 3600 px box passed maxArea 1% (768 px)"],
  ];
  for (const [raw, size, what] of cases) {
    // the same object is motion with the default settings: the limit is what drops it
    for (const settings of [DEFAULT_DETECTOR_SETTINGS, parseDetectorSettings(raw)]) {
      const scene = new Scene(W, H, 37);
      const det = detector(settings);
      run(det, scene, 30, still());
      const r = run(
        det,
        scene,
        3,
        (i) => ({ noise: 2, objects: [{ x: 50 + 3 * i, y: 50, w: size, h: size, value: 250 }] }),
      );
      if (settings === DEFAULT_DETECTOR_SETTINGS) {
        assert.ok(r.every((x) => x.motion), `${size}x${size} px: no motion with the defaults`);
      } else assert.ok(r.every((x) => !x.motion), what);
    }
  }
});

Deno.test("MotionDetector.process() merges nearby boxes and keeps far ones apart", () => {
  const scene = new Scene(W, H, 41);
  const det = detector();
  run(det, scene, 30, still());
  const r = run(det, scene, 1, () => ({
    noise: 2,
    objects: [
      { x: 40, y: 40, w: 20, h: 20, value: 250 },
      { x: 62, y: 40, w: 20, h: 20, value: 250 }, // 2 px apart: merged
      { x: 200, y: 150, w: 20, h: 20, value: 250 },
    ],
  }))[0];
  assert.equal(r.boxes.length, 2, JSON.stringify(r.boxes));
  assertBoxNear(r.boxes[0], [40, 40, 42, 20], 2, "merged");
  assertBoxNear(r.boxes[1], [200, 150, 20, 20], 2, "apart");
});

Deno.test("MotionDetector.process() is deterministic and reuses its result object", () => {
  const scene = new Scene(W, H, 43);
  const a = detector(), b = detector();
  const buf = new Uint8Array(W * H);
  let first: FrameResult | null = null;
  for (let i = 0; i < 60; i++) {
    const f = scene.render({
      noise: 5,
      objects: i > 20 ? [{ x: i * 3, y: 90, w: 15, h: 40, value: 200 }] : [],
    }, buf);
    const ra = a.process(f), rb = b.process(f);
    first ??= ra;
    assert.equal(ra, first);
    assert.deepEqual(ra, rb);
    assert.deepEqual(a.mask, b.mask);
  }
});

Deno.test("MotionDetector.process() rejects a frame of the wrong size", () => {
  const det = detector();
  assert.throws(() => det.process(new Uint8Array(100)), RangeError);
});

Deno.test("MotionDetector.process() takes an uneven light change (a lamp on one side) as a lightswitch, not motion", () => {
  const scene = new Scene(W, H, 47);
  const det = detector();
  run(det, scene, 60, still());
  const buf = new Uint8Array(W * H);
  const seen: string[] = [];
  for (let i = 0; i < 30; i++) {
    const f = scene.render({ noise: 2 }, buf);
    for (let k = 0; k < f.length; k++) {
      f[k] = Math.min(255, Math.round(f[k] * (1 + (0.8 * (k % W)) / W)));
    }
    const r = det.process(f);
    seen.push(det.lightswitch ? "L" : r.motion ? "M" : ".");
  }
  assert.equal(seen.join(""), "L" + ".".repeat(29));
});

Deno.test("MotionDetector.process() keeps a big object walking up to the camera as motion, not a lightswitch", () => {
  const scene = new Scene(W, H, 53);
  const det = detector();
  run(det, scene, 60, still());
  const buf = new Uint8Array(W * H);
  for (let i = 0; i < 30; i++) {
    // grows to 140x210 (38% of the frame) over 12 frames, then stays in view moving slowly
    const r = det.process(
      scene.render({
        noise: 2,
        objects: [{ x: -150 + 12 * Math.min(i, 15) + i, y: 30, w: 140, h: 210, value: 30 }],
      }, buf),
    );
    assert.equal(det.lightswitch, false, `frame ${i}: taken as a lightswitch`);
    if (i > 0) assert.ok(r.motion, `frame ${i}: no motion`);
  }
});

/**
 * The trace of one _alloc_probe.ts run: `flags` are V8's. Compilation runs on the main thread
 * (--no-concurrent-*), so which tier runs the measured frames depends on how often the code
 * ran, not on how busy the machine is.
 */
async function allocProbe(kernel: string, flags: string[]) {
  const probe = new URL("./_alloc_probe.ts", import.meta.url).pathname;
  const v8 = ["--trace-gc", "--expose-gc", "--no-concurrent-recompilation", "--no-concurrent-osr"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", `--v8-flags=${[...v8, ...flags].join(",")}`, probe, kernel],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const trace = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const what = `kernel ${kernel} ${flags.join(" ")}`;
  assert.equal(out.code, 0, stderr);
  assert.ok(
    Number(stderr.match(/frames with motion: (\d+)/)?.[1]) > 1000,
    `${what}: the probe saw too little motion to be meaningful: ${stderr}`,
  );
  // the probe's two forced collections ("testing") bound the measured frames
  const lines = trace.split("\n").filter((l) => /Scavenge|Mark-Compact|Mark-sweep/.test(l));
  const marks = lines.flatMap((l, i) => l.includes("testing") ? [i] : []);
  assert.equal(marks.length, 2, `${what}: two forced collections in the trace:\n${trace}`);
  const between = lines.slice(marks[0] + 1, marks[1]);
  assert.deepEqual(between, [], `${what}: garbage collected while processing`);
}

Deno.test("MotionDetector.process() allocates nothing per frame (no garbage collection in 5000 frames)", async () => {
  // every tier process() runs in once warm: the default (Maglev, then Turbofan), and Maglev
  // as the top tier (where a once-a-frame method like #compensate stays for a long time, and
  // where a double passed to a call, stored in a private field or mixed with an integer in a
  // conditional is boxed on the heap); the WebAssembly kernel and the JavaScript passes
  for (const kernel of ["wasm", "js"]) {
    await allocProbe(kernel, []);
    await allocProbe(kernel, ["--max-opt=2"]);
  }
});

Deno.test("MotionDetector.process() clears the ghost of an object that was in view at start and left", () => {
  const scene = new Scene(W, H, 59);
  const det = detector();
  const car: SceneObject = { x: 100, y: 100, w: 50, h: 30, value: 250 };
  run(det, scene, 40, () => ({ noise: 2, objects: [car] }));
  // the car drives off (out of view from frame 15): its old place shows the road, unlike the
  // learnt background. 150 frames: past absorbFrames (100), where a ghost that does not erode
  // from its edges would be learnt at last.
  const x = (i: number) => car.x + 40 + 12 * i;
  const after = run(det, scene, 150, (i) => ({ noise: 2, objects: [{ ...car, x: x(i) }] }));
  const ghost = (r: FrameResult) =>
    r.boxes.some((b) => b[0] < 150 && b[0] + b[2] > 100 && b[1] < 130 && b[1] + b[3] > 100);
  // the scene is what the test means: a ghost at first (frame 2: the car is 14 px clear of
  // its old place, farther than mergeDistance)
  assert.ok(x(2) > 160 && ghost(after[2]), "no ghost right after the car left");
  // it erodes from its edges (a pixel layer every few frames): gone within 70 frames, and it
  // does not come back; absorbing it whole would take absorbFrames and more
  const lastGhost = after.findLastIndex(ghost);
  assert.ok(lastGhost < 70, `ghost at the car's old place until frame ${lastGhost} after it left`);
  assert.equal(after.length - 70, 80);
  assert.ok(after.slice(70).every((r) => !r.motion), "motion after the ghost cleared");
});

Deno.test("MotionDetector.process() reports an object that stopped, then learns it after absorbFrames", () => {
  const scene = new Scene(W, H, 61);
  const settings = parseDetectorSettings({ absorbFrames: 60 });
  const det = detector(settings);
  run(det, scene, 40, still());
  const obj = (i: number): SceneObject => ({
    x: 20 + 5 * Math.min(i, 20),
    y: 150,
    w: 30,
    h: 30,
    value: 250,
  });
  const results = run(det, scene, 200, (i) => ({ noise: 2, objects: [obj(i)] }));
  assert.ok(
    results.slice(1, 70).every((r) => r.motion),
    "the stopped object was dropped before absorbFrames",
  );
  assert.ok(results.slice(130).every((r) => !r.motion), "the stopped object was never learnt");
});

/** One pass of the 3×3 binomial (1-2-1) blur with edges replicated, pixel by pixel, rounded. */
function referenceBlur(src: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const at = (x: number, y: number) =>
    src[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  const k = [1, 2, 1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) sum += k[dx + 1] * k[dy + 1] * at(x + dx, y + dy);
      }
      out[y * w + x] = Math.floor((sum + 8) / 16);
    }
  }
  return out;
}

Deno.test("MotionDetector.process() blurs exactly like a reference blur, word-wise and byte-wise (any width)", () => {
  // A detector with blur N on raw frames must see what one with blur 0 sees on frames blurred
  // N times by the reference: the same masks, results and noise level, frame after frame.
  // Widths: 256 takes the word-wise blur (4 pixels a word); 250 and 7 are no multiple of 4
  // and take the byte-wise fallback.
  for (const [w, h] of [[256, 60], [250, 60], [7, 40]]) {
    for (const blur of [1, 2]) {
      const scene = new Scene(w, h, 67);
      const make = (b: number) =>
        new MotionDetector({
          width: w,
          height: h,
          sourceWidth: w,
          sourceHeight: h,
          settings: parseDetectorSettings({ blur: b, minArea: 0 }),
        });
      const tested = make(blur), reference = make(0);
      let moving = 0;
      for (let i = 0; i < 40; i++) {
        const objects = i < 10 ? [] : [{ x: (3 * i) % w, y: h / 3, w: 9, h: 9, value: 230 }];
        const raw = scene.render({ noise: 6, objects });
        let pre = raw;
        for (let p = 0; p < blur; p++) pre = referenceBlur(pre, w, h);
        const a = tested.process(raw), b = reference.process(pre);
        const what = `${w}x${h} blur ${blur} frame ${i}`;
        assert.deepEqual(tested.mask, reference.mask, `${what}: mask`);
        assert.deepEqual(a, b, `${what}: result`);
        assert.equal(tested.noise, reference.noise, `${what}: noise level`);
        if (a.motion) moving++;
      }
      assert.ok(moving > 10, `${w}x${h} blur ${blur}: motion in ${moving} frames`);
    }
  }
});

Deno.test("MotionDetector.process() despeckles with E (3×3 erode), e (cross erode), D (3×3 dilate), d (cross dilate), in order", () => {
  // Without noise or blur the motion mask before despeckle is exactly the objects' pixels;
  // after it, the reference morphology of them. Objects: an L (its inside corner tells E
  // from e), a bar one pixel high (eroded away), a square at the right and bottom edges
  // (outside the frame counts as motion for erosion, as still for dilation) and a dot
  // (its corners tell D from d). Width 250: rows end inside a 32-bit word.
  const w = 250, h = 120;
  const objects: SceneObject[] = [
    { x: 20, y: 20, w: 10, h: 30, value: 250 },
    { x: 20, y: 40, w: 30, h: 10, value: 250 },
    { x: 80, y: 30, w: 40, h: 1, value: 250 },
    { x: 230, y: 100, w: 20, h: 20, value: 250 },
    { x: 150, y: 70, w: 1, h: 1, value: 250 },
  ];
  const scene = new Scene(w, h, 71);
  const truth = new Uint8Array(w * h);
  for (const o of objects) {
    for (let y = o.y; y < o.y + o.h; y++) truth.fill(1, y * w + o.x, y * w + o.x + o.w);
  }
  const square: [number, number][] = [];
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) square.push([dx, dy]);
  const cross: [number, number][] = [[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]];
  const morph = (px: Uint8Array, letter: string) => {
    const erode = letter === "E" || letter === "e";
    const shape = letter === "E" || letter === "D" ? square : cross;
    return px.map((_, i) => {
      const x = i % w, y = (i - x) / w;
      const set = shape.map(([dx, dy]) => {
        const nx = x + dx, ny = y + dy;
        return nx < 0 || ny < 0 || nx >= w || ny >= h ? erode : px[ny * w + nx] === 1;
      });
      return (erode ? set.every(Boolean) : set.some(Boolean)) ? 1 : 0;
    });
  };
  for (const despeckle of ["", "E", "e", "D", "d", "Ed", "dE", "eDe"]) {
    const det = new MotionDetector({
      width: w,
      height: h,
      sourceWidth: w,
      sourceHeight: h,
      settings: parseDetectorSettings({ blur: 0, minArea: 0, despeckle }),
    });
    for (let i = 0; i < 20; i++) det.process(scene.render({}));
    det.process(scene.render({ objects }));
    const expected = [...despeckle].reduce(morph, truth);
    const got = det.mask.map((v) => (v ? 1 : 0));
    const wrong = got.findIndex((v, i) => v !== expected[i]);
    assert.equal(
      wrong,
      -1,
      `despeckle "${despeckle}": pixel (${wrong % w}, ${Math.floor(wrong / w)}) is ${
        got[wrong]
      }, expected ${expected[wrong]}`,
    );
  }
});
