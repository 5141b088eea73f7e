/**
 * Clips and exports: one MP4 from indexed segments, joined by ffmpeg's concat demuxer without
 * re-encoding (`-c copy`). The start is cut at the last keyframe at or before the wanted start
 * (so it is at most one keyframe interval early), the end at the first frame past the wanted
 * end (exact to a frame): the clip shows [start, end) of the wall clock with end >= the wanted
 * end, the last frame held until the next one (as a segment's end in the index is the next
 * segment's start, see CameraRecorder). `+faststart` puts the index first so a browser plays it at once.
 */
import { join } from "node:path";
import { runToEnd } from "../capture/process.ts";
import { denoSpawn } from "../capture/process.ts";
import type { Segment } from "./index.ts";
import { listPackets } from "./probe.ts";

/** A made clip: where it is and which wall-clock times it shows. */
export interface ClipInfo {
  /** Absolute path of the MP4. */
  path: string;
  /** Wall-clock time (epoch ms) of the clip's first frame. */
  start: number;
  /** Wall-clock time its last frame stops being the current picture (the next frame's). */
  end: number;
  /** `[videoMs, epochMs]` at the start of each joined piece (gaps between segments are skipped). */
  map: [number, number][];
  bytes: number;
}

/** Segments further apart than this are a gap the clip skips. */
const GAP_MS = 1000;

function quote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * Joins the segments covering [from, to) into `out` (written to `out + ".tmp"` first, then
 * renamed). Returns null when no segment overlaps the span.
 */
export async function makeClip(opts: {
  dataDir: string;
  segments: Segment[];
  from: number;
  to: number;
  out: string;
  ffmpegPath?: string;
}): Promise<ClipInfo | null> {
  const all = [...opts.segments].sort((a, b) => a.start - b.start);
  const segs = all.filter((s) => s.end > opts.from && s.start < opts.to);
  if (!segs.length) return null;
  const first = segs[0], last = segs[segs.length - 1];
  // the last frame of a segment stays on screen until the next segment's first one
  const after = all[all.indexOf(last) + 1];
  const lastEnd = after && after.start - last.end < GAP_MS ? after.start : last.end;
  const abs = (s: Segment) => join(opts.dataDir, s.path);

  // the last keyframe at or before the wanted start (file times; with B-frames the first
  // frame is shown a little after 0, which `base` takes out)
  let inMs = 0, inWall = 0;
  const want = opts.from - first.start;
  if (want > 0) {
    const packets = await listPackets(abs(first), { ffmpegPath: opts.ffmpegPath });
    const base = packets.length ? Math.min(...packets.map((p) => p.pts)) : 0;
    const keys = packets.filter((p) => p.key).map((p) => p.pts).sort((a, b) => a - b);
    for (const k of keys) {
      if (k - base <= want + 1) [inMs, inWall] = [k, k - base];
    }
  }
  const outMs = opts.to < lastEnd ? opts.to - last.start : null;

  const lines = ["ffconcat version 1.0"];
  const map: [number, number][] = [];
  let video = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i], next = segs[i + 1];
    lines.push(`file ${quote(abs(s))}`);
    const from = s === first ? inWall : 0;
    if (s === first && inMs > 0) lines.push(`inpoint ${(inMs / 1000).toFixed(6)}`);
    let span: number;
    if (s === last && outMs !== null) {
      lines.push(`outpoint ${(outMs / 1000).toFixed(6)}`);
      span = outMs - from;
    } else {
      // a piece lasts until the next segment starts (the wall clock's time, so the clip's
      // time is the wall clock's); across a real gap (camera or recorder down) the gap is
      // left out and `map` notes the jump
      const until = next && next.start - s.end < GAP_MS ? next.start : s.end;
      span = until - s.start - from;
      lines.push(`duration ${(Math.max(0, span) / 1000).toFixed(6)}`);
    }
    map.push([Math.round(video), Math.round(s.start + from)]);
    video += Math.max(0, span);
  }
  const list = `${opts.out}.ffconcat`;
  const tmp = `${opts.out}.tmp`;
  await Deno.mkdir(join(opts.out, ".."), { recursive: true });
  await Deno.writeTextFile(list, lines.join("\n") + "\n");
  try {
    const r = await runToEnd(denoSpawn, opts.ffmpegPath ?? "ffmpeg", [
      "-hide_banner",
      "-nostdin",
      "-v",
      "error",
      "-y",
      "-f",
      "concat",
      "-safe",
      "0",
      "-i",
      list,
      "-map",
      "0:v:0",
      "-c",
      "copy",
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      tmp,
    ], 120_000);
    if (r.code !== 0) {
      await Deno.remove(tmp).catch(() => {});
      throw new Error(
        `ffmpeg could not join the segments (code ${r.code}): ${r.stderr.trim().split("\n").pop()}`,
      );
    }
    await Deno.rename(tmp, opts.out);
  } finally {
    await Deno.remove(list).catch(() => {});
  }
  const bytes = (await Deno.stat(opts.out)).size;
  const start = first.start + inWall;
  // the clip shows the scene until its last frame stops being the current picture: when the
  // next frame of the recording appears (wall clock), or the next segment starts. Not the
  // file's length: its last frame lasts a nominal frame time that ffmpeg makes up, not the
  // wall clock's, so that length may end before `to` or after the segment. Which frames the
  // outpoint kept (with B-frames, not simply those before it) is read from the clip itself.
  const shown = (await listPackets(opts.out, { ffmpegPath: opts.ffmpegPath })).map((p) => p.pts);
  const lastShown = shown.length ? start + Math.max(...shown) - Math.min(...shown) : start;
  let end = lastEnd;
  if (outMs !== null) {
    const packets = await listPackets(abs(last), { ffmpegPath: opts.ffmpegPath });
    const base = packets.length ? Math.min(...packets.map((p) => p.pts)) : 0;
    // (1 ms: the clip's time base rounds; frames are tens of ms apart)
    const later = packets.map((p) => last.start + p.pts - base).filter((t) => t > lastShown + 1);
    if (later.length) end = Math.min(...later);
  }
  return { path: opts.out, start, end, map, bytes };
}
