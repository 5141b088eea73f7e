import assert from "node:assert/strict";
import { Bus } from "../bus/mod.ts";
import type { Box, BusMessage, CameraState } from "../bus/mod.ts";
import type { CameraConfig } from "../config/mod.ts";
import { DEFAULT_DETECTOR_SETTINGS } from "../motion/mod.ts";
import { CameraPipeline } from "./mod.ts";
import type { CaptureLike, PipelineFrame, Recorder } from "./mod.ts";
import type { ObjectsHook } from "./camera_pipeline.ts";

const W = 160, H = 120;

/** A capture the test drives by hand: 160x120 gray frames from a 640x480 "camera". */
class FakeCapture implements CaptureLike {
  onFrame: (frame: PipelineFrame) => void = () => {};
  onState: (state: CameraState, message: string) => void = () => {};
  state: CameraState = "stopped";
  message = "";
  fps = 15;
  sourceWidth = 640;
  sourceHeight = 480;
  detectWidth = W;
  detectHeight = H;
  #seq = 0;
  /** The square's x in each pushed frame, by sequence number (undefined: no square). */
  squareAt: (number | undefined)[] = [];
  start() {
    this.state = "running";
    this.onState("running", "");
  }
  stop() {
    this.state = "stopped";
    return Promise.resolve();
  }
  /** A textured still scene, with a bright square at x when x is given. */
  push(ts: number, x?: number) {
    const gray = new Uint8Array(W * H);
    for (let i = 0; i < gray.length; i++) gray[i] = 60 + ((i * 7919) % 23);
    if (x !== undefined) {
      for (let y = 40; y < 70; y++) gray.fill(230, y * W + x, y * W + x + 30);
    }
    const seq = this.#seq++;
    this.squareAt[seq] = x;
    if (this.onDemand) {
      // like a raw picture: valid only during onFrame (overwritten right after)
      this.#raw[0] = seq;
      this.onFrame({ seq, ts, pts: seq * 66, gray, jpeg: null, raw: this.#raw });
      this.#raw[0] = 255;
      return;
    }
    this.onFrame({ seq, ts, pts: seq * 66, gray, jpeg: this.jpegFor(seq) });
  }
  /** Frames come raw, and JPEGs are made on request, a little later (the encoder's way). */
  onDemand = false;
  #raw = new Uint8Array(1);
  /** Sequence numbers of the frames whose JPEG was asked for. */
  encodedSeqs: number[] = [];
  jpegOf(frame: PipelineFrame): Promise<Uint8Array | null> {
    const seq = frame.raw![0];
    this.encodedSeqs.push(seq);
    return new Promise((r) => setTimeout(() => r(this.jpegFor(seq)), 3));
  }
  /** A minimal whole JPEG carrying `seq` (SOI, a scan header, one data byte, EOI). */
  jpegFor = (seq: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, seq, 0xff, 0xd9]);
}

class FakeRecorder implements Recorder {
  events: { id: number; start: number; end: number | null; frames: number[] }[] = [];
  /** Per recorded frame: the sequence number its JPEG carries, and its boxes. */
  recorded: { seq: number; boxes: Box[] }[] = [];
  startEvent(_camera: string, ts: number) {
    this.events.push({ id: this.events.length + 1, start: ts, end: null, frames: [] });
    return this.events.length;
  }
  addFrame(eventId: number, _c: string, ts: number, jpeg: Uint8Array, boxes: Box[]) {
    assert.ok(boxes.length > 0);
    assert.equal(jpeg[0], 0xff);
    this.recorded.push({ seq: jpeg[6], boxes });
    this.events[eventId - 1].frames.push(ts);
  }
  endEvent(eventId: number, ts: number) {
    this.events[eventId - 1].end = ts;
  }
}

/** A recorder on a full disk: every call throws as node:sqlite does. */
class FullDiskRecorder implements Recorder {
  calls = 0;
  startEvent(): number {
    this.calls++;
    throw new Error("database or disk is full");
  }
  addFrame(): void {
    this.calls++;
    throw new Error("database or disk is full");
  }
  endEvent(): void {
    this.calls++;
    throw new Error("database or disk is full");
  }
}

function setup(
  detector: Partial<CameraConfig["detector"]> = {},
  recorder: Recorder = new FakeRecorder(),
  objects?: ObjectsHook,
) {
  const camera: CameraConfig = {
    id: "cam1",
    name: "Camera",
    source: "demo",
    capture: {},
    detector: { ...DEFAULT_DETECTOR_SETTINGS, minFrames: 3, eventGapMs: 1000, ...detector },
  };
  const bus = new Bus();
  const messages: BusMessage[] = [];
  const sub = bus.subscribe({ maxQueue: 10_000 });
  /** Every frame published (the subscription keeps only the latest frame). */
  const frames: { motion: boolean }[] = [];
  const frameTap = bus.subscribe({
    acceptFrame: (f) => {
      frames.push({ motion: f.motion });
      return false;
    },
  });
  const capture = new FakeCapture();
  const logged: string[] = [];
  const pipeline = new CameraPipeline(camera, {
    bus,
    recorder,
    capture,
    log: (line) => logged.push(line),
    objects,
  });
  const collected = (async () => {
    for await (const msg of sub) messages.push(msg);
  })();
  /** Lets the collector catch up, then stops it. */
  const drain = async () => {
    await new Promise((r) => setTimeout(r, 10));
    sub.close();
    frameTap.close();
    await collected;
  };
  return {
    bus,
    capture,
    recorder: recorder as FakeRecorder,
    pipeline,
    messages,
    frames,
    drain,
    logged,
  };
}

Deno.test("CameraPipeline opens an event after minFrames motion frames and closes it after the gap", async () => {
  const { capture, recorder, pipeline, messages, drain } = setup();
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66); // learn the still scene
  assert.equal(recorder.events.length, 0, "a still scene makes no event");

  for (let i = 0; i < 6; i++) capture.push(ts += 66, 20 + i * 8);
  const lastMotion = ts;
  for (let i = 0; i < 30; i++) capture.push(ts += 66); // 2 s of stillness > the 1 s gap
  await pipeline.stop();
  await drain();

  assert.equal(recorder.events.length, 1);
  const event = recorder.events[0];
  assert.ok(event.frames.length >= 3, `frames recorded: ${event.frames.length}`);
  assert.equal(event.end, lastMotion, "the event ends at its last motion frame");

  const kinds = messages.map((m) => m.type === "event" ? `event:${m.phase}` : m.type);
  assert.ok(kinds.includes("event:start") && kinds.includes("event:end"));
  assert.ok(kinds.indexOf("event:start") < kinds.indexOf("motion"));
  const motion = messages.filter((m) => m.type === "motion");
  assert.equal(motion.length, event.frames.length, "every recorded frame is published");
  for (const m of motion) {
    for (const [x, y, w, h] of m.boxes) {
      assert.ok(x >= 0 && y >= 0 && x + w <= 640 && y + h <= 480, "boxes in camera pixels");
    }
  }
  const info = pipeline.info();
  assert.equal(info.lastMotion, lastMotion);
  assert.equal(info.width, 640);
});

Deno.test("CameraPipeline records each motion frame with the JPEG of the frame it analysed", async () => {
  const { capture, recorder, pipeline } = setup();
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  for (let i = 0; i < 8; i++) capture.push(ts += 66, 10 + i * 12);
  await pipeline.stop();
  assert.ok(recorder.recorded.length >= 5, `frames recorded: ${recorder.recorded.length}`);
  for (const { seq, boxes } of recorder.recorded) {
    // the square is 30 px wide at 160x120, so 120 px at 640x480, its left edge at x·4
    const x = capture.squareAt[seq];
    assert.ok(x !== undefined, `frame ${seq} had no square but was recorded as motion`);
    assert.ok(
      boxes.some(([bx, , bw]) => Math.abs(bx - x * 4) <= 8 && Math.abs(bw - 120) <= 16),
      `frame ${seq}: square at ${x * 4}, boxes ${JSON.stringify(boxes)}`,
    );
  }
});

Deno.test("CameraPipeline on demand: only motion frames (and the first, a snapshot) get a JPEG, each its own", async () => {
  const { capture, recorder, pipeline, frames, drain } = setup();
  capture.onDemand = true;
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  assert.deepEqual(capture.encodedSeqs, [0], "a still scene: the first frame's JPEG only");
  for (let i = 0; i < 8; i++) capture.push(ts += 66, 10 + i * 12);
  for (let i = 0; i < 5; i++) capture.push(ts += 66);
  await pipeline.stop();
  await drain();
  const motionSeqs = capture.squareAt.flatMap((x, seq) => x === undefined ? [] : [seq]);
  for (const seq of capture.encodedSeqs.slice(1)) {
    assert.ok(motionSeqs.includes(seq), `frame ${seq} was encoded without motion`);
  }
  assert.ok(recorder.recorded.length >= 5, `frames recorded: ${recorder.recorded.length}`);
  for (const { seq, boxes } of recorder.recorded) {
    const x = capture.squareAt[seq];
    assert.ok(x !== undefined, `frame ${seq} had no square but was recorded as motion`);
    assert.ok(
      boxes.some(([bx, , bw]) => Math.abs(bx - x * 4) <= 8 && Math.abs(bw - 120) <= 16),
      `frame ${seq}: square at ${x * 4}, boxes ${JSON.stringify(boxes)}`,
    );
  }
  assert.equal(frames.length, capture.encodedSeqs.length, "only frames with a JPEG are published");
  assert.equal(pipeline.info().jpegMode, "on-demand");
});

Deno.test("CameraPipeline on demand: a subscriber wanting every frame gets every frame's JPEG, in order", async () => {
  const { bus, capture, pipeline, drain } = setup();
  capture.onDemand = true;
  const seen: number[] = [];
  const live = bus.subscribe({
    wantsEveryFrame: (camera) => camera === "cam1",
    acceptFrame: (f) => {
      seen.push(f.jpeg[6]);
      return false;
    },
  });
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 20; i++) capture.push(ts += 66);
  // their JPEGs come a little later; the frames are published as they do
  for (let i = 0; i < 200 && seen.length < 20; i++) await new Promise((r) => setTimeout(r, 10));
  live.close();
  for (let i = 0; i < 10; i++) capture.push(ts += 66); // gone: no more JPEGs
  await pipeline.stop();
  await drain();
  assert.deepEqual(seen, [...Array(20).keys()]);
  assert.deepEqual(capture.encodedSeqs, [...Array(20).keys()]);
});

Deno.test("CameraPipeline splits motion that never stops into events of maxEventMs", async () => {
  const { capture, recorder, pipeline, messages, drain } = setup({ maxEventMs: 2000 });
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  // 7 s of a square moving back and forth
  for (let i = 0; i < 106; i++) capture.push(ts += 66, 10 + (i % 10) * 10);
  await pipeline.stop();
  await drain();
  assert.ok(recorder.events.length >= 3, `events: ${recorder.events.length}`);
  for (const [k, e] of recorder.events.entries()) {
    assert.ok(e.end !== null && e.end - e.start < 2000, `event ${k} lasts ${e.end! - e.start} ms`);
    if (k > 0) assert.ok(e.start > recorder.events[k - 1].end!, "events do not overlap");
  }
  const phases = messages.flatMap((m) => m.type === "event" ? [m.phase] : []);
  assert.deepEqual(phases, recorder.events.flatMap(() => ["start", "end"]));
});

Deno.test("CameraPipeline publishes the capture's state changes and logs each new one once", async () => {
  const { pipeline, drain, messages, capture, logged } = setup();
  pipeline.start();
  for (let i = 0; i < 3; i++) {
    capture.onState("starting", "");
    capture.onState("failed", `ffmpeg not found: sudo apt install ffmpeg (retrying in ${i} s)`);
  }
  await pipeline.stop();
  await drain();
  const states = messages.flatMap((m) => m.type === "status" ? [m.state] : []);
  assert.deepEqual(states, ["running", ...Array(3).fill(["starting", "failed"]).flat()]);
  assert.deepEqual(logged, [
    "vigil: camera cam1: running",
    "vigil: camera cam1: ffmpeg not found: sudo apt install ffmpeg (retrying in 0 s)",
  ]);
});

Deno.test("CameraPipeline publishes events, motion and frames when the recorder throws (disk full)", async () => {
  const failing = new FullDiskRecorder();
  const { capture, pipeline, messages, frames, drain, logged } = setup({}, failing);
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  for (let i = 0; i < 6; i++) capture.push(ts += 66, 20 + i * 8); // throws here on old code
  for (let i = 0; i < 30; i++) capture.push(ts += 66);
  for (let i = 0; i < 6; i++) capture.push(ts += 66, 20 + i * 8); // a second event
  await pipeline.stop();
  await drain();
  assert.ok(failing.calls > 0, "the recorder was asked");
  const phases = messages.flatMap((m) => m.type === "event" ? [m.phase] : []);
  assert.deepEqual(phases, ["start", "end", "start", "end"]);
  const motion = messages.filter((m) => m.type === "motion");
  assert.ok(motion.length >= 6, `motion messages: ${motion.length}`);
  const motionFrames = frames.filter((f) => f.motion);
  // frames before the event was confirmed (minFrames) go out as motion messages only
  assert.ok(motionFrames.length >= 4, `motion frames on the bus: ${motionFrames.length}`);
  // one line for the burst of failures, not one per frame
  const failures = logged.filter((l) => l.includes("could not be recorded"));
  assert.equal(failures.length, 1, logged.join("\n"));
  assert.match(failures[0], /database or disk is full.*alerts and the live view go on/);
});

Deno.test("CameraPipeline drops truncated JPEGs (no EOI, cut inside a header) and counts them", async () => {
  const { capture, recorder, pipeline, frames, drain } = setup();
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  const whole = capture.jpegFor;
  const cuts = [
    (seq: number) => whole(seq).subarray(0, 7), // no EOI
    () => new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 1, 2, 0xff, 0xd9]), // header longer than the bytes
  ];
  for (let i = 0; i < 10; i++) {
    capture.jpegFor = cuts[i % 2];
    capture.push(ts += 66, 20 + i * 8);
  }
  capture.jpegFor = whole;
  await pipeline.stop();
  await drain();
  assert.equal(pipeline.info().truncatedJpegs, 10);
  assert.equal(recorder.events.length, 0, "nothing stored from cut frames");
  assert.equal(frames.length, 40, "cut frames are not sent");
});

Deno.test("CameraPipeline with detecting = false (MQTT detect/set OFF) ends the open event and opens none; frames still flow", async () => {
  const { capture, recorder, pipeline, frames, drain } = setup();
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  for (let i = 0; i < 6; i++) capture.push(ts += 66, 20 + i * 8);
  assert.equal(recorder.events.length, 1);
  pipeline.detecting = false;
  for (let i = 0; i < 30; i++) capture.push(ts += 66, 20 + (i % 10) * 8); // motion, unseen
  assert.equal(recorder.events.length, 1, "no new event while off");
  assert.notEqual(recorder.events[0].end, null, "the open event ended by its gap");
  const seen = frames.length;
  assert.ok(seen >= 76, "every frame still goes to the bus (live view, snapshots)");
  pipeline.detecting = true;
  for (let i = 0; i < 10; i++) capture.push(ts += 66, 20 + i * 8);
  assert.equal(recorder.events.length, 2, "on again: motion opens events");
  await pipeline.stop();
  await drain();
});

Deno.test("CameraPipeline offers recorded motion frames to objects and publishes their labels", async () => {
  const offered: { eventId: number; ts: number; stored: number }[] = [];
  const recorder = new FakeRecorder();
  let labels: string[] = [];
  const objects: ObjectsHook = {
    offer: (_camera, eventId, ts) => {
      // offered after the frame's row exists (the best object frame may become the picture)
      offered.push({ eventId, ts, stored: recorder.recorded.length });
      labels = ["person"]; // as if the Worker answered at once
    },
    labels: () => labels,
    latestObjects: () => labels.length ? [{ label: "person", score: 0.9, box: [1, 2, 3, 4] }] : [],
    endEvent: () => labels,
  };
  const { capture, pipeline, messages, drain } = setup({}, recorder, objects);
  pipeline.start();
  let ts = 0;
  for (let i = 0; i < 40; i++) capture.push(ts += 66);
  for (let i = 0; i < 6; i++) capture.push(ts += 66, 20 + i * 8);
  for (let i = 0; i < 30; i++) capture.push(ts += 66);
  await pipeline.stop();
  await drain();
  assert.equal(offered.length, recorder.recorded.length, "every recorded frame is offered");
  offered.forEach((o, i) => assert.equal(o.stored, i + 1));
  const motion = messages.filter((m) => m.type === "motion");
  assert.deepEqual(motion[0].labels, []);
  assert.deepEqual(motion.at(-1)!.labels, ["person"]);
  const end = messages.find((m) => m.type === "event" && m.phase === "end");
  assert.ok(end?.type === "event" && end.labels?.[0] === "person");
});

Deno.test("CameraPipeline.updateSettings: a mask over the square stops motion from the next frame, an open event stays open", async () => {
  const { capture, recorder, pipeline, drain } = setup();
  pipeline.start();
  let t = 1000;
  capture.push(t); // background
  for (let i = 0; i < 4; i++) capture.push(t += 66, 20 + i * 8);
  assert.equal(recorder.events.length, 1, "an event opened");
  const before = recorder.recorded.length;
  // The square is at x 44..74 (detection pixels) → 176..296 in camera pixels.
  const applied = pipeline.updateSettings({
    ...pipeline.config,
    detector: {
      ...pipeline.config.detector,
      eventGapMs: 500,
      masks: [[[0, 0], [640, 0], [640, 480], [0, 480]]],
    },
  });
  let settled = false;
  applied.then(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false, "not in use before a frame");
  for (let i = 0; i < 10; i++) capture.push(t += 66, 60 + i * 4); // 660 ms: past 500, not 1000
  await applied;
  assert.equal(recorder.recorded.length, before, "no motion recorded through the mask");
  assert.equal(pipeline.config.detector.masks.length, 1);
  // The open event ended after the new 500 ms gap, not the old 1000 ms one.
  assert.ok(recorder.events[0].end !== null, "the event ended on the new gap");
  assert.equal(recorder.events.length, 1);
  await pipeline.stop();
  await drain();
});

Deno.test("CameraPipeline.onGray sees each frame's gray pixels at detection size until unsubscribed", async () => {
  const { capture, pipeline, drain } = setup();
  pipeline.start();
  const seen: string[] = [];
  const off = pipeline.onGray((gray, w, h, sw, sh) =>
    seen.push(`${gray.length} ${w}x${h} ${sw}x${sh}`)
  );
  capture.push(1000);
  capture.push(1066);
  off();
  capture.push(1132);
  assert.deepEqual(seen, [`${W * H} ${W}x${H} 640x480`, `${W * H} ${W}x${H} 640x480`]);
  await pipeline.stop();
  await drain();
});
