/**
 * CPU of the real server per camera: MJPEG pass-through vs re-encoding the display JPEGs.
 *
 *   deno run -A bench/capture_cpu.ts [--seconds 30] [--size 640x480] [--fps 15]
 *                                    [--path both|passthrough|reencode]
 *
 * A separate ffmpeg encodes the demo scene to JPEGs, served as HTTP MJPEG by this process (a
 * stand-in for an MJPEG camera; neither's CPU is counted). For each path, Vigil itself (main.ts, as `deno task start` runs it) gets
 * a --config file with that one camera, `"passthrough": false` forcing the re-encode path; after
 * it runs, we read /proc/PID/stat (utime+stime) of the server process and of its ffmpeg child
 * over `seconds` and print both as % of one core, with the frame rate /api/health reports.
 * The server's share is everything it does per frame: Matroska reading, pairing, detection,
 * the bus, storing motion frames (no browser connected).
 */
import { parseArgs } from "node:util";
import { demoGraph } from "../lib/capture/mod.ts";
import { mjpegCamera, sleep } from "../tests/capture_helpers.ts";
import { startVigil } from "../tests/helpers/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "30" },
    size: { type: "string", default: "640x480" },
    fps: { type: "string", default: "15" },
    path: { type: "string", default: "both" },
  },
});
const seconds = Number(values.seconds);
const [width, height] = values.size.split("x").map(Number);
const fps = Number(values.fps);
const CLK_TCK = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** The server's ffmpeg: its child named ffmpeg. */
function ffmpegChild(parent: number): number | undefined {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && comm === "ffmpeg") return Number(entry.name);
    } catch {
      // ended meanwhile
    }
  }
}

interface Health {
  cameras: { state: string; fps: number; message: string }[];
}

async function measure(passthrough: boolean): Promise<Record<string, unknown>> {
  const camera = mjpegCamera(demoGraph(width, height, fps), 5);
  const dir = await Deno.makeTempDir({ prefix: "vigil_bench_" });
  const config = `${dir}/vigil.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      cameras: [{
        id: "bench",
        source: camera.url,
        // The default ("auto") passes an MJPEG stream's JPEGs through; false re-encodes them.
        ...(passthrough ? {} : { passthrough: false }),
      }],
    }),
  );
  const vigil = await startVigil({ source: null, args: ["--config", config], dataDir: dir });
  try {
    const health = async () =>
      (await (await fetch(`${vigil.url}/api/health`)).json() as Health).cameras[0];
    const deadline = Date.now() + 15_000;
    for (let cam = await health(); cam?.state !== "running"; cam = await health()) {
      if (Date.now() > deadline) throw new Error(`camera not running: ${cam?.message}`);
      await sleep(200);
    }
    await sleep(2000); // settle
    const ffmpeg = ffmpegChild(vigil.pid);
    if (!ffmpeg) throw new Error("the server's ffmpeg was not found");
    const s0 = cpuMs(vigil.pid), f0 = cpuMs(ffmpeg), t0 = performance.now();
    await sleep(seconds * 1000);
    const s1 = cpuMs(vigil.pid), f1 = cpuMs(ffmpeg), wall = performance.now() - t0;
    const cam = await health();
    const pct = (ms: number) => Math.round((ms / wall) * 1000) / 10;
    return {
      size: `${width}x${height}`,
      path: passthrough ? "passthrough" : "re-encode",
      jpegs: /passed through/.test(cam.message) ? "camera's, copied" : "encoded by ffmpeg",
      seconds,
      fps: cam.fps,
      ffmpegCpuPct: pct(f1 - f0),
      serverCpuPct: pct(s1 - s0),
      load: Deno.loadavg()[0],
    };
  } finally {
    await vigil.close();
    await camera.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const paths = values.path === "both" ? [true, false] : [values.path === "passthrough"];
for (const passthrough of paths) console.log(JSON.stringify(await measure(passthrough)));
