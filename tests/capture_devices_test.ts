/**
 * `deno task devices`: the real task (its permissions from deno.json, real ffmpeg) for what
 * this machine has (no camera), and the listing itself with ffmpeg output recorded from cameras.
 */
import assert from "node:assert/strict";
import { type DevicesDeps, main, NO_DEVICES } from "../devices.ts";
import { listDevices, listFormats, parseV4l2Formats } from "../lib/capture/mod.ts";
import type { CaptureProcess, Spawner } from "../lib/capture/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs `deno task devices ARGS` from the repository; `PATH` can be replaced. */
async function task(args: string[], path?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "devices", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...(path ? { PATH: path } : {}) },
    stdin: "null",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("[ffmpeg] deno task devices DEVICE: a missing device says so, exit code 1", async () => {
  const r = await task(["/dev/video77"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^Cannot open \/dev\/video77: no such device \(is the camera plugged in\? list cameras with `deno task devices`\)/m,
  );
  assert.equal(r.stdout, "");
});

Deno.test("[ffmpeg] deno task devices DEVICE: a node that is no camera says so, exit code 1", async () => {
  const r = await task(["/dev/null"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^\/dev\/null is not a video capture device/m);
});

Deno.test({
  name:
    "[ffmpeg] deno task devices: with no camera plugged in (this machine), says so, exit code 1",
  ignore: listDevices().length > 0,
  async fn() {
    const r = await task([]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), NO_DEVICES);
    assert.equal(NO_DEVICES, "no V4L2 cameras found; plug one in, or use --source demo");
  },
});

Deno.test("deno task devices: without ffmpeg, says how to install it; bad arguments exit 2", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const r = await task(["/dev/video0"], empty);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ffmpeg was not found: install it .*sudo apt install ffmpeg/);
  } finally {
    await Deno.remove(empty);
  }
  const bad = await task(["--size", "big"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--size must look like 640x480, not "big"/);
  assert.match(bad.stderr, /Usage: deno task devices/);
});

/** `ffmpeg -hide_banner -f v4l2 -list_formats all -i /dev/video0` of a UVC webcam. */
const WEBCAM =
  `[video4linux2,v4l2 @ 0x55d1] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240 160x120 1280x720
[video4linux2,v4l2 @ 0x55d1] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720 1920x1080
/dev/video0: Immediate exit requested`;
/** The same webcam's metadata node. */
const META = `[video4linux2,v4l2 @ 0x55d2] ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device
/dev/video1: Inappropriate ioctl for device`;
const DENIED = `[video4linux2,v4l2 @ 0x55d3] Cannot open video device /dev/video2: Permission denied
/dev/video2: Permission denied`;

/** An "ffmpeg" that prints what ffmpeg printed for that device. */
const recorded: Spawner = (_program, args): CaptureProcess => {
  const device = args.at(-1)!;
  const text = { "/dev/video0": WEBCAM, "/dev/video1": META, "/dev/video2": DENIED }[device] ?? "";
  return {
    pid: 1,
    stdout: new Blob([]).stream(),
    stderr: new Blob([text]).stream(),
    status: Promise.resolve({ code: 1, signal: null }),
    kill() {},
  };
};

function fake(devices: string[]) {
  const out: string[] = [], err: string[] = [];
  const deps: DevicesDeps = {
    listDevices: () => devices,
    listFormats: (device) => listFormats(device, { spawn: recorded }),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  };
  return { deps, out, err };
}

Deno.test("devices: lists each camera's formats and sizes and what Vigil picks", async () => {
  assert.equal(parseV4l2Formats(WEBCAM).length, 2);
  const { deps, out, err } = fake(["/dev/video0", "/dev/video1", "/dev/video2"]);
  assert.equal(await main([], deps), 0);
  assert.deepEqual(out, [
    "/dev/video0",
    "  yuyv422  YUYV 4:2:2 (raw)          640x480 320x240 160x120 1280x720",
    "  mjpeg    Motion-JPEG (compressed)  640x480 1280x720 1920x1080",
    "  Vigil uses: mjpeg (the camera's JPEGs are passed through, no re-encoding)",
    "/dev/video1: not a capture device (a camera's metadata node)",
  ]);
  assert.equal(err.length, 1);
  assert.match(
    err[0],
    /^Cannot open \/dev\/video2: permission denied \(add the user to the 'video' group: `sudo usermod -aG video \$USER`, then log in again\)/,
  );
});

Deno.test("devices DEVICE --size: MJPEG only at a size it offers, else a raw format", async () => {
  const { deps, out } = fake([]);
  assert.equal(await main(["/dev/video0", "--size", "1280x720"], deps), 0);
  assert.equal(
    out.at(-1),
    "  Vigil uses: mjpeg at 1280x720 (the camera's JPEGs are passed through, no re-encoding)",
  );
  out.length = 0;
  assert.equal(await main(["/dev/video0", "--size", "320x240"], deps), 0);
  assert.equal(
    out.at(-1),
    "  Vigil uses: yuyv422 at 320x240 (ffmpeg encodes the JPEGs; MJPEG is cheaper if offered)",
  );
  out.length = 0;
  assert.equal(await main(["/dev/video0", "--size", "800x600"], deps), 0);
  assert.equal(
    out.at(-1),
    "  Vigil uses: no listed format offers 800x600; pick one of the sizes above",
  );
});

Deno.test("devices: only unreadable or metadata nodes give exit code 1", async () => {
  const denied = fake(["/dev/video2"]);
  assert.equal(await main([], denied.deps), 1);
  assert.match(denied.err.join("\n"), /permission denied/);
  assert.doesNotMatch(denied.err.join("\n"), /no V4L2 cameras found/);
  const meta = fake(["/dev/video1"]);
  assert.equal(await main([], meta.deps), 1);
  assert.deepEqual(meta.err, [NO_DEVICES]);
});
