/**
 * Recording costs on the real server (main.ts as `deno task start` runs it), one camera:
 *
 *   deno run -A bench/record_cpu.ts [--seconds 30] [--only h264|demo|oneproc]
 *
 * - h264: a 1280x720 15 fps H.264 file (the demo scene, a keyframe a second) as the camera,
 *   recording `off` vs `events` (the camera's H.264 copied, `-c copy`): CPU of the capture
 *   ffmpeg, the recorder ffmpeg and the server (Deno) from /proc/PID/stat, % of one core; MB
 *   written per hour.
 * - demo: the demo scene at 640x480 15 fps (encoded by libx264 veryfast from the display
 *   JPEGs), continuous: the same figures; then, with 28 s of pre- and post-capture, an event's
 *   60 s clip: the latency from its end + postCapture to a 200, the time of that first request
 *   (concat + serve) and of a cached one; and a 60 s `/api/export`.
 * - oneproc: the alternative design measured with plain ffmpeg runs: the capture's command
 *   alone, with a segment output added to it (one process), and the recorder alone (the
 *   second process of the chosen design).
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { DEMO_HEIGHT, DEMO_WIDTH, demoGraph, ffmpegArgs } from "../lib/capture/ffmpeg_args.ts";
import { login, startVigil } from "../tests/helpers/server.ts";
import { demoH264File, poll, sleep } from "../tests/recordings_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "30" },
    only: { type: "string", default: "" },
  },
});
const seconds = Number(values.seconds);
const CLK_TCK = 100;

function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** The server's ffmpeg children: the capture and (when recording) the recorder. */
function children(parent: number): { capture?: number; recorder?: number } {
  const out: { capture?: number; recorder?: number } = {};
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent || !stat.includes("(ffmpeg)")) continue;
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmd.includes("\0segment\0")) out.recorder = Number(e.name);
      else if (cmd.includes("\0matroska\0")) out.capture = Number(e.name);
    } catch { /* gone */ }
  }
  return out;
}

function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const e of Deno.readDirSync(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) n += dirBytes(p);
      else if (e.isFile && e.name.endsWith(".mp4")) n += Deno.statSync(p).size;
    }
  } catch { /* not there */ }
  return n;
}

const pct = (ms: number, wall: number) => Math.round((ms / wall) * 1000) / 10;

interface Run {
  url: string;
  cookie: string;
  pid: number;
  dataDir: string;
  close(): Promise<void>;
}

async function serve(dir: string, camera: Record<string, unknown>, record: unknown): Promise<Run> {
  const cfg = join(dir, "vigil.json");
  await Deno.writeTextFile(cfg, JSON.stringify({ record, cameras: [{ id: "bench", ...camera }] }));
  const v = await startVigil({ source: null, args: ["--config", cfg], dataDir: join(dir, "data") });
  const cookie = await login(v.url, v.password);
  await poll(
    async () => {
      const h = await (await fetch(`${v.url}/api/health`)).json();
      const cam = h.cameras[0];
      return cam.state === "running" &&
          (!cam.recording || cam.recording.state === "recording" || cam.recording.state === "off")
        ? true
        : undefined;
    },
    30_000,
    "camera and recording running",
  );
  return { url: v.url, cookie, pid: v.pid, dataDir: v.dataDir, close: v.close };
}

/** CPU of the server and its ffmpegs over `seconds`, and MB of recordings written per hour. */
async function measure(v: Run, label: string): Promise<Record<string, unknown>> {
  await sleep(3000); // settle
  const kids = children(v.pid);
  const rec = join(v.dataDir, "recordings");
  const b0 = dirBytes(rec);
  const s0 = cpuMs(v.pid), c0 = cpuMs(kids.capture ?? -1), r0 = cpuMs(kids.recorder ?? -1);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = performance.now() - t0;
  const s1 = cpuMs(v.pid), c1 = cpuMs(kids.capture ?? -1), r1 = cpuMs(kids.recorder ?? -1);
  const b1 = dirBytes(rec);
  const h = await (await fetch(`${v.url}/api/health`, { headers: { cookie: v.cookie } })).json();
  return {
    run: label,
    seconds,
    fps: h.cameras[0].fps,
    recording: h.cameras[0].recording?.message ?? "off",
    captureFfmpegPct: pct(c1 - c0, wall),
    recorderFfmpegPct: kids.recorder ? pct(r1 - r0, wall) : 0,
    serverPct: pct(s1 - s0, wall),
    mbPerHour: Math.round(((b1 - b0) / 1e6) * (3_600_000 / wall)),
    load: Deno.loadavg()[0],
  };
}

async function h264(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil_recbench_" });
  try {
    const src = join(dir, "cam720.mp4");
    await demoH264File(src, { width: 1280, height: 720, fps: 15, seconds: 33, gop: 15 });
    for (const mode of ["off", "events"]) {
      const run = await Deno.makeTempDir({ dir, prefix: mode });
      const v = await serve(run, { source: src }, { mode, segmentSeconds: 4 });
      try {
        console.log(JSON.stringify(await measure(v, `h264 1280x720 15fps, record ${mode}`)));
      } finally {
        await v.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Seconds of pre- and post-capture in the demo run: a demo event (4 s) then has a 60 s clip. */
const PRE_POST = 28;

async function demo(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil_recbench_" });
  const v = await serve(dir, { source: "demo" }, {
    mode: "continuous",
    segmentSeconds: 4,
    preCapture: PRE_POST,
    postCapture: PRE_POST,
  });
  const t0 = Date.now();
  try {
    console.log(JSON.stringify(await measure(v, "demo 640x480 15fps, libx264 veryfast")));
    const headers = { cookie: v.cookie };
    // the next event whose pre-capture was recorded: from its end + postCapture to a 200 for
    // its clip (the first 200 makes the clip: concat + serve), then the cached clip again
    const event = await poll(
      async () => {
        const list = await (await fetch(`${v.url}/api/events`, { headers })).json();
        return (list as { id: number; start: number; end: number | null }[])
          .find((e) => e.end !== null && e.start - PRE_POST * 1000 >= t0 + 4000);
      },
      120_000,
      "an event",
    );
    let made = 0, bytes = 0;
    while (!bytes) {
      const t = performance.now();
      const r = await fetch(`${v.url}/api/events/${event.id}/clip`, { headers });
      if (r.status === 200) {
        bytes = (await r.arrayBuffer()).byteLength;
        made = performance.now() - t;
      } else {
        await r.body?.cancel();
        await sleep(100);
      }
    }
    const servable = Date.now();
    const t = performance.now();
    const again = await fetch(`${v.url}/api/events/${event.id}/clip`, { headers });
    await again.arrayBuffer();
    console.log(JSON.stringify({
      run: `event clip (preCapture ${PRE_POST}, postCapture ${PRE_POST}, 4 s segments)`,
      clipSeconds: (Number(again.headers.get("x-clip-end")) -
        Number(again.headers.get("x-clip-start"))) / 1000,
      afterPostCaptureMs: servable - event.end! - PRE_POST * 1000,
      firstRequestMs: Math.round(made),
      cachedRequestMs: Math.round(performance.now() - t),
      mb: Math.round(bytes / 1e5) / 10,
    }));
    // a 60 s span through /api/export (made per request, never cached)
    const from = Date.now() - 70_000;
    const t2 = performance.now();
    const r = await fetch(
      `${v.url}/api/export?camera=bench&since=${from}&until=${from + 60_000}`,
      { headers },
    );
    const n = (await r.arrayBuffer()).byteLength;
    console.log(JSON.stringify({
      run: "60 s export (concat, -c copy, +faststart)",
      status: r.status,
      totalMs: Math.round(performance.now() - t2),
      mb: Math.round(n / 1e5) / 10,
    }));
  } finally {
    await v.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** One ffmpeg run for `seconds`, stdout discarded: % of one core. */
async function ffmpegCpu(args: string[], stdinFrom?: string[]): Promise<number> {
  const feeder = stdinFrom
    ? new Deno.Command("ffmpeg", { args: stdinFrom, stdout: "piped", stderr: "null" }).spawn()
    : null;
  const p = new Deno.Command("ffmpeg", {
    args,
    stdin: feeder ? "piped" : "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  if (feeder) feeder.stdout.pipeTo(p.stdin).catch(() => {});
  const drain = p.stdout.pipeTo(new WritableStream()).catch(() => {});
  await sleep(2000);
  const c0 = cpuMs(p.pid), t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = cpuMs(p.pid), wall = performance.now() - t0;
  p.kill("SIGKILL");
  feeder?.kill("SIGKILL");
  await p.status;
  await feeder?.status;
  await drain;
  return pct(c1 - c0, wall);
}

async function oneProcess(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil_recbench_" });
  try {
    const src = join(dir, "cam720.mp4");
    await demoH264File(src, { width: 1280, height: 720, fps: 15, seconds: 33, gop: 15 });
    const seg = (name: string) => [
      "-f",
      "segment",
      "-segment_time",
      "4",
      "-segment_format",
      "mp4",
      "-segment_format_options",
      "movflags=+frag_keyframe+empty_moov+default_base_moof",
      "-reset_timestamps",
      "1",
      join(dir, `${name}-%05d.mp4`),
    ];
    // H.264 camera: the capture (decode, gray + JPEG) with and without a copied segment output
    const capture = ffmpegArgs({
      source: src,
      passthrough: false,
      detectWidth: 320,
      detectHeight: 180,
      jpegQuality: 5,
      timeoutMs: 10_000,
    });
    const oneH264 = [...capture, "-map", "0:v:0", "-c:v", "copy", ...seg("one")];
    const recorder = [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-re",
      "-stream_loop",
      "-1",
      "-i",
      src,
      "-map",
      "0:v:0",
      "-c:v",
      "copy",
      ...seg("two"),
      "-map",
      "0:v:0",
      "-c:v",
      "copy",
      "-f",
      "framecrc",
      "pipe:1",
    ];
    const a = await ffmpegCpu(capture), b = await ffmpegCpu(oneH264), c = await ffmpegCpu(recorder);
    console.log(JSON.stringify({
      run: "h264 1280x720: one process vs two",
      captureAlonePct: a,
      onePlusCopiedSegmentsPct: b,
      secondRecorderProcessPct: c,
    }));
    // demo: the capture with a libx264 output from its own frames, vs a recorder fed JPEGs
    const demoCapture = ffmpegArgs({
      source: "demo",
      width: DEMO_WIDTH,
      height: DEMO_HEIGHT,
      fps: 15,
      passthrough: false,
      detectWidth: 320,
      detectHeight: 240,
      jpegQuality: 5,
      timeoutMs: 10_000,
    });
    const fc = demoCapture.indexOf("-filter_complex");
    const oneDemo = [...demoCapture];
    oneDemo[fc + 1] = oneDemo[fc + 1].replace("split=2[show][det]", "split=3[show][det][rec]") +
      ";[rec]format=yuv420p[recv]";
    oneDemo.push(
      "-map",
      "[recv]",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "28",
      "-bf",
      "0",
      "-force_key_frames",
      "expr:gte(t,n_forced*1)",
      ...seg("onedemo"),
    );
    const jpegs = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      demoGraph(640, 480, 15),
      "-c:v",
      "mjpeg",
      "-q:v",
      "5",
      "-f",
      "mpjpeg",
      "pipe:1",
    ];
    const recDemo = [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-f",
      "mpjpeg",
      "-i",
      "pipe:0",
      "-vf",
      "format=yuv420p",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "28",
      "-bf",
      "0",
      "-force_key_frames",
      "expr:gte(t,n_forced*1)",
      ...seg("twodemo"),
    ];
    const d = await ffmpegCpu(demoCapture), e = await ffmpegCpu(oneDemo);
    const f = await ffmpegCpu(recDemo, jpegs);
    console.log(JSON.stringify({
      run: "demo 640x480: one process vs two",
      captureAlonePct: d,
      onePlusEncodedSegmentsPct: e,
      secondRecorderFedJpegsPct: f,
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (!values.only || values.only === "h264") await h264();
if (!values.only || values.only === "demo") await demo();
if (!values.only || values.only === "oneproc") await oneProcess();
