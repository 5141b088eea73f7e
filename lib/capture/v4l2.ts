/** V4L2 (USB and Pi cameras): finding devices and the formats they offer. */

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
 * Asks ffmpeg which formats `device` offers. Throws an Error whose message says what went
 * wrong (no such device, permission, not a camera) when the list is empty.
 */
export async function listFormats(
  device: string,
  opts: { ffmpegPath?: string; spawn?: Spawner } = {},
): Promise<V4l2Format[]> {
  const { stderr } = await runToEnd(opts.spawn ?? denoSpawn, opts.ffmpegPath ?? "ffmpeg", [
    "-hide_banner",
    "-nostdin",
    "-f",
    "v4l2",
    "-list_formats",
    "all",
    "-i",
    device,
  ]);
  const formats = parseV4l2Formats(stderr);
  if (formats.length === 0) {
    const last = stderr.trim().split("\n").at(-1) ?? "";
    throw new Error(`Cannot list the formats of ${device}: ${last}`);
  }
  return formats;
}

/** The input format Vigil prefers among those offered: MJPEG first, else the driver's choice. */
export function preferredInputFormat(formats: V4l2Format[]): string | undefined {
  return formats.some((f) => f.format === "mjpeg") ? "mjpeg" : undefined;
}
