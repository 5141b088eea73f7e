/**
 * Live view cost and latency: JPEG frames (`/ws` live) against the camera's own H.264 relayed
 * to the browser with Media Source Extensions (`/ws?video=mse`), in one run, one server:
 *
 *   deno run -A --lock=tests/deno.lock bench/mse_live.ts [--seconds 20] [--still]
 *
 * The camera is an RTSP stream (tests/capture_rtsp_server.ts) of a 1280×720 15 fps H.264
 * scene (libx264 ultrafast, zerolatency, a keyframe each 2 s) with each frame's number drawn
 * as a 14-bit barcode of white blocks. The encoder also writes every frame, tiny, to a
 * `framecrc` output on its stdout: the time its line is read is when the frame was made
 * ("glass"). Headless chromium shows the viewer and reads the barcode of each frame it shows:
 * JPEG on the image's load, video in requestVideoFrameCallback (its expected display time);
 * latency = that time − glass time, same clock. CPU (% of one core) from /proc for the server
 * (Deno), its ffmpegs (capture, relay) and chromium, over `--seconds` per phase: no viewer,
 * JPEG live, H.264 video.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { login, startVigil } from "../tests/helpers/server.ts";
import { startRtspServer } from "../tests/capture_rtsp_server.ts";
import { launchChromium, type Page } from "../tests/helpers/browser.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    // The whole picture masked: the detector sees nothing move, as on a quiet camera, so no
    // motion frame needs a JPEG (testsrc2 moves everywhere, every frame).
    still: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const CLK_TCK = 100;
const BITS = 14;
const W = 1280;
const H = 720;
/** Block k of the barcode: its centre, in source pixels. */
const block = (k: number) => ({ x: 60 + k * 80 + 30, y: 620 + 30 });

function barcodeFilter(): string {
  const boxes = [`drawbox=x=40:y=600:w=${BITS * 80 + 40}:h=100:color=black:t=fill`];
  for (let k = 0; k < BITS; k++) {
    boxes.push(
      `drawbox=x=${60 + k * 80}:y=620:w=60:h=60:color=white:t=fill:` +
        `enable='eq(mod(floor(n/${2 ** k}),2),1)'`,
    );
  }
  return boxes.join(",");
}

/** frame number → epoch ms its framecrc line was read. */
const glass = new Map<number, number>();

function encoder(rtpOutput: string[]) {
  const proc = new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=s=${W}x${H}:r=15`,
      "-filter_complex",
      `[0:v]${barcodeFilter()},split=2[v][t];[t]scale=8:8,format=gray[s]`,
      "-map",
      "[v]",
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-tune",
      "zerolatency",
      "-g",
      "30",
      "-pix_fmt",
      "yuv420p",
      ...rtpOutput,
      "-map",
      "[s]",
      "-f",
      "framecrc",
      "-flush_packets",
      "1",
      "pipe:1",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reading = (async () => {
    const dec = new TextDecoder();
    let rest = "";
    let n = 0;
    for await (const chunk of proc.stdout) {
      const now = Date.now();
      const lines = (rest + dec.decode(chunk, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) if (/^0,/.test(l)) glass.set(n++, now);
    }
  })();
  return {
    async stop() {
      try {
        proc.kill("SIGKILL");
      } catch { /* gone */ }
      await proc.status;
      await reading;
    },
  };
}

function cpuTicks(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

/** Processes by role: the server, its capture and relay ffmpegs, and every chromium. */
function roles(server: number): Record<string, number[]> {
  const out: Record<string, number[]> = { server: [server], capture: [], relay: [], browser: [] };
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (ppid === server && cmd.includes("\0matroska\0")) out.capture.push(Number(e.name));
      else if (ppid === server && cmd.includes("frag_every_frame")) out.relay.push(Number(e.name));
      else if (/chrom/.test(cmd.split("\0")[0])) out.browser.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}

async function measureCpu(server: number): Promise<Record<string, number>> {
  const pids = roles(server);
  const before = Object.fromEntries(
    Object.entries(pids).map(([k, list]) => [k, list.map(cpuTicks)]),
  );
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const out: Record<string, number> = {};
  for (const [k, list] of Object.entries(pids)) {
    let ticks = 0;
    list.forEach((pid, i) => {
      const d = cpuTicks(pid) - before[k][i];
      if (Number.isFinite(d)) ticks += d;
    });
    out[k] = Math.round((ticks * 1000 / CLK_TCK) / (seconds * 1000) * 1000) / 10;
  }
  return out;
}

/** Installed in the page: reads the barcode of each shown picture into window.__seen. */
function watchPictures(arg: { bits: number; blocks: { x: number; y: number }[]; w: number }) {
  const seen: { n: number; at: number }[] = [];
  (globalThis as unknown as { __seen: typeof seen }).__seen = seen;
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true })!;
  const read = (src: CanvasImageSource, width: number, height: number): number => {
    canvas.width = width;
    canvas.height = height;
    g.drawImage(src, 0, 0, width, height);
    const s = width / arg.w;
    let n = 0;
    for (let k = 0; k < arg.bits; k++) {
      const p =
        g.getImageData(Math.round(arg.blocks[k].x * s), Math.round(arg.blocks[k].y * s), 1, 1)
          .data;
      if (p[0] + p[1] + p[2] > 3 * 128) n |= 1 << k;
    }
    return n;
  };
  const img = document.querySelector(".stage img.frame") as HTMLImageElement;
  img.addEventListener("load", () => {
    if (!img.hidden) {
      seen.push({ n: read(img, img.naturalWidth, img.naturalHeight), at: Date.now() });
    }
  });
  const video = document.querySelector("[data-testid=live-video]") as HTMLVideoElement;
  type Meta = { expectedDisplayTime: number };
  const onFrame = (_now: number, meta: Meta) => {
    if (!video.hidden && video.videoWidth) {
      seen.push({
        n: read(video, video.videoWidth, video.videoHeight),
        at: Date.now() + (meta.expectedDisplayTime - performance.now()),
      });
    }
    (video as unknown as { requestVideoFrameCallback(cb: typeof onFrame): void })
      .requestVideoFrameCallback(onFrame);
  };
  (video as unknown as { requestVideoFrameCallback(cb: typeof onFrame): void })
    .requestVideoFrameCallback(onFrame);
}

function stats(list: number[]): string {
  if (!list.length) return "no frames";
  const s = [...list].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${s.at(-1)} ms (${s.length} frames)`;
}

async function latencies(page: Page): Promise<number[]> {
  const seen = await page.evaluate(() =>
    (globalThis as unknown as { __seen: { n: number; at: number }[] }).__seen.splice(0)
  );
  // n wraps at 2^BITS; frames seen are recent, so take the latest frame with that residue
  const newest = Math.max(...glass.keys());
  const out: number[] = [];
  for (const { n, at } of seen) {
    let full = newest - ((newest - n) % 2 ** BITS + 2 ** BITS) % 2 ** BITS;
    while (full >= 0 && !glass.has(full)) full -= 2 ** BITS;
    const g = glass.get(full);
    if (g !== undefined && at - g >= 0 && at - g < 10_000) out.push(Math.round(at - g));
  }
  return out;
}

const rtsp = await startRtspServer({ encoder });
const dir = await Deno.makeTempDir({ prefix: "vigil-mse-bench-" });
const config = join(dir, "vigil.json");
await Deno.writeTextFile(
  config,
  JSON.stringify({
    record: { mode: "off" },
    // no object labels: the live paths are measured, not the classifier
    objects: { enabled: false },
    cameras: [{
      id: "cam",
      name: "Bench",
      source: rtsp.url,
      ...(values.still ? { detector: { masks: [[[0, 0], [W, 0], [W, H], [0, H]]] } } : {}),
    }],
  }),
);
const vigil = await startVigil({ source: null, args: ["--config", config] });
const browser = await launchChromium();
try {
  const cookie = await login(vigil.url, vigil.password);
  const [name, value] = cookie.split("=");
  const context = await browser.newContext();
  await context.addCookies([{ name, value, url: vigil.url }]);
  const args = {
    bits: BITS,
    blocks: Array.from({ length: BITS }, (_, k) => block(k)),
    w: W,
  };
  const report: string[] = [];
  let camera: { state: string; message: string } = { state: "", message: "" };
  for (let i = 0; i < 300 && camera.state !== "running"; i++) {
    await new Promise((r) => setTimeout(r, 100));
    camera = (await fetch(`${vigil.url}/api/health`).then((r) => r.json())).cameras[0];
  }
  report.push(`camera: ${camera.state}: ${camera.message}`);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = await measureCpu(vigil.pid);
  report.push(`no viewer:      CPU ${JSON.stringify(idle)}`);

  // H.264 first: a JPEG live client leaves the capture encoding every frame for 30 s after.
  for (const video of ["mse", "jpeg"] as const) {
    const page = await context.newPage();
    await page.goto(`${vigil.url}/?camera=cam&mode=live&video=${video}&delta=0`);
    if (video === "mse") {
      await page.waitForSelector("[data-testid=video-state][data-video=mse]", { timeout: 30_000 });
    } else await page.waitForSelector(".stage img.frame[src]", { timeout: 30_000 });
    await page.evaluate(watchPictures, args);
    await new Promise((r) => setTimeout(r, 3000)); // settle
    await latencies(page);
    const cpu = await measureCpu(vigil.pid);
    const lat = await latencies(page);
    report.push(
      `${video === "jpeg" ? "JPEG live:     " : "H.264 (MSE):   "} CPU ${JSON.stringify(cpu)}\n` +
        `                glass-to-browser ${stats(lat)}`,
    );
    await page.close();
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(
    `${seconds} s per phase, 1280x720 15 fps H.264 over RTSP${
      values.still ? ", the whole picture masked" : ""
    }; CPU in % of one core`,
  );
  console.log(report.join("\n"));
} finally {
  await browser.close();
  await vigil.close();
  await rtsp.close();
  await Deno.remove(dir, { recursive: true });
}
