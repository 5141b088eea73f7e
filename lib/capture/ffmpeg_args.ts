/**
 * Builds ffmpeg's command line for one camera: the input part per source kind, and one
 * Matroska output on stdout holding two video tracks of the same frames:
 * track 1 small gray rawvideo for the detector, track 2 for display: the camera's own packets
 * (JPEGs pass through; H.264 and the like are decoded by lib/capture/jpeg_decoder.ts), or the
 * full-size decoded picture as raw yuv420p, which Vigil turns into a JPEG
 * (lib/capture/jpeg_encoder.ts); either only when someone needs that frame.
 */

/** What kind of source a `source` string names. */
export type SourceKind = "demo" | "v4l2" | "rtsp" | "http" | "file";

export function sourceKind(source: string): SourceKind {
  if (source === "demo") return "demo";
  if (/^\/dev\/video\d+$/.test(source) || source.startsWith("/dev/v4l/")) return "v4l2";
  if (/^rtsps?:\/\//i.test(source)) return "rtsp";
  if (/^https?:\/\//i.test(source)) return "http";
  return "file";
}

export { redactSource } from "./redact.ts";

/** Everything that decides ffmpeg's command line for one run. */
export interface FfmpegPlan {
  source: string;
  /** Wanted display size (V4L2: asked of the camera; others: the JPEGs are scaled to it). */
  width?: number;
  height?: number;
  /** Wanted frame rate (V4L2: asked of the camera; demo: generated; others: limited to it). */
  fps?: number;
  /** V4L2 input format such as "mjpeg" or "yuyv422"; undefined lets the driver choose. */
  inputFormat?: string;
  /** Copy the source's packets as track 2 (JPEGs pass through; other codecs are decoded on demand). */
  passthrough: boolean;
  /**
   * Without pass-through: ffmpeg encodes every frame's JPEG itself (someone watches every
   * frame, and that is cheaper than raw pictures through Vigil), instead of sending raw ones.
   */
  jpegEveryFrame?: boolean;
  detectWidth: number;
  detectHeight: number;
  /** JPEG quality for re-encoding, ffmpeg's -q:v scale (2 best … 31 worst). */
  jpegQuality: number;
  /** RTSP/HTTP socket timeout in milliseconds. */
  timeoutMs: number;
  /** RTSP transport; "tcp" (default) survives lossy Wi-Fi without broken frames. */
  rtspTransport?: "tcp" | "udp";
  /** Extra ffmpeg input options, placed just before `-i`. */
  inputArgs?: string[];
  /** demo: the scene pre-rendered as an MJPEG loop (lib/capture/demo.ts), played instead of the graph. */
  demoLoop?: string;
}

/** The demo scene's defaults. */
export const DEMO_WIDTH = 640;
export const DEMO_HEIGHT = 480;
export const DEMO_FPS = 15;
/**
 * Seconds between the starts of two crossings of the demo's object. The still part (7 s) is
 * longer than the detector's default event gap (5 s), so each crossing is an event of its own.
 */
export const DEMO_PERIOD_S = 11;
/** Seconds one crossing takes; the rest of the period the scene is still. */
export const DEMO_CROSSING_S = 4;
/**
 * Seconds before the first crossing: the detector learns the empty room first, as it would
 * a real one, instead of taking the object's first steps into its background (a ghost trail).
 */
export const DEMO_FIRST_CROSSING_S = 2;

/**
 * The demo scene as a lavfi graph: a still, textured "room" computed once and looped, and a
 * block that walks across it for DEMO_CROSSING_S seconds every DEMO_PERIOD_S seconds.
 */
export function demoGraph(width = DEMO_WIDTH, height = DEMO_HEIGHT, fps = DEMO_FPS): string {
  const w = width, h = height;
  const floor = Math.round(h * 0.72);
  const bg = [
    `nullsrc=s=${w}x${h}:r=${fps}`,
    "trim=end_frame=1",
    // wall: vertical gradient with a soft texture; floor: darker with a different texture
    `geq=lum='if(lt(Y\\,${floor})\\,70+60*Y/${floor}+6*sin(X/5)*sin(Y/7)\\,55+8*sin(X/3+Y/2))'` +
    `:cb='if(lt(Y\\,${floor})\\,122\\,132)':cr='if(lt(Y\\,${floor})\\,134\\,128)'`,
    // a window, its frame, and a table
    `drawbox=x=${Math.round(w * 0.62)}:y=${Math.round(h * 0.1)}:w=${Math.round(w * 0.25)}:h=${
      Math.round(h * 0.3)
    }:c=0xd8e4f0:t=fill`,
    `drawbox=x=${Math.round(w * 0.62)}:y=${Math.round(h * 0.1)}:w=${Math.round(w * 0.25)}:h=${
      Math.round(h * 0.3)
    }:c=0x5a4030:t=6`,
    `drawbox=x=${Math.round(w * 0.08)}:y=${Math.round(h * 0.6)}:w=${Math.round(w * 0.3)}:h=${
      Math.round(h * 0.06)
    }:c=0x6b4a2a:t=fill`,
    "loop=loop=-1:size=1",
    `setpts=N/(${fps}*TB)[bg]`,
  ].join(",");
  const ow = Math.max(8, Math.round(w * 0.08));
  const oh = Math.max(8, Math.round(h * 0.3));
  // A yellow coat: its brightness (not only its hue) differs from both the wall and the floor,
  // since the detector sees gray levels.
  const obj = `color=c=0xf0c040:s=${ow}x${oh}:r=${fps}[obj]`;
  const p = DEMO_PERIOD_S, c = DEMO_CROSSING_S;
  const phase = `mod(t+${p - DEMO_FIRST_CROSSING_S}\\,${p})`;
  const x = `if(lt(${phase}\\,${c})\\,-w+(W+w)*${phase}/${c}\\,W)`;
  return `${bg};${obj};[bg][obj]overlay=x='${x}':y=${floor - oh + Math.round(h * 0.04)}:eval=frame`;
}

/** The input half of the command line (everything up to and including `-i`). */
export function inputArgs(plan: FfmpegPlan): string[] {
  const kind = sourceKind(plan.source);
  const timeoutUs = String(Math.round(plan.timeoutMs * 1000));
  const extra = plan.inputArgs ?? [];
  switch (kind) {
    case "demo":
      if (plan.demoLoop) return ["-re", "-stream_loop", "-1", ...extra, "-i", plan.demoLoop];
      return [
        "-re",
        "-f",
        "lavfi",
        ...extra,
        "-i",
        demoGraph(plan.width ?? DEMO_WIDTH, plan.height ?? DEMO_HEIGHT, plan.fps ?? DEMO_FPS),
      ];
    case "v4l2": {
      const args = ["-f", "v4l2", "-thread_queue_size", "64"];
      if (plan.inputFormat) args.push("-input_format", plan.inputFormat);
      if (plan.width && plan.height) args.push("-video_size", `${plan.width}x${plan.height}`);
      if (plan.fps) args.push("-framerate", String(plan.fps));
      return [...args, ...extra, "-i", plan.source];
    }
    case "rtsp":
      return [
        "-rtsp_transport",
        plan.rtspTransport ?? "tcp",
        "-timeout",
        timeoutUs,
        "-fflags",
        "nobuffer",
        ...extra,
        "-i",
        plan.source,
      ];
    case "http":
      return [
        "-rw_timeout",
        timeoutUs,
        "-reconnect",
        "0",
        ...extra,
        "-i",
        plan.source,
      ];
    case "file":
      return ["-re", "-stream_loop", "-1", ...extra, "-i", plan.source];
  }
}

/** Whether the JPEGs must be resized or re-timed, which rules out pass-through. */
function needsFilter(plan: FfmpegPlan): { scale: boolean; fps: boolean } {
  const kind = sourceKind(plan.source);
  // V4L2 and demo produce the wanted size and rate themselves.
  const native = kind === "v4l2" || kind === "demo";
  return {
    scale: !native && plan.width !== undefined && plan.height !== undefined,
    fps: !native && plan.fps !== undefined,
  };
}

/** Whether this plan can copy the source's packets (nothing to scale or rate-limit). */
export function canPassThrough(plan: FfmpegPlan): boolean {
  const f = needsFilter(plan);
  return (sourceKind(plan.source) !== "demo" || plan.demoLoop !== undefined) && !f.scale && !f.fps;
}

/** The whole command line, without the program name. */
export function ffmpegArgs(plan: FfmpegPlan): string[] {
  const f = needsFilter(plan);
  const pre: string[] = [];
  if (f.fps) pre.push(`fps=${plan.fps}`);
  if (f.scale) pre.push(`scale=${plan.width}:${plan.height}`);
  const gray = `scale=${plan.detectWidth}:${plan.detectHeight}:flags=area,format=gray`;
  const passthrough = plan.passthrough && canPassThrough(plan);
  let graph: string;
  let jpegOut: string[];
  if (passthrough) {
    graph = `[0:v:0]${gray}[gray]`;
    jpegOut = ["-map", "0:v:0", "-c:v:1", "copy"];
  } else if (plan.jpegEveryFrame) {
    const head = pre.length ? pre.join(",") + "," : "";
    graph = `[0:v:0]${head}split=2[show][det];[det]${gray}[gray];[show]format=yuvj420p[jpeg]`;
    jpegOut = ["-map", "[jpeg]", "-c:v:1", "mjpeg", "-q:v:1", String(plan.jpegQuality)];
  } else {
    // No JPEG here: encoding every frame cost more than decoding it. The raw picture goes to
    // Vigil, which keeps the last few and encodes only those someone asks for.
    const head = pre.length ? pre.join(",") + "," : "";
    graph = `[0:v:0]${head}split=2[show][det];[det]${gray}[gray];[show]format=yuv420p[raw]`;
    jpegOut = ["-map", "[raw]", "-c:v:1", "rawvideo"];
  }
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "warning",
    ...inputArgs(plan),
    "-filter_complex",
    graph,
    "-map",
    "[gray]",
    "-c:v:0",
    "rawvideo",
    ...jpegOut,
    "-an",
    "-sn",
    "-dn",
    // One output frame per input frame on both tracks: no duplicates, no drops.
    "-fps_mode",
    "passthrough",
    "-f",
    "matroska",
    "-live",
    "1",
    "-write_crc32",
    "0",
    "-cluster_size_limit",
    "1",
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
