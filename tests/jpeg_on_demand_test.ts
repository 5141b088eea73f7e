/**
 * JPEGs are encoded only when someone needs one (issue 14), through the real server and a real
 * H.264 file of the demo scene (so no camera JPEG can be passed through): none while nobody
 * looks and nothing moves, every frame's for a live client, and a motion frame's stored JPEG
 * is the very frame that was analysed.
 */
import assert from "node:assert/strict";
import { demoGraph } from "../lib/capture/mod.ts";
import { ffmpeg } from "./capture_helpers.ts";
import { login, startVigil } from "./helpers/server.ts";
import {
  assertDemoObjectBox,
  assertObjectInJpeg,
  openSocket,
  until,
} from "./helpers/demo_object.ts";

/** The demo scene (640x480, 15 fps) as H.264: `seconds` from its start (the first crossing is at 2 s). */
async function demoH264(file: string, seconds: number): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    demoGraph(),
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
    "-y",
    file,
  ]);
}

interface CameraStats {
  jpegMode: string;
  jpegsEncoded: number;
  framesAnalysed: number;
  missingJpegs: number;
}

async function cameraStats(url: string, cookie: string): Promise<CameraStats> {
  const res = await fetch(`${url}/api/stats`, { headers: { cookie } });
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.cameras[0];
}

Deno.test("[jpeg] a still H.264 scene with no client encodes no JPEG but the snapshot's; a live client gets every frame's", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/still.mp4`;
  await demoH264(file, 1.5); // the empty room, looped: nothing moves
  const vigil = await startVigil({ source: file });
  try {
    const cookie = await login(vigil.url, vigil.password);
    let seen = 0;
    await until("frames analysed", () => seen >= 60, 30_000, async () => {
      seen = (await cameraStats(vigil.url, cookie)).framesAnalysed;
    });
    const quiet = await cameraStats(vigil.url, cookie);
    // The first frame's JPEG is the periodic snapshot (one per SNAPSHOT_EVERY_MS = 15 s).
    assert.ok(quiet.framesAnalysed >= 60);
    assert.equal(quiet.jpegsEncoded, 1, `JPEGs encoded over ${quiet.framesAnalysed} frames`);

    // A live client gets every frame's JPEG: first encoded on demand, then (someone keeps
    // watching) by ffmpeg itself for every frame, after a restart.
    const { ws, got, opened, closed } = openSocket(vigil.url, cookie, "live");
    await opened;
    await until("live frames", () => got.frames.length >= 3);
    let stats = await cameraStats(vigil.url, cookie);
    const first = stats, receivedFirst = got.frames.length;
    await until(
      "ffmpeg encoding every frame",
      () => stats.jpegMode === "every-frame",
      20_000,
      async () => {
        stats = await cameraStats(vigil.url, cookie);
      },
    );
    await until("30 more live frames", () => got.frames.length >= receivedFirst + 30);
    stats = await cameraStats(vigil.url, cookie);
    const received = got.frames.length - receivedFirst;
    const analysed = stats.framesAnalysed - first.framesAnalysed;
    // The stats calls and the frames cross in flight: a frame or two either side.
    assert.ok(Math.abs(received - analysed) <= 2, `received ${received} of ${analysed} frames`);
    assert.ok(
      stats.jpegsEncoded > first.jpegsEncoded,
      "the first live frames were encoded on demand",
    );
    const ts = got.frames.map((f) => f.header.ts);
    assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]), "frames in order, none twice");
    for (const f of got.frames.slice(-3)) {
      assert.deepEqual([...f.jpeg.subarray(0, 2)], [0xff, 0xd8]);
    }
    assert.equal(stats.missingJpegs, 0);
    ws.close();
    await closed;

    // A snapshot asks for a fresh frame and gets a JPEG of the running camera.
    const snap = await fetch(`${vigil.url}/api/cameras/cam1/snapshot`, { headers: { cookie } });
    assert.equal(snap.status, 200);
    const jpeg = new Uint8Array(await snap.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.ok(Number(snap.headers.get("x-frame-age-ms")) < 2000, "a fresh frame");
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[jpeg] motion on an H.264 source: the sent and stored JPEGs are the analysed frames", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/demo.mp4`;
  await demoH264(file, 11); // one crossing, looped
  const vigil = await startVigil({ source: file });
  try {
    const cookie = await login(vigil.url, vigil.password);
    const { ws, got, opened, closed } = openSocket(vigil.url, cookie, "detect");
    await opened;
    const inView = (b: number[]) => b[0] > 8 && b[0] + b[2] < 632;
    await until(
      "a motion frame",
      () => got.frames.some((f) => f.header.boxes.some(inView)),
      30_000,
    );
    const frame = got.frames.find((f) => f.header.boxes.some(inView))!;
    const box = frame.header.boxes.find(inView)!;
    assertDemoObjectBox(box);
    await assertObjectInJpeg(frame.jpeg, box, "sent frame");
    ws.close();
    await closed;

    let events: { id: number }[] = [];
    await until("a stored event", () => events.length > 0, 15_000, async () => {
      events = await (await fetch(`${vigil.url}/api/events`, { headers: { cookie } })).json();
    });
    let frames: { url: string; boxes: number[][] }[] = [];
    await until(
      "stored frames with the object in view",
      () => frames.some((f) => f.boxes.some(inView)),
      15_000,
      async () => {
        const res = await fetch(`${vigil.url}/api/events/${events[0].id}/frames`, {
          headers: { cookie },
        });
        frames = await res.json();
      },
    );
    const whole = frames.filter((f) => f.boxes.some(inView));
    for (const f of whole.slice(0, 8)) {
      const img = await fetch(`${vigil.url}${f.url}`, { headers: { cookie } });
      assert.equal(img.status, 200);
      await assertObjectInJpeg(
        new Uint8Array(await img.arrayBuffer()),
        f.boxes.find(inView)!,
        f.url,
      );
    }
    const stats = await cameraStats(vigil.url, cookie);
    assert.ok(stats.jpegsEncoded > 0 && stats.jpegsEncoded < stats.framesAnalysed);
    assert.equal(stats.missingJpegs, 0);
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});
