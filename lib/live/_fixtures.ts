/**
 * Test fixtures for lib/live: camera-like JPEG frames made by ffmpeg alone (no data files):
 * the demo scene, and the same scene bigger with sensor-like noise that changes every frame
 * (like vtest.avi's, so most tiles differ a little all the time).
 */
import { demoGraph } from "../capture/ffmpeg_args.ts";

/** `count` JPEG frames of a lavfi `graph`, as the camera's display path encodes them (q 5). */
export async function lavfiJpegs(graph: string, count: number): Promise<Uint8Array[]> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-live-" });
  try {
    const out = await new Deno.Command("ffmpeg", {
      args: [
        ...["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", graph],
        ...["-frames:v", String(count), "-vf", "format=yuvj420p", "-q:v", "5"],
        `${dir}/f%04d.jpg`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const frames: Uint8Array[] = [];
    for (let i = 1; i <= count; i++) {
      frames.push(await Deno.readFile(`${dir}/f${String(i).padStart(4, "0")}.jpg`));
    }
    return frames;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The demo scene, 640×480 at 15 fps: `seconds` of it from its start (the block crosses at 2 s). */
export function demoFrames(seconds: number): Promise<Uint8Array[]> {
  return lavfiJpegs(demoGraph(), Math.round(seconds * 15));
}

/** The demo scene at vtest.avi's size and rate (768×576, 10 fps) with temporal noise. */
export function noisyFrames(seconds: number): Promise<Uint8Array[]> {
  return lavfiJpegs(`${demoGraph(768, 576, 10)},noise=alls=5:allf=t`, Math.round(seconds * 10));
}
