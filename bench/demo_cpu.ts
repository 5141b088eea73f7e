/**
 * CPU of the demo camera's ffmpeg: the live lavfi graph with a JPEG encoded per frame (before)
 * against the pre-rendered MJPEG loop played with its JPEGs passed through (lib/capture/demo.ts).
 *
 *   deno run -A bench/demo_cpu.ts [--seconds 20] [--rounds 3]
 *
 * Both run the exact command line the camera runs (ffmpegArgs() of lib/capture, default demo
 * size 640x480 @ 15 fps, detection at 320x240), with the Matroska output read and dropped as
 * the server would read it; the two alternate, `rounds` times, and the medians are printed, as
 * % of one core from /proc/PID/stat (utime + stime) over `seconds` after a 2 s warm-up. Also
 * the one-off cost of rendering the loop.
 */
import { parseArgs } from "node:util";
import { DEMO_FPS, DEMO_HEIGHT, DEMO_WIDTH, ffmpegArgs } from "../lib/capture/ffmpeg_args.ts";
import type { FfmpegPlan } from "../lib/capture/ffmpeg_args.ts";
import { demoLoop } from "../lib/capture/demo.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    rounds: { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const CLK_TCK = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

function minflt(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[7]); // minflt
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(plan: FfmpegPlan): Promise<{ cpu: number; faultsPerFrame: number }> {
  const child = new Deno.Command("ffmpeg", {
    args: ffmpegArgs(plan),
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let bytes = 0;
  const reading = (async () => {
    for await (const chunk of child.stdout) bytes += chunk.length;
  })();
  await sleep(2000);
  const c0 = cpuMs(child.pid), f0 = minflt(child.pid), t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = cpuMs(child.pid), f1 = minflt(child.pid), t1 = performance.now();
  child.kill("SIGKILL");
  await child.status;
  await reading.catch(() => {});
  if (bytes === 0) throw new Error("ffmpeg wrote nothing");
  const frames = ((t1 - t0) / 1000) * DEMO_FPS;
  return { cpu: (100 * (c1 - c0)) / (t1 - t0), faultsPerFrame: (f1 - f0) / frames };
}

const dir = await Deno.makeTempDir({ prefix: "vigil_demo_bench_" });
try {
  const t = performance.now();
  const loop = await demoLoop({ dir, jpegQuality: 5 });
  const renderMs = performance.now() - t;
  const base: FfmpegPlan = {
    source: "demo",
    width: DEMO_WIDTH,
    height: DEMO_HEIGHT,
    fps: DEMO_FPS,
    passthrough: false,
    detectWidth: 320,
    detectHeight: 240,
    jpegQuality: 5,
    timeoutMs: 10_000,
  };
  const plans: Record<string, FfmpegPlan> = {
    "live graph (before)": base,
    "pre-rendered loop": { ...base, demoLoop: loop, passthrough: true },
  };
  const results: Record<string, { cpu: number; faultsPerFrame: number }[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, plan] of Object.entries(plans)) {
      const m = await measure(plan);
      (results[name] ??= []).push(m);
      console.log(
        `round ${r + 1} ${name}: ${m.cpu.toFixed(1)} % of a core, ${
          m.faultsPerFrame.toFixed(0)
        } page faults/frame`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\ndemo ${DEMO_WIDTH}x${DEMO_HEIGHT} @ ${DEMO_FPS} fps, ffmpeg CPU, median of ${rounds} x ${seconds} s:`,
  );
  for (const [name, ms] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(20)} ${median(ms.map((m) => m.cpu)).toFixed(1)} % of a core, ${
        median(ms.map((m) => m.faultsPerFrame)).toFixed(0)
      } page faults/frame`,
    );
  }
  console.log(
    `  loop rendered once in ${renderMs.toFixed(0)} ms (${
      (Deno.statSync(loop).size / 1e6).toFixed(1)
    } MB)`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
