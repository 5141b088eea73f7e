/**
 * Small ffmpeg runs that read files and sources (ffmpeg only: Vigil may run `ffmpeg`, not
 * `ffprobe`). Packets are listed with ffmpeg's `framecrc` muxer, which reads without decoding.
 */
import { denoSpawn, runToEnd } from "../capture/process.ts";
import type { Spawner } from "../capture/process.ts";

/** One video packet of a file, times in ms from the file's start. */
export interface Packet {
  pts: number;
  dts: number;
  duration: number;
  key: boolean;
}

/** A `framecrc` time base line `#tb 0: 1/15360` → seconds per tick. */
export function parseTimeBase(line: string): number | null {
  const m = /^#tb 0: (\d+)\/(\d+)/.exec(line);
  return m ? Number(m[1]) / Number(m[2]) : null;
}

/** A `framecrc` packet line `0,  dts,  pts,  duration,  size, 0xcrc[, F=0x..]` (stream 0 only). */
export function parseFramecrc(line: string, tbSeconds: number): Packet | null {
  const m = /^0,\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*\d+,\s*0x[0-9a-f]+(?:,\s*F=0x([0-9a-f]+))?/i
    .exec(line);
  if (!m) return null;
  const ms = tbSeconds * 1000;
  // framecrc prints flags only when they differ from "keyframe" (F=0x1 would be a key too)
  const key = m[4] === undefined || (parseInt(m[4], 16) & 1) === 1;
  return { dts: Number(m[1]) * ms, pts: Number(m[2]) * ms, duration: Number(m[3]) * ms, key };
}

/**
 * The video packets of a (possibly truncated) file in decoding order; empty when ffmpeg
 * cannot read it at all.
 */
export async function listPackets(
  path: string,
  opts: { ffmpegPath?: string; spawn?: Spawner } = {},
): Promise<Packet[]> {
  const { stdout } = await runToEnd(opts.spawn ?? denoSpawn, opts.ffmpegPath ?? "ffmpeg", [
    "-hide_banner",
    "-nostdin",
    "-v",
    "quiet",
    "-i",
    path,
    "-map",
    "0:v:0",
    "-c",
    "copy",
    "-f",
    "framecrc",
    "pipe:1",
  ], 20_000);
  let tb = 0;
  const out: Packet[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith("#")) {
      tb = parseTimeBase(line) ?? tb;
      continue;
    }
    const p = tb ? parseFramecrc(line, tb) : null;
    if (p) out.push(p);
  }
  return out;
}

/** Playable length of a file in ms (last presentation end), 0 when nothing can be read. */
export function packetsDuration(packets: Packet[]): number {
  if (!packets.length) return 0;
  const first = Math.min(...packets.map((p) => p.pts));
  const last = Math.max(...packets.map((p) => p.pts + p.duration));
  return last - first;
}

/**
 * The codec of a source's first video stream ("h264", "mjpeg", …), from ffmpeg's own report
 * of the input; null when ffmpeg cannot open it within `timeoutMs` (then `stderr` says why).
 */
export async function sourceVideoCodec(
  inputArgs: string[],
  opts: { ffmpegPath?: string; spawn?: Spawner; timeoutMs?: number } = {},
): Promise<{ codec: string | null; code: number; stderr: string[] }> {
  const { stderr, code } = await runToEnd(
    opts.spawn ?? denoSpawn,
    opts.ffmpegPath ?? "ffmpeg",
    ["-hide_banner", "-nostdin", ...inputArgs],
    opts.timeoutMs ?? 15_000,
  );
  const m = /Stream #\d+:\d+[^:]*: Video: ([a-z0-9_]+)/.exec(stderr);
  const lines = stderr.split("\n").filter((l) =>
    l.trim() && !/output file must be specified/.test(l)
  );
  return { codec: m ? m[1] : null, code, stderr: lines };
}
