import assert from "node:assert/strict";
import { CameraCapture } from "../lib/capture/mod.ts";
import {
  brightestColumn,
  decodeJpegs,
  ffmpeg,
  freePort,
  KNOWN_SCENE,
  mjpegHttpServer,
  record,
  stateTrail,
  waitFor,
} from "./capture_helpers.ts";

Deno.test("[ffmpeg] HTTP MJPEG from ffmpeg's listener: JPEGs passed through, pairing exact", async () => {
  const port = freePort();
  const server = mjpegHttpServer(KNOWN_SCENE, port, 3);
  const cam = new CameraCapture({
    id: "http",
    source: `http://127.0.0.1:${port}/`,
    detectWidth: 160,
    detectHeight: 120,
    restartDelayMs: 200,
  });
  const r = record(cam, true);
  try {
    await new Promise((res) => setTimeout(res, 300)); // let the listener bind
    cam.start();
    await waitFor(() => r.frames.length >= 20, 8000, "20 HTTP frames");
    assert.equal(cam.passthrough, true);
    assert.equal(cam.sourceWidth, 640);
  } finally {
    await cam.stop();
    await server.stop();
  }
  const frames = r.frames.slice(0, 20);
  const decoded = await decodeJpegs(frames.map((f) => f.jpeg), 160, 120);
  for (let i = 0; i < frames.length; i++) {
    const fromJpeg = brightestColumn(decoded[i], 160, 120);
    assert.ok(
      Math.abs(fromJpeg - frames[i].grayCol) <= 1,
      `frame ${i}: gray bar at column ${frames[i].grayCol}, JPEG bar at ${fromJpeg}`,
    );
  }
});

Deno.test("[ffmpeg] a server that accepts and never sends triggers the watchdog (stalled)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch {
      // closed
    }
  })();
  const cam = new CameraCapture({
    id: "stall",
    source: `http://127.0.0.1:${port}/video`,
    startTimeoutMs: 1500,
    stallTimeoutMs: 1000,
    restartDelayMs: 200,
  });
  const r = record(cam);
  const t0 = Date.now();
  cam.start();
  try {
    await waitFor(() => cam.state === "stalled", 5000, "state stalled");
    const stalled = r.states.find((s) => s.state === "stalled")!;
    console.log(`stalled after ${stalled.at - t0} ms`);
    assert.match(stalled.message, /no frame from http:\/\/127\.0\.0\.1:\d+\/video within 1\.5 s/);
    // ...and it tries again.
    await waitFor(() => stateTrail(r).length >= 3, 3000, "a restart after the stall");
    assert.deepEqual(stateTrail(r).slice(0, 3), ["starting", "stalled", "starting"]);
    assert.ok(conns.length >= 1);
  } finally {
    await cam.stop();
    listener.close();
    await accepting;
    for (const c of conns) c.close();
  }
});

Deno.test("[ffmpeg] a stream that stops sending while running is restarted by the watchdog", async () => {
  // A small multipart MJPEG server that sends 15 frames, then goes quiet without closing.
  const dir = await Deno.makeTempDir();
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "testsrc2=s=320x240:r=15",
    "-frames:v",
    "15",
    "-q:v",
    "5",
    `${dir}/f%02d.jpg`,
  ]);
  const jpegs: Uint8Array[] = [];
  for (let i = 1; i <= 15; i++) {
    jpegs.push(await Deno.readFile(`${dir}/f${String(i).padStart(2, "0")}.jpg`));
  }
  await Deno.remove(dir, { recursive: true });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const controllers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controllers.add(controller);
        let i = 0;
        const send = () => {
          if (i >= jpegs.length) return; // stall: keep the connection open, send nothing
          const head = `--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${
            jpegs[i].length
          }\r\n\r\n`;
          controller.enqueue(new TextEncoder().encode(head));
          controller.enqueue(jpegs[i++]);
          controller.enqueue(new TextEncoder().encode("\r\n"));
          const t = setTimeout(send, 66);
          timers.add(t);
        };
        send();
      },
      cancel() {},
    });
    return new Response(body, {
      headers: { "content-type": "multipart/x-mixed-replace; boundary=frame" },
    });
  });
  const cam = new CameraCapture({
    id: "quiet",
    source: `http://127.0.0.1:${server.addr.port}/`,
    stallTimeoutMs: 1000,
    restartDelayMs: 200,
  });
  const r = record(cam);
  cam.start();
  try {
    await waitFor(() => r.states.some((s) => s.state === "stalled"), 8000, "stalled");
    assert.ok(r.frames.length >= 5, `${r.frames.length} frames before the stall`);
    assert.deepEqual(stateTrail(r).slice(0, 3), ["starting", "running", "stalled"]);
    assert.match(r.states.find((s) => s.state === "stalled")!.message, /for 1 s; restarting/);
    // The server answers the new connection with frames again: the camera recovers.
    const lastBefore = r.frames.at(-1)!.ts;
    const n = r.frames.length;
    await waitFor(() => r.frames.length > n, 5000, "frames after the restart");
    const stalledAt = r.states.find((s) => s.state === "stalled")!.at;
    console.log(
      `stalled ${stalledAt - lastBefore} ms after the last frame; frames again ${
        r.frames[n].ts - lastBefore
      } ms after it`,
    );
    assert.deepEqual(stateTrail(r).slice(0, 5), [
      "starting",
      "running",
      "stalled",
      "starting",
      "running",
    ]);
  } finally {
    await cam.stop();
    for (const t of timers) clearTimeout(t);
    for (const c of controllers) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await server.shutdown();
  }
});

Deno.test("[ffmpeg] a missing device gives state failed with a clear message", async () => {
  const cam = new CameraCapture({ id: "nodev", source: "/dev/video99", restartDelayMs: 5000 });
  const r = record(cam);
  cam.start();
  try {
    await waitFor(() => cam.state === "failed", 5000, "failed");
    assert.match(
      cam.message,
      /^Cannot open \/dev\/video99: no such device \(is the camera plugged in\?.*retrying in 5 s\)$/s,
    );
    assert.deepEqual(stateTrail(r), ["starting", "failed"]);
  } finally {
    await cam.stop();
  }
});

Deno.test("[ffmpeg] bad URLs give state failed with a clear message", async () => {
  const port = freePort(); // nothing listens there
  const cases: [string, RegExp][] = [
    [
      `http://127.0.0.1:${port}/`,
      /^Cannot connect to http:\/\/127\.0\.0\.1:\d+\/: connection refused/,
    ],
    [
      `rtsp://user:secret@127.0.0.1:${port}/cam`,
      /^Cannot connect to rtsp:\/\/127\.0\.0\.1/,
    ],
    ["/nonexistent/video.mp4", /^Cannot open \/nonexistent\/video\.mp4: no such file/],
  ];
  const cams = cases.map(([source]) =>
    new CameraCapture({ id: "bad", source, restartDelayMs: 5000 })
  );
  for (const c of cams) c.start();
  try {
    await waitFor(() => cams.every((c) => c.state === "failed"), 8000, "all failed");
    cams.forEach((c, i) => {
      assert.match(c.message, cases[i][1]);
      assert.doesNotMatch(c.message, /secret/);
    });
  } finally {
    await Promise.all(cams.map((c) => c.stop()));
  }
});
