/**
 * CPU per camera at 640x480, 15 fps: MJPEG pass-through vs re-encoding the display JPEGs.
 *
 *   deno run -A bench/capture_cpu.ts [seconds=20] [WIDTHxHEIGHT=640x480]
 *
 * A separate ffmpeg serves the demo scene as HTTP MJPEG (a stand-in for an MJPEG camera; its
 * own CPU is not counted). For each path, one CameraCapture reads it for `seconds` and we
 * report the capture ffmpeg's CPU (utime+stime from /proc/PID/stat) and this process's CPU
 * (the server side: demuxing, pairing), both as % of one core.
 */
import process from "node:process";
import { CameraCapture, demoGraph } from "../lib/capture/mod.ts";
import { freePort, mjpegHttpServer } from "../tests/capture_helpers.ts";

const seconds = Number(Deno.args[0] ?? 20);
const [width, height] = (Deno.args[1] ?? "640x480").split("x").map(Number);
const TICK = 100; // USER_HZ on Linux

function procCpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

async function measure(
  passthrough: boolean,
  inputArgs: string[] = [],
): Promise<Record<string, number | string | boolean>> {
  const port = freePort();
  const server = mjpegHttpServer(demoGraph(width, height, 15), port, 5);
  await new Promise((r) => setTimeout(r, 500));
  const cam = new CameraCapture({
    id: "bench",
    source: `http://127.0.0.1:${port}/`,
    passthrough,
    inputArgs,
    // Known up front: ffmpeg's -listen 1 server takes one client, so no relaunch for the size.
    detectWidth: 320,
    detectHeight: Math.round((height * 320) / width / 2) * 2,
  });
  let frames = 0;
  cam.onFrame = () => frames++;
  cam.start();
  const deadline = Date.now() + 10_000;
  while (cam.state !== "running") {
    if (Date.now() > deadline) throw new Error(`capture did not start: ${cam.message}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000)); // settle
  const pid = cam.pid!;
  const f0 = frames, ff0 = procCpuMs(pid), s0 = process.cpuUsage(), t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const ff1 = procCpuMs(pid), s1 = process.cpuUsage(s0), t1 = performance.now();
  const wall = t1 - t0;
  const result = {
    size: `${width}x${height}`,
    path: (passthrough ? "passthrough" : "re-encode") +
      (inputArgs.length ? " " + inputArgs.join(" ") : ""),
    activePassthrough: cam.passthrough,
    fps: Math.round(((frames - f0) * 1000 / wall) * 10) / 10,
    ffmpegCpuPct: Math.round(((ff1 - ff0) / wall) * 1000) / 10,
    serverCpuPct: Math.round((((s1.user + s1.system) / 1000) / wall) * 1000) / 10,
  };
  await cam.stop();
  await server.stop();
  return result;
}

console.log(JSON.stringify(await measure(true)));
console.log(JSON.stringify(await measure(true, ["-lowres", "1"])));
console.log(JSON.stringify(await measure(false)));
