/**
 * ffmpeg's command line for a camera's recorder: MP4 segments, fragmented so a segment cut
 * short by a kill still plays up to its last keyframe, with the list of closed segments (CSV)
 * on stdout.
 *
 * - `copy`: the source is H.264 (RTSP camera, H.264 file): its packets are copied (`-c copy`),
 *   and a second output, `framecrc`, also on stdout, reports each packet as it passes so the
 *   recorder can map the stream's clock to the wall clock.
 * - `encode`: anything else (demo, V4L2, HTTP MJPEG): Vigil writes the display JPEGs it
 *   already has to ffmpeg's stdin (multipart JPEG) and libx264 encodes them; each frame is
 *   stamped with its arrival time (`RTCTIME`) relative to `epochMs`, so segment times are
 *   wall-clock times.
 */
import type { RecordSettings } from "./settings.ts";

export const FRAG_MOVFLAGS = "+frag_keyframe+empty_moov+default_base_moof";

export interface RecordPlan {
  mode: "copy" | "encode";
  /** copy: the input part of the command (lib/capture's inputArgs for the source). */
  input?: string[];
  /** Folder the segments are written to while open. */
  dir: string;
  /** Prefix of this run's segment names: `<prefix>-00000.mp4`, … */
  prefix: string;
  /** encode: wall-clock ms that stream time 0 stands for. */
  epochMs?: number;
  settings: RecordSettings;
}

function segmentOutput(plan: RecordPlan): string[] {
  return [
    "-f",
    "segment",
    "-segment_time",
    String(plan.settings.segmentSeconds),
    "-segment_format",
    "mp4",
    "-segment_format_options",
    `movflags=${FRAG_MOVFLAGS}`,
    "-reset_timestamps",
    "1",
    "-segment_list",
    "pipe:1",
    "-segment_list_type",
    "csv",
    `${plan.dir}/${plan.prefix}-%05d.mp4`,
  ];
}

export function recordArgs(plan: RecordPlan): string[] {
  const head = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"];
  if (plan.mode === "copy") {
    if (!plan.input) throw new TypeError("a copy recording needs the source's input arguments");
    return [
      ...head,
      ...plan.input,
      "-map",
      "0:v:0",
      "-c:v",
      "copy",
      "-an",
      "-sn",
      "-dn",
      ...segmentOutput(plan),
      "-map",
      "0:v:0",
      "-c:v",
      "copy",
      "-f",
      "framecrc",
      "-flush_packets",
      "1",
      "pipe:1",
    ];
  }
  if (plan.epochMs === undefined) throw new TypeError("an encoded recording needs epochMs");
  const s = plan.settings;
  const filters = [
    "settb=1/1000",
    `setpts=(RTCTIME-${Math.round(plan.epochMs * 1000)})/(TB*1000000)`,
  ];
  if (s.width && s.height) filters.push(`scale=${s.width}:${s.height}`);
  filters.push("format=yuv420p");
  return [
    ...head,
    "-f",
    "mpjpeg",
    "-i",
    "pipe:0",
    "-map",
    "0:v:0",
    "-vf",
    filters.join(","),
    "-enc_time_base",
    "1/1000",
    "-fps_mode",
    "passthrough",
    "-c:v",
    "libx264",
    "-preset",
    s.preset,
    "-crf",
    String(s.crf),
    "-profile:v",
    "high",
    // no B-frames: presentation and decoding times are equal, so clips cut and join exactly
    "-bf",
    "0",
    "-force_key_frames",
    `expr:if(isnan(prev_forced_t),1,gte(t,prev_forced_t+${s.keyframeSeconds}))`,
    "-an",
    ...segmentOutput(plan),
  ];
}

/** One multipart part for the encode path's stdin (what `-f mpjpeg` reads). */
export function mpjpegHeader(length: number): Uint8Array {
  return new TextEncoder().encode(
    `--ffmpeg\r\nContent-Type: image/jpeg\r\nContent-Length: ${length}\r\n\r\n`,
  );
}

/** A line of the segment list: `name.mp4,start,end` (seconds of stream time). */
export function parseSegmentLine(
  line: string,
): { name: string; start: number; end: number } | null {
  const m = /^([^,/\s]+\.mp4),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)\s*$/.exec(line);
  return m ? { name: m[1], start: Number(m[2]), end: Number(m[3]) } : null;
}
