/** V4L2 (USB and Pi cameras): finding devices, the formats they offer, and which one to use. */

import { CaptureError, explainExit, FFMPEG_MISSING } from "./errors.ts";
import { denoSpawn, runToEnd, type Spawner } from "./process.ts";

/** One pixel format a V4L2 device offers, as `ffmpeg -f v4l2 -list_formats all` prints it. */
export interface V4l2Format {
  /** "raw" (e.g. yuyv422) or "compressed" (e.g. mjpeg, h264). */
  kind: "raw" | "compressed";
  /** ffmpeg's name for it, usable as `inputFormat`: "mjpeg", "yuyv422", … */
  format: string;
  description: string;
  /** Frame sizes such as "640x480", or a range such as "{32-4096, 2}x{32-2304, 2}". */
  sizes: string[];
}

/** The video devices present, e.g. ["/dev/video0", "/dev/video1"], in number order. */
export function listDevices(dir = "/dev"): string[] {
  const found: number[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      const m = /^video(\d+)$/.exec(entry.name);
      if (m) found.push(Number(m[1]));
    }
  } catch {
    return [];
  }
  return found.sort((a, b) => a - b).map((n) => `${dir}/video${n}`);
}

/** Parses the lines `ffmpeg -f v4l2 -list_formats all -i DEV` writes to stderr. */
export function parseV4l2Formats(stderr: string): V4l2Format[] {
  const formats: V4l2Format[] = [];
  // "Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240"
  const line = /\]\s*(Raw|Compressed)\s*:\s*(\S+)\s+:\s+(.*?)\s+:(?:\s*Emulated\s*:)?\s*(.*)$/;
  for (const text of stderr.split(/\r?\n/)) {
    const m = line.exec(text);
    if (!m) continue;
    formats.push({
      kind: m[1] === "Raw" ? "raw" : "compressed",
      format: m[2],
      description: m[3],
      sizes: m[4].trim() ? m[4].trim().split(/\s+(?![^{]*\})/) : [],
    });
  }
  return formats;
}

/**
 * Asks ffmpeg which formats `device` offers. Throws a CaptureError whose message says what
 * went wrong and what to do (no such device, permission, not a camera, ffmpeg missing).
 */
export async function listFormats(
  device: string,
  opts: { ffmpegPath?: string; spawn?: Spawner } = {},
): Promise<V4l2Format[]> {
  const program = opts.ffmpegPath ?? "ffmpeg";
  let result;
  try {
    result = await runToEnd(opts.spawn ?? denoSpawn, program, [
      "-hide_banner",
      "-nostdin",
      "-f",
      "v4l2",
      "-list_formats",
      "all",
      "-i",
      device,
    ]);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new CaptureError(FFMPEG_MISSING, null, []);
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      throw new CaptureError(
        `Vigil may not run ${program} (start Deno with --allow-run=ffmpeg)`,
        null,
        [],
      );
    }
    throw err;
  }
  const formats = parseV4l2Formats(result.stderr);
  if (formats.length === 0) {
    const lines = result.stderr.split(/\r?\n/).filter((l) => l.trim() !== "");
    // ffmpeg's lister always "fails" (it exits after listing), so only its words count here.
    throw new CaptureError(explainExit(device, result.code, null, lines), result.code, lines);
  }
  return formats;
}

/** Whether `format` offers `width`x`height`: listed exactly, or inside a stepwise range. */
export function offersSize(format: V4l2Format, width: number, height: number): boolean {
  // A driver that enumerates no sizes says nothing either way: let it try.
  if (format.sizes.length === 0) return true;
  for (const size of format.sizes) {
    if (size === `${width}x${height}`) return true;
    const r = /^\{(\d+)-(\d+),\s*(\d+)\}x\{(\d+)-(\d+),\s*(\d+)\}$/.exec(size);
    if (!r) continue;
    const [minW, maxW, stepW, minH, maxH, stepH] = r.slice(1).map(Number);
    const fits = (v: number, min: number, max: number, step: number) =>
      v >= min && v <= max && (v - min) % Math.max(1, step) === 0;
    if (fits(width, minW, maxW, stepW) && fits(height, minH, maxH, stepH)) return true;
  }
  return false;
}

/**
 * The input format Vigil asks for among those offered: MJPEG first (its JPEGs are passed
 * through), else a raw format, else another compressed one; with a wanted size, only formats
 * that offer it. Undefined leaves the choice to the driver (nothing listed, or nothing offers
 * the size: ffmpeg then says what the camera refused).
 */
export function preferredInputFormat(
  formats: V4l2Format[],
  want?: { width: number; height: number },
): string | undefined {
  const usable = want ? formats.filter((f) => offersSize(f, want.width, want.height)) : formats;
  if (!want) return usable.some((f) => f.format === "mjpeg") ? "mjpeg" : undefined;
  const pick = usable.find((f) => f.format === "mjpeg") ?? usable.find((f) => f.kind === "raw") ??
    usable[0];
  return pick?.format;
}
