import assert from "node:assert/strict";
import { CameraCapture, type CameraState } from "./camera_capture.ts";
import type { CaptureProcess, Clock } from "./process.ts";
import { fakeJpeg, mkvCluster, mkvHeader } from "./_test_mkv.ts";

class FakeClock implements Clock {
  t = 1_000_000;
  timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.timers.delete(id as number);
  /** Moves time forward, running due timers in order. */
  async advance(ms: number) {
    const end = this.t + ms;
    while (true) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

class FakeProcess implements CaptureProcess {
  pid = Math.floor(Math.random() * 100000);
  killed: string[] = [];
  #out!: ReadableStreamDefaultController<Uint8Array>;
  #err!: ReadableStreamDefaultController<Uint8Array>;
  #done = Promise.withResolvers<{ code: number; signal: string | null }>();
  #exited = false;
  stdout = new ReadableStream<Uint8Array>({ start: (c) => void (this.#out = c) });
  stderr = new ReadableStream<Uint8Array>({ start: (c) => void (this.#err = c) });
  status = this.#done.promise;
  write(bytes: Uint8Array) {
    this.#out.enqueue(bytes);
  }
  say(text: string) {
    this.#err.enqueue(new TextEncoder().encode(text + "\n"));
  }
  exit(code: number, signal: string | null = null) {
    if (this.#exited) return;
    this.#exited = true;
    this.#out.close();
    this.#err.close();
    this.#done.resolve({ code, signal });
  }
  kill(signal: Deno.Signal = "SIGTERM") {
    if (this.#exited) throw new TypeError("already exited");
    this.killed.push(signal);
    this.exit(signal === "SIGKILL" ? 137 : 255, signal);
  }
}

function setup(opts: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const procs: FakeProcess[] = [];
  const calls: string[][] = [];
  const cam = new CameraCapture(
    { id: "t", source: "demo", detectWidth: 4, detectHeight: 2, ...opts },
    {
      clock,
      spawn: (_program, args) => {
        calls.push(args);
        const p = new FakeProcess();
        procs.push(p);
        return p;
      },
    },
  );
  const states: [CameraState, string][] = [];
  cam.onState = (s, m) => states.push([s, m]);
  return { cam, clock, procs, calls, states };
}

Deno.test("CameraCapture pairs gray and JPEG by frame time and drops a frame missing one form", async () => {
  const { cam, procs, states } = setup();
  const frames: { seq: number; pts: number; gray: number[]; tag: number }[] = [];
  cam.onFrame = (f) => frames.push({ seq: f.seq, pts: f.pts, gray: [...f.gray], tag: f.jpeg![21] });
  cam.start();
  await flush();
  const p = procs[0];
  const g = (v: number) => new Uint8Array(8).fill(v);
  p.write(mkvHeader());
  p.write(mkvCluster(0, [[1, g(10)], [2, fakeJpeg(640, 480, 100)]]));
  p.write(mkvCluster(67, [[2, fakeJpeg(640, 480, 101)]])); // its gray frame never comes
  p.write(mkvCluster(133, [[2, fakeJpeg(640, 480, 102)], [1, g(12)]])); // JPEG first this time
  p.write(mkvCluster(200, [[1, g(13)]]));
  p.write(mkvCluster(267, [[1, g(14)], [2, fakeJpeg(640, 480, 104)]]));
  await flush();
  assert.deepEqual(frames, [
    { seq: 0, pts: 0, gray: Array(8).fill(10), tag: 100 },
    { seq: 1, pts: 133, gray: Array(8).fill(12), tag: 102 },
    { seq: 2, pts: 267, gray: Array(8).fill(14), tag: 104 },
  ]);
  assert.equal(cam.dropped, 2);
  assert.equal(cam.state, "running");
  assert.equal(cam.sourceWidth, 640);
  assert.match(states.at(-1)![1], /running: 640x480, detection 4x2/);
  await cam.stop();
  assert.deepEqual(p.killed, ["SIGTERM"]);
  assert.equal(cam.state, "stopped");
});

Deno.test("CameraCapture: missing ffmpeg is state failed, retried with doubling delays up to the cap", async () => {
  const clock = new FakeClock();
  let spawns = 0;
  const cam = new CameraCapture(
    { id: "t", source: "demo", restartDelayMs: 100, restartMaxDelayMs: 400 },
    {
      clock,
      spawn: () => {
        spawns++;
        throw new Deno.errors.NotFound("ffmpeg");
      },
    },
  );
  const failed: string[] = [];
  cam.onState = (s, m) => s === "failed" && failed.push(m);
  cam.start(); // does not throw
  await flush();
  await clock.advance(100 + 200 + 400 + 400);
  assert.equal(spawns, 5);
  assert.deepEqual(failed.map((m) => /retrying in (\d+ ms)/.exec(m)![1]), [
    "100 ms",
    "200 ms",
    "400 ms",
    "400 ms",
    "400 ms",
  ]);
  assert.match(failed[0], /^ffmpeg was not found: install it .*sudo apt install ffmpeg/);
  await cam.stop();
});

Deno.test("CameraCapture: watchdog marks a silent ffmpeg stalled, kills it and starts another", async () => {
  const { cam, clock, procs, states } = setup({
    startTimeoutMs: 3000,
    stallTimeoutMs: 1000,
    restartDelayMs: 500,
  });
  cam.start();
  await flush();
  await clock.advance(2900);
  assert.equal(cam.state, "starting");
  await clock.advance(500);
  assert.equal(cam.state, "stalled");
  assert.match(cam.message, /no frame from demo within 3 s of starting; restarting ffmpeg/);
  assert.deepEqual(procs[0].killed, ["SIGKILL"]);
  await clock.advance(600);
  assert.equal(procs.length, 2);
  assert.deepEqual(states.map((s) => s[0]), ["starting", "stalled", "starting"]);
  // A running camera that goes quiet is stalled after stallTimeoutMs.
  const p = procs[1];
  p.write(mkvHeader());
  p.write(mkvCluster(0, [[1, new Uint8Array(8)], [2, fakeJpeg(640, 480, 1)]]));
  await flush();
  assert.equal(cam.state, "running");
  await clock.advance(1300);
  assert.equal(cam.state, "stalled");
  assert.match(cam.message, /no frame from demo for 1 s/);
  await cam.stop();
});

Deno.test("CameraCapture: an ffmpeg exit becomes state failed with advice and ffmpeg's last line", async () => {
  const { cam, procs } = setup({ source: "/dev/video0", inputFormat: "mjpeg" });
  cam.start();
  await flush();
  procs[0].say(
    "[video4linux2,v4l2 @ 0x55] Cannot open video device /dev/video0: Permission denied",
  );
  procs[0].say("/dev/video0: Permission denied");
  procs[0].exit(1);
  await flush();
  await flush();
  assert.equal(cam.state, "failed");
  assert.equal(cam.lastError?.code, 1);
  assert.deepEqual(cam.lastError?.stderr.at(-1), "/dev/video0: Permission denied");
  assert.match(
    cam.message,
    /^Cannot open \/dev\/video0: permission denied \(add the user to the 'video' group.*ffmpeg: \/dev\/video0: Permission denied \(retrying in 500 ms\)$/,
  );
  await cam.stop();
});

Deno.test("CameraCapture: a V4L2 MJPEG camera is passed through; the JPEG track is copied", async () => {
  const { cam, calls } = setup({
    source: "/dev/video2",
    inputFormat: "mjpeg",
    width: 640,
    height: 480,
    fps: 15,
  });
  cam.start();
  await flush();
  const args = calls[0].join(" ");
  assert.match(
    args,
    /-f v4l2 .*-input_format mjpeg -video_size 640x480 -framerate 15 .*-i \/dev\/video2/,
  );
  assert.match(args, /-map 0:v:0 -c:v:1 copy/);
  assert.equal(cam.passthrough, true);
  await cam.stop();
});

Deno.test("CameraCapture: the detection size follows the source size learned from the first JPEG", async () => {
  const clock = new FakeClock();
  const procs: FakeProcess[] = [];
  const calls: string[][] = [];
  const cam = new CameraCapture({
    id: "t",
    source: "/tmp/clip.mp4",
    detectSize: (w, h) => ({ width: w / 4, height: h / 4 }),
  }, {
    clock,
    spawn: (_p, args) => {
      calls.push(args);
      const p = new FakeProcess();
      procs.push(p);
      return p;
    },
  });
  cam.start();
  await flush();
  assert.match(calls[0].join(" "), /scale=160:120:flags=area/); // guessed 640x480
  procs[0].write(mkvHeader());
  procs[0].write(mkvCluster(0, [[1, new Uint8Array(160 * 120)], [2, fakeJpeg(1280, 720, 1)]]));
  await flush();
  await flush();
  assert.equal(procs.length, 2);
  assert.match(calls[1].join(" "), /scale=320:180:flags=area/);
  assert.equal(cam.detectWidth, 320);
  assert.equal(cam.sourceWidth, 1280);
  await cam.stop();
});

Deno.test("CameraCapture rejects bad options with a clear error", () => {
  assert.throws(
    () => new CameraCapture({ id: "x", source: "demo", fps: 0 }),
    /fps must be a whole number from 1 to 120/,
  );
  assert.throws(
    () => new CameraCapture({ id: "x", source: "demo", width: 640 }),
    /both width and height/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new CameraCapture({ id: "x", source: "demo", passthrough: "yes" as any }),
    /passthrough must be true, false or "auto"/,
  );
});

Deno.test("CameraCapture: a camera that keeps dying soon after its first frame backs off further", async () => {
  const { cam, clock, procs, states } = setup({
    restartDelayMs: 100,
    restartMaxDelayMs: 1000,
    stallTimeoutMs: 60_000,
  });
  cam.start();
  await flush();
  const delays: string[] = [];
  for (let i = 0; i < 4; i++) {
    const p = procs[i];
    p.write(mkvHeader());
    p.write(mkvCluster(0, [[1, new Uint8Array(8)], [2, fakeJpeg(640, 480, 1)]]));
    await flush();
    assert.equal(cam.state, "running");
    await clock.advance(i === 3 ? 11_000 : 1000); // the last run lasts long enough to count as stable
    p.exit(1);
    await flush();
    await flush();
    delays.push(/retrying in (\d+ ms)/.exec(states.at(-1)![1])![1]);
    await clock.advance(1000);
  }
  assert.deepEqual(delays, ["100 ms", "200 ms", "400 ms", "100 ms"]);
  await cam.stop();
});

Deno.test("CameraCapture: V4L2 input format auto picks MJPEG when the device lists it", async () => {
  for (const [offered, want] of [[["yuyv422", "mjpeg"], true], [["yuyv422"], false]] as const) {
    const clock = new FakeClock();
    const calls: string[][] = [];
    const listed: string[] = [];
    const cam = new CameraCapture({ id: "t", source: "/dev/video0" }, {
      clock,
      spawn: (_p, args) => {
        calls.push(args);
        return new FakeProcess();
      },
      listFormats: (device) => {
        listed.push(device);
        return Promise.resolve(
          offered.map((format) => ({ kind: "raw" as const, format, description: "", sizes: [] })),
        );
      },
    });
    cam.start();
    await flush();
    assert.deepEqual(listed, ["/dev/video0"]);
    const args = calls[0].join(" ");
    assert.equal(args.includes("-input_format mjpeg"), want);
    assert.equal(args.includes("-c:v:1 copy"), want);
    assert.equal(cam.passthrough, want);
    await cam.stop();
  }
});

Deno.test("CameraCapture: with a wanted size, auto asks for a format that offers it", async () => {
  const clock = new FakeClock();
  const calls: string[][] = [];
  const cam = new CameraCapture({ id: "t", source: "/dev/video0", width: 320, height: 240 }, {
    clock,
    spawn: (_p, args) => {
      calls.push(args);
      return new FakeProcess();
    },
    listFormats: () =>
      Promise.resolve([
        { kind: "raw", format: "yuyv422", description: "", sizes: ["640x480", "320x240"] },
        { kind: "compressed", format: "mjpeg", description: "", sizes: ["640x480"] },
      ]),
  });
  cam.start();
  await flush();
  const args = calls[0].join(" ");
  assert.match(args, /-input_format yuyv422 -video_size 320x240/);
  assert.equal(cam.passthrough, false);
  await cam.stop();
});

Deno.test("CameraCapture: errorLines are ffmpeg's last lines, redacted, only while failed or stalled", async () => {
  const { cam, procs, clock } = setup({
    source: "rtsp://admin:hunter2@10.0.0.5/stream1",
    restartDelayMs: 500,
    stallTimeoutMs: 1000,
  });
  cam.start();
  await flush();
  assert.deepEqual(cam.errorLines, []);
  for (let i = 0; i < 7; i++) procs[0].say(`noise ${i}`);
  procs[0].say("[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized");
  procs[0].say("rtsp://admin:hunter2@10.0.0.5/stream1: Server returned 401 Unauthorized");
  procs[0].exit(1);
  await flush();
  await flush();
  assert.equal(cam.state, "failed");
  assert.deepEqual(cam.errorLines, [
    "noise 4",
    "noise 5",
    "noise 6",
    "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
    "rtsp://***@10.0.0.5/stream1: Server returned 401 Unauthorized",
  ]);
  await clock.advance(600);
  assert.equal(cam.state, "starting");
  assert.deepEqual(cam.errorLines, []);
  const p = procs[1];
  p.write(mkvHeader());
  p.write(mkvCluster(0, [[1, new Uint8Array(8)], [2, fakeJpeg(640, 480, 1)]]));
  p.say("[rtsp @ 0x1] RTP: missed 3 packets");
  await flush();
  assert.equal(cam.state, "running");
  assert.deepEqual(cam.errorLines, []);
  await clock.advance(1300);
  assert.equal(cam.state, "stalled");
  assert.deepEqual(cam.errorLines, ["[rtsp @ 0x1] RTP: missed 3 packets"]);
  await cam.stop();
});

Deno.test("CameraCapture: an RTSP server without TCP (461) makes an unset transport fall back to UDP", async () => {
  for (const rtspTransport of [undefined, "tcp"] as const) {
    const { cam, procs, calls } = setup({ source: "rtsp://10.0.0.5/cam", rtspTransport });
    cam.start();
    await flush();
    assert.match(calls[0].join(" "), /-rtsp_transport tcp/);
    procs[0].say("[rtsp @ 0x1] method SETUP failed: 461 Unsupported Transport");
    procs[0].exit(1);
    await flush();
    await flush();
    if (rtspTransport === undefined) {
      // Straight away, without a failure or a backoff delay.
      assert.equal(cam.state, "starting");
      assert.match(calls[1].join(" "), /-rtsp_transport udp/);
      const p = procs[1];
      p.write(mkvHeader());
      p.write(mkvCluster(0, [[1, new Uint8Array(8)], [2, fakeJpeg(640, 480, 1)]]));
      await flush();
      assert.match(cam.message, /; RTSP over UDP \(the server offers no TCP\)$/);
    } else {
      // The user asked for TCP: say what to change instead of overriding it.
      assert.equal(cam.state, "failed");
      assert.equal(calls.length, 1);
      assert.match(
        cam.message,
        /^rtsp:\/\/10\.0\.0\.5\/cam does not offer RTSP over TCP \(461: set "rtspTransport": "udp"/,
      );
    }
    await cam.stop();
  }
});
