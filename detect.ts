/**
 * Offline motion detection over a video file or a folder of images, with the server's detector
 * and settings (CONTRACT.md, "Offline detection").
 *
 *     deno task detect INPUT [--out FILE.jsonl] [--masks DIR] [--config FILE] [--bench] [--objects]
 *
 * Frames are decoded and scaled to the detection size by ffmpeg with the same filter the
 * server's capture uses: `scale=W:H:flags=area,format=gray`.
 * @module
 */
import { parseCliArgs, UsageError } from "./lib/cli_args.ts";
import {
  DEFAULT_DETECTOR_SETTINGS,
  detectionSize,
  detectorSettingsFromConfig,
  encodeGrayPng,
  MotionDetector,
  upscaleMask,
} from "./lib/motion/mod.ts";
import type { DetectorSettings } from "./lib/motion/mod.ts";
import { OfflineObjects, rawFrames } from "./lib/objects/offline.ts";

const USAGE =
  `Usage: deno task detect INPUT [--out FILE.jsonl] [--masks DIR] [--config FILE] [--bench] [--objects]

  INPUT            a video file, or a folder of images (.jpg .jpeg .png .bmp, taken in name order)
  --out FILE       write the JSON lines here instead of stdout
  --masks DIR      write each frame's motion mask (PNG, input size, 0/255) as DIR/<name>.png
  --config FILE    Vigil config file; uses cameras[0]'s detector settings over "detector"
  --bench          print last "frames=N ms_per_frame=X" (detection time only); without --out,
                   the JSON lines are not printed
  --objects        classify motion frames as the server does (objects.fps crops per second of
                   the input, its minScores), adding "objects":[{"label","score","box"}] to them
  --help           this text`;

const IMAGE_EXT = /\.(jpe?g|png|bmp)$/i;

interface Options {
  input: string;
  out?: string;
  masks?: string;
  config?: string;
  bench: boolean;
  objects: boolean;
}

function parse(args: string[]): Options | "help" {
  const { values, positionals } = parseCliArgs(args, {
    out: { type: "string" },
    masks: { type: "string" },
    config: { type: "string" },
    bench: { type: "boolean" },
    objects: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? "missing INPUT" : `expected one INPUT, got ${positionals.length}`,
    );
  }
  return {
    input: positionals[0],
    out: values.out,
    masks: values.masks,
    config: values.config,
    bench: values.bench ?? false,
    objects: values.objects ?? false,
  };
}

function loadSettings(path: string | undefined): DetectorSettings {
  if (path === undefined) return DEFAULT_DETECTOR_SETTINGS;
  let json: unknown;
  try {
    json = JSON.parse(Deno.readTextFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    return detectorSettingsFromConfig(json, 0);
  } catch (err) {
    throw new UsageError(`config file ${path}: ${(err as Error).message}`);
  }
}

async function ffmpegOutput(args: string[]): Promise<{ code: number; stderr: string }> {
  let out;
  try {
    out = await new Deno.Command("ffmpeg", { args, stdout: "null", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        "ffmpeg not found: install it (Debian/Raspberry Pi OS: sudo apt install ffmpeg)",
      );
    }
    throw err;
  }
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** Reads a video's or image's frame size (and frame rate, if said) from ffmpeg's description. */
async function probeSize(path: string): Promise<{ width: number; height: number; fps?: number }> {
  const { stderr } = await ffmpegOutput(["-hide_banner", "-i", path]);
  const m = stderr.match(/Stream #[^\n]*?Video:[^\n]*?[ ,](\d{1,5})x(\d{1,5})[ ,\n]/);
  if (!m) {
    const last = stderr.trim().split("\n").slice(-2).join(" / ");
    throw new Error(
      `cannot read the frame size of ${path} with ffmpeg (${last}); is it a video or an image?`,
    );
  }
  const fps = stderr.match(/Stream #[^\n]*?Video:[^\n]*?, ([\d.]+) fps/);
  return { width: Number(m[1]), height: Number(m[2]), fps: fps ? Number(fps[1]) : undefined };
}

async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parse(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`detect: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  let settings;
  try {
    settings = loadSettings(opts.config);
  } catch (err) {
    console.error(`detect: ${(err as Error).message}`);
    return 2;
  }

  let objects: OfflineObjects | null = null;
  if (opts.objects) {
    try {
      const file = opts.config ? JSON.parse(Deno.readTextFileSync(opts.config)) : {};
      objects = await OfflineObjects.open(file);
    } catch (err) {
      console.error(`detect: ${(err as Error).message}`);
      return 2;
    }
  }

  let stat;
  try {
    stat = Deno.statSync(opts.input);
  } catch (err) {
    console.error(`detect: cannot open INPUT ${opts.input}: ${(err as Error).message}`);
    return 2;
  }

  // the frames and their names
  let names: string[] | null = null;
  let decodeInput: string[];
  let listFile: string | null = null;
  let first: string;
  if (stat.isDirectory) {
    names = [...Deno.readDirSync(opts.input)].filter((e) => e.isFile && IMAGE_EXT.test(e.name)).map(
      (e) => e.name,
    )
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (names.length === 0) {
      console.error(`detect: no images (.jpg .jpeg .png .bmp) in ${opts.input}`);
      return 2;
    }
    const dir = await Deno.realPath(opts.input);
    listFile = await Deno.makeTempFile({ prefix: "vigil-detect-", suffix: ".txt" });
    const quote = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;
    await Deno.writeTextFile(listFile, names.map((n) => `file ${quote(`${dir}/${n}`)}\n`).join(""));
    decodeInput = ["-f", "concat", "-safe", "0", "-i", listFile];
    first = `${dir}/${names[0]}`;
  } else {
    decodeInput = ["-i", opts.input];
    first = opts.input;
  }

  try {
    const src = await probeSize(first);
    const det = detectionSize(settings, src.width, src.height);
    const detector = new MotionDetector({
      width: det.width,
      height: det.height,
      sourceWidth: src.width,
      sourceHeight: src.height,
      settings,
    });
    if (opts.masks) Deno.mkdirSync(opts.masks, { recursive: true });

    const child = new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        ...decodeInput,
        "-an",
        "-fps_mode",
        "passthrough",
        "-vf",
        `scale=${det.width}:${det.height}:flags=area,format=gray`,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "pipe:1",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    // --objects: the same frames in color at the input's size, read in step with the gray ones.
    const color = objects
      ? new Deno.Command("ffmpeg", {
        args: [
          ...["-hide_banner", "-loglevel", "error", "-nostdin", ...decodeInput, "-an"],
          ...["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"],
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn()
      : null;
    const nextColor = color ? rawFrames(color.stdout, src.width * src.height * 4) : null;
    // An image folder has no frame rate: ffmpeg's concat demuxer gives it 25 fps.
    const frameMs = 1000 / (names ? 25 : (src.fps || 25));

    const out = opts.out
      ? await Deno.open(opts.out, { write: true, create: true, truncate: true })
      : null;
    const printLines = out !== null || !opts.bench;
    const encoder = new TextEncoder();
    let pending = "";
    const flush = async () => {
      if (pending === "") return;
      const bytes = encoder.encode(pending);
      pending = "";
      if (out) await writeAll(out, bytes);
      else await writeAll(Deno.stdout, bytes);
    };

    const frameSize = det.width * det.height;
    const frame = new Uint8Array(frameSize);
    const big = opts.masks ? new Uint8Array(src.width * src.height) : null;
    const xmap = new Int32Array(src.width);
    let filled = 0, index = 0, spent = 0;
    for await (const chunk of child.stdout) {
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(frameSize - filled, chunk.length - off);
        frame.set(chunk.subarray(off, off + take), filled);
        filled += take;
        off += take;
        if (filled < frameSize) break;
        filled = 0;
        const t0 = performance.now();
        const r = detector.process(frame);
        spent += performance.now() - t0;
        const name = names
          ? (names[index] ?? `frame${String(index).padStart(6, "0")}.png`)
          : `frame${String(index).padStart(6, "0")}.png`;
        const rgba = nextColor ? await nextColor() : null;
        const found = objects && rgba && r.motion
          ? await objects.classify(
            { data: rgba, width: src.width, height: src.height },
            r.boxes,
            index * frameMs,
          )
          : null;
        if (printLines) {
          pending += JSON.stringify({
            frame: index,
            name,
            motion: r.motion,
            score: r.score,
            boxes: r.boxes,
            ...(found ? { objects: found } : {}),
          }) + "\n";
          if (pending.length > 1 << 16) await flush();
        }
        if (big && opts.masks) {
          upscaleMask(detector.mask, det.width, det.height, big, src.width, src.height, xmap);
          const base = name.replace(/\.[^.]*$/, "");
          Deno.writeFileSync(
            `${opts.masks}/${base}.png`,
            encodeGrayPng(big, src.width, src.height),
          );
        }
        index++;
      }
    }
    await flush();
    out?.close();
    if (color) {
      await color.stdout.cancel().catch(() => {});
      await color.status;
    }
    if (objects) {
      const c = objects.counters;
      console.error(
        `detect: objects: ${c.frames} frames classified (${c.crops} crops, ` +
          `${(c.ms / Math.max(1, c.crops)).toFixed(0)} ms per crop), ${c.failed} failed`,
      );
      objects.dispose();
    }
    const status = await child.status;
    const err = await stderrText;
    if (!status.success) {
      const last = err.trim().split("\n").slice(-3).join("\n");
      console.error(
        `detect: ffmpeg failed (exit code ${status.code}) decoding ${opts.input}:\n${last}`,
      );
      return 1;
    }
    if (names && index !== names.length) {
      console.error(`detect: warning: ${names.length} images but ffmpeg decoded ${index} frames`);
    }
    if (opts.bench) {
      console.log(`frames=${index} ms_per_frame=${(spent / Math.max(1, index)).toFixed(3)}`);
    }
    return 0;
  } catch (err) {
    console.error(`detect: ${(err as Error).message}`);
    return 1;
  } finally {
    if (listFile) await Deno.remove(listFile).catch(() => {});
  }
}

async function writeAll(
  w: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await w.write(bytes.subarray(off));
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
