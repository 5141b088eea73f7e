/**
 * The demo scene, made cheap: instead of generating every frame with a lavfi graph and encoding
 * a JPEG of each (13–15 % of a core), ffmpeg renders one period of the scene (DEMO_PERIOD_S
 * seconds: the scene repeats exactly) once as an MJPEG file, and the camera plays it in a loop
 * (`-re -stream_loop -1`) with its JPEGs passed through: per frame only a JPEG decode for the
 * detector's gray frame. Same look (the same graph, JPEG quality and pixel format) and the same
 * events at the same times.
 */
import { DEMO_FPS, DEMO_HEIGHT, DEMO_PERIOD_S, DEMO_WIDTH, demoGraph } from "./ffmpeg_args.ts";

export interface DemoLoopOptions {
  /** Folder the loop is kept in (made if missing); a loop already there is reused. */
  dir: string;
  width?: number;
  height?: number;
  fps?: number;
  /** JPEG quality, ffmpeg's -q:v. */
  jpegQuality: number;
  ffmpegPath?: string;
}

/** Bump when the scene or its encoding changes, so old loops are not reused. */
const VERSION = 1;

/** The loop's file name for these settings. */
export function demoLoopName(width: number, height: number, fps: number, quality: number): string {
  return `demo-v${VERSION}-${width}x${height}-${fps}fps-q${quality}.mkv`;
}

/** ffmpeg's arguments that render one period of the demo scene to `file` (MJPEG, Matroska). */
export function demoRenderArgs(
  file: string,
  width: number,
  height: number,
  fps: number,
  quality: number,
): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    demoGraph(width, height, fps),
    "-frames:v",
    String(Math.round(DEMO_PERIOD_S * fps)),
    // the display path's own conversion and encoder, as when the graph runs live
    "-vf",
    "format=yuvj420p",
    "-c:v",
    "mjpeg",
    "-q:v",
    String(quality),
    "-f",
    "matroska",
    file,
  ];
}

const rendering = new Map<string, Promise<string>>();

/**
 * The path of the demo loop for these settings, rendered first if it is not there yet (well
 * under a second of ffmpeg; made again if it was deleted). Concurrent calls for the same loop
 * share one render. Rejects
 * when the folder cannot be written or ffmpeg fails; the caller then runs the live graph.
 */
export function demoLoop(opts: DemoLoopOptions): Promise<string> {
  const w = opts.width ?? DEMO_WIDTH, h = opts.height ?? DEMO_HEIGHT, fps = opts.fps ?? DEMO_FPS;
  const file = `${opts.dir.replace(/\/+$/, "")}/${demoLoopName(w, h, fps, opts.jpegQuality)}`;
  let p = rendering.get(file);
  if (!p) {
    p = render(file, w, h, fps, opts);
    rendering.set(file, p);
    const done = () => rendering.delete(file);
    p.then(done, done);
  }
  return p;
}

async function render(
  file: string,
  w: number,
  h: number,
  fps: number,
  opts: DemoLoopOptions,
): Promise<string> {
  try {
    if ((await Deno.stat(file)).size > 0) return file;
  } catch {
    // not rendered yet
  }
  await Deno.mkdir(opts.dir, { recursive: true });
  const tmp = `${file}.${Date.now()}.tmp`;
  try {
    const out = await new Deno.Command(opts.ffmpegPath ?? "ffmpeg", {
      args: demoRenderArgs(tmp, w, h, fps, opts.jpegQuality),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const last = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join(" / ");
      throw new Error(`ffmpeg could not render the demo loop (exit code ${out.code}): ${last}`);
    }
    await Deno.rename(tmp, file);
    return file;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}
