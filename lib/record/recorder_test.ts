import assert from "node:assert/strict";
import { join } from "node:path";
import { CameraCapture } from "../capture/mod.ts";
import { CameraRecorder, incomingDir } from "./recorder.ts";
import { RecordingIndex } from "./index.ts";
import { DEFAULT_RECORD_SETTINGS } from "./settings.ts";
import type { RecordSettings } from "./settings.ts";
import { makeClip } from "./clip.ts";
import { listPackets, packetsDuration } from "./probe.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function settings(extra: Partial<RecordSettings> = {}): RecordSettings {
  return { ...DEFAULT_RECORD_SETTINGS, segmentSeconds: 1, preset: "ultrafast", ...extra };
}

/** Every file under `dir` (relative paths). */
async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await files(p, base));
    else out.push(p.slice(base.length + 1));
  }
  return out.sort();
}

/** An H.264 file: testsrc2 at 320x240, 10 fps, a keyframe every 5 frames, with B-frames. */
export async function h264File(dir: string, seconds = 3): Promise<string> {
  const path = join(dir, "src.mp4");
  const r = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=s=320x240:r=10`,
      "-t",
      String(seconds),
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-bf",
      "2",
      "-g",
      "5",
      "-pix_fmt",
      "yuv420p",
      path,
    ],
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return path;
}

Deno.test("CameraRecorder encodes the demo's JPEGs into indexed 1 s segments with wall-clock times", async () => {
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_" });
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "cam1",
    source: "demo",
    settings: settings(),
    dataDir: data,
    index,
    log: () => {},
  });
  const cap = new CameraCapture({ id: "cam1", source: "demo", width: 320, height: 240, fps: 10 });
  const fed: number[] = [];
  cap.onFrame = (f) => {
    fed.push(f.ts);
    const ts = f.ts;
    cap.jpegOf(f).then((jpeg) => jpeg && rec.feed(ts, jpeg));
  };
  cap.onState = () => {};
  try {
    rec.start();
    cap.start();
    await waitFor(() => index.all().length >= 3, 15_000, "3 segments");
    await cap.stop();
    await rec.stop();
    const segs = index.all();
    assert.equal(rec.kind, "encode");
    // the first segment starts with the first frame written, to a frame
    assert.ok(Math.abs(segs[0].start - fed[0]) < 150, `${segs[0].start} vs ${fed[0]}`);
    for (let i = 1; i < segs.length; i++) {
      // a segment ends when the next one's first frame comes (its last frame is the picture
      // until then), not at ffmpeg's nominal end of its last frame
      assert.equal(segs[i].start, segs[i - 1].end, "segments follow each other");
    }
    assert.ok(
      Math.abs(segs[segs.length - 1].end - fed[fed.length - 1]) < 400,
      "last segment ends with the last frame",
    );
    for (const s of segs) {
      const packets = await listPackets(join(data, s.path));
      assert.ok(packets[0].key, "a segment starts with a keyframe");
      assert.ok(Math.abs(packetsDuration(packets) - (s.end - s.start)) < 150, `${s.path}: length`);
    }
    assert.deepEqual(await files(join(data, incomingDir("cam1"))), [], "nothing left open");
    // a clip from the middle of segment 2 starts at a keyframe (≤ 1 s early)
    const from = segs[1].start + 500, to = segs[2].end - 300;
    const clip =
      (await makeClip({ dataDir: data, segments: segs, from, to, out: join(data, "c.mp4") }))!;
    assert.ok(
      clip.start <= from && clip.start > from - 1000 - 1,
      `clip start ${clip.start - from}`,
    );
    const len = packetsDuration(await listPackets(clip.path));
    assert.ok(Math.abs(len - (to - clip.start)) < 200, `clip length ${len} vs ${to - clip.start}`);
  } finally {
    await cap.stop();
    await rec.stop();
    index.close();
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("CameraRecorder copies an H.264 file source (-c copy) and survives a SIGKILL mid-segment", async () => {
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_" });
  const src = await h264File(data, 2);
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "cam1",
    source: src,
    settings: settings(),
    dataDir: data,
    index,
    log: () => {},
    restartDelayMs: 200,
  });
  try {
    rec.start();
    await waitFor(() => index.all().length >= 2, 15_000, "2 segments");
    assert.equal(rec.kind, "copy");
    await sleep(500);
    const pid = rec.pid!;
    Deno.kill(pid, "SIGKILL");
    await waitFor(
      () => rec.pid !== null && rec.pid !== pid && rec.state === "recording",
      15_000,
      "restart",
    );
    await rec.stop();
    const segs = index.all();
    for (const s of segs) {
      const packets = await listPackets(join(data, s.path));
      assert.ok(packets.length > 0 && packets[0].key, `${s.path} plays from a keyframe`);
    }
    const all = await files(join(data, "recordings"));
    assert.deepEqual(
      all.filter((f) => !segs.some((s) => s.path === `recordings/${f}`)),
      [],
      "no orphans",
    );
    // the copied stream has the source's codec parameters
    const probe = async (p: string) => {
      const r = await new Deno.Command("ffprobe", {
        args: [
          "-v",
          "error",
          "-select_streams",
          "v:0",
          "-show_entries",
          "stream=codec_name,profile,width,height,pix_fmt",
          "-of",
          "csv=p=0",
          p,
        ],
      }).output();
      return new TextDecoder().decode(r.stdout).trim();
    };
    assert.equal(await probe(join(data, segs[0].path)), await probe(src));
  } finally {
    await rec.stop();
    index.close();
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("CameraRecorder.stop() ends a codec probe waiting on a camera that never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) conns.push(c);
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_" });
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "cam1",
    source: `rtsp://127.0.0.1:${port}/stream`,
    settings: settings(),
    dataDir: data,
    index,
    log: () => {},
  });
  try {
    rec.start();
    await waitFor(() => conns.length > 0, 10_000, "the probe to connect");
    const t0 = performance.now();
    await rec.stop();
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `stopped in ${ms} ms`);
    assert.equal(rec.state, "stopped");
  } finally {
    for (const c of conns) c.close();
    listener.close();
    index.close();
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("CameraRecorder closes the open segment when the camera drops out, and goes on when frames return", async () => {
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_" });
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "cam1",
    source: "demo",
    settings: settings({ segmentSeconds: 2 }),
    dataDir: data,
    index,
    log: () => {},
    idleMs: 1500,
  });
  const cap = new CameraCapture({ id: "cam1", source: "demo", width: 320, height: 240, fps: 10 });
  let feeding = true;
  let lastFed = 0;
  cap.onFrame = (f) => {
    if (!feeding) return;
    lastFed = f.ts;
    const ts = f.ts;
    cap.jpegOf(f).then((jpeg) => jpeg && rec.feed(ts, jpeg));
  };
  cap.onState = () => {};
  try {
    rec.start();
    cap.start();
    await waitFor(() => index.all().length >= 1, 15_000, "a segment");
    await sleep(700); // in the middle of a segment
    feeding = false;
    const dropped = lastFed;
    await waitFor(() => rec.state === "waiting", 5000, "waiting for frames");
    const before = index.all();
    assert.ok(
      Math.abs(before[before.length - 1].end - dropped) < 300,
      "the segment open at the drop-out ends with its last frame",
    );
    await sleep(1000);
    feeding = true;
    const resumed = Date.now();
    await waitFor(
      () => index.all().length > before.length && rec.state === "recording",
      15_000,
      "recording again",
    );
    await cap.stop();
    await rec.stop();
    const segs = index.all();
    const after = segs.slice(before.length);
    assert.ok(after[0].start >= resumed - 200, "no segment spans the drop-out");
  } finally {
    await cap.stop();
    await rec.stop();
    index.close();
    await Deno.remove(data, { recursive: true });
  }
});

/** A 1 s segment file of `dir`: testsrc2 at 10 fps, no B-frames, a keyframe first. */
async function segmentFile(dir: string, name: string): Promise<string> {
  const r = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=10"],
      ...["-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", "10"],
      ...["-pix_fmt", "yuv420p", "-video_track_timescale", "1000", join(dir, name)],
    ],
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return name;
}

Deno.test("makeClip(): the clip's end is when its last frame stops being current, at or after the wanted end, also when that falls between segments", async () => {
  const data = await Deno.makeTempDir({ prefix: "vigil_clip_" });
  try {
    // two segments of 10 frames (100 ms each), the second starting 250 ms after the first's
    // last frame ended (a late frame): that frame stays on screen until then
    const t = 1_700_000_000_000;
    const segs = [
      { id: 1, camera: "cam1", start: t, end: t + 1000, bytes: 1, kept: 0 },
      { id: 2, camera: "cam1", start: t + 1250, end: t + 2250, bytes: 1, kept: 0 },
    ].map((s, i) => ({ ...s, path: `s${i}.mp4` }));
    for (const s of segs) await segmentFile(data, s.path);
    const clip = (to: number, out: string) =>
      makeClip({ dataDir: data, segments: segs, from: t + 200, to, out: join(data, out) });
    // wanted end inside the first segment: the clip ends with the frame after it (t + 500)
    const inside = (await clip(t + 450, "a.mp4"))!;
    assert.equal(inside.start, t);
    assert.equal(inside.end, t + 500);
    // wanted end after the first segment's last frame and before the next segment: that frame
    // is the picture until t + 1250 (the file's own length would end at t + 1000)
    const between = (await clip(t + 1100, "b.mp4"))!;
    assert.equal(between.end, t + 1250, `clip end ${between.end - t} ms after t`);
    assert.ok(between.end >= t + 1100);
    const len = packetsDuration(await listPackets(between.path));
    assert.ok(Math.abs(len - 1000) <= 100, `the file holds the first segment: ${len} ms`);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
