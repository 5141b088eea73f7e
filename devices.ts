/**
 * Lists the V4L2 cameras (USB webcams, capture cards) and what they offer:
 *
 *     deno task devices [DEVICE] [--size WxH]
 *
 * Without DEVICE: every /dev/videoN with its formats and frame sizes. With DEVICE: that
 * device's formats, and the one Vigil would ask for (MJPEG when it offers the size, so its
 * JPEGs are passed through; else a raw format). `--size` is the camera's wanted width x height
 * from the config. Exit code 0 when formats were listed, 1 when there is no camera or it cannot
 * be read (the message says what to do), 2 for bad arguments.
 * @module
 */
import { parseCliArgs, UsageError } from "./lib/cli_args.ts";
import {
  CaptureError,
  listDevices,
  listFormats,
  preferredInputFormat,
  type V4l2Format,
} from "./lib/capture/mod.ts";

const USAGE = `Usage: deno task devices [DEVICE] [--size WxH]

  DEVICE        one camera, e.g. /dev/video0 (default: every /dev/videoN)
  --size WxH    the size you want (a camera's width and height), to see which format Vigil picks
  --help        this text

Frame rates are not listed (ffmpeg's lister does not print them): \`v4l2-ctl --list-formats-ext\`
(Debian package v4l-utils) shows them.`;

export const NO_DEVICES = "no V4L2 cameras found; plug one in, or use --source demo";

export interface DevicesDeps {
  listDevices(): string[];
  listFormats(device: string): Promise<V4l2Format[]>;
  out(line: string): void;
  err(line: string): void;
}

const realDeps: DevicesDeps = {
  listDevices: () => listDevices(),
  listFormats: (device) => listFormats(device),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

function parse(args: string[]): { device?: string; size?: { width: number; height: number } } {
  const { values, positionals } = parseCliArgs(args, {
    size: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) throw new UsageError("");
  if (positionals.length > 1) throw new UsageError("give at most one DEVICE");
  let size;
  if (values.size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(values.size);
    if (!m) throw new UsageError(`--size must look like 640x480, not "${values.size}"`);
    size = { width: Number(m[1]), height: Number(m[2]) };
  }
  return { device: positionals[0], size };
}

/** The lines describing one device's formats, and which one Vigil would choose. */
export function describeFormats(
  formats: V4l2Format[],
  size?: { width: number; height: number },
): string[] {
  const nameWidth = Math.max(...formats.map((f) => f.format.length));
  const descWidth = Math.max(...formats.map((f) => f.description.length + f.kind.length + 3));
  const lines = formats.map((f) =>
    `  ${f.format.padEnd(nameWidth)}  ${`${f.description} (${f.kind})`.padEnd(descWidth)}  ${
      f.sizes.join(" ") || "(sizes not listed)"
    }`
  );
  const chosen = preferredInputFormat(formats, size);
  const at = size ? ` at ${size.width}x${size.height}` : "";
  if (chosen === "mjpeg") {
    lines.push(`  Vigil uses: mjpeg${at} (the camera's JPEGs are passed through, no re-encoding)`);
  } else if (chosen) {
    lines.push(
      `  Vigil uses: ${chosen}${at} (ffmpeg encodes the JPEGs; MJPEG is cheaper if offered)`,
    );
  } else if (size) {
    lines.push(
      `  Vigil uses: no listed format offers ${size.width}x${size.height}; ` +
        "pick one of the sizes above",
    );
  } else {
    lines.push(
      "  Vigil uses: the driver's default format (no MJPEG offered; ffmpeg encodes the JPEGs)",
    );
  }
  return lines;
}

/** UVC cameras have a second /dev/videoN for metadata: listing it is no failure. */
function isMetadataNode(err: unknown): boolean {
  return err instanceof CaptureError && /is not a video capture device/.test(err.message);
}

/** Runs the command; returns the exit code. */
export async function main(args: string[], deps: DevicesDeps = realDeps): Promise<number> {
  let opts;
  try {
    opts = parse(args);
  } catch (err) {
    const msg = (err as Error).message;
    if (msg) deps.err(`devices: ${msg}\n`);
    (msg ? deps.err : deps.out)(USAGE);
    return msg ? 2 : 0;
  }
  if (opts.device) {
    try {
      const formats = await deps.listFormats(opts.device);
      deps.out(opts.device);
      for (const line of describeFormats(formats, opts.size)) deps.out(line);
      return 0;
    } catch (err) {
      deps.err(errorText(err));
      return 1;
    }
  }
  const devices = deps.listDevices();
  if (devices.length === 0) {
    deps.err(NO_DEVICES);
    return 1;
  }
  let listed = 0, unreadable = 0;
  for (const device of devices) {
    try {
      const formats = await deps.listFormats(device);
      deps.out(device);
      for (const line of describeFormats(formats, opts.size)) deps.out(line);
      listed++;
    } catch (err) {
      if (isMetadataNode(err)) {
        deps.out(`${device}: not a capture device (a camera's metadata node)`);
      } else {
        deps.err(errorText(err));
        unreadable++;
      }
    }
  }
  // Only metadata nodes: there is no camera to use.
  if (listed === 0 && unreadable === 0) deps.err(NO_DEVICES);
  return listed > 0 ? 0 : 1;
}

function errorText(err: unknown): string {
  if (err instanceof CaptureError) return err.message;
  throw err;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
