import assert from "node:assert/strict";
import { CaptureError } from "./errors.ts";
import type { CaptureProcess, Spawner } from "./process.ts";
import { listFormats, offersSize, parseV4l2Formats, preferredInputFormat } from "./v4l2.ts";

/** Recorded `ffmpeg -hide_banner -f v4l2 -list_formats all -i /dev/video0` of a UVC webcam. */
const SAMPLE =
  `[video4linux2,v4l2 @ 0x5581] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240 1280x720
[video4linux2,v4l2 @ 0x5581] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720 1920x1080
[video4linux2,v4l2 @ 0x5582] Raw       :     yuv420p : Planar YUV 4:2:0 : {32-4056, 2}x{32-3040, 2}
/dev/video0: Immediate exit requested`;

/** A spawner whose "ffmpeg" only writes `stderr` and exits with `code`. */
function recorded(stderr: string, code = 1): Spawner {
  return (): CaptureProcess => ({
    pid: 1,
    stdout: new Blob([]).stream(),
    stderr: new Blob([stderr]).stream(),
    status: Promise.resolve({ code, signal: null }),
    kill() {},
  });
}

Deno.test("parseV4l2Formats() reads ffmpeg's -list_formats lines", () => {
  const formats = parseV4l2Formats(SAMPLE);
  assert.deepEqual(formats, [
    {
      kind: "raw",
      format: "yuyv422",
      description: "YUYV 4:2:2",
      sizes: ["640x480", "320x240", "1280x720"],
    },
    {
      kind: "compressed",
      format: "mjpeg",
      description: "Motion-JPEG",
      sizes: ["640x480", "1280x720", "1920x1080"],
    },
    {
      kind: "raw",
      format: "yuv420p",
      description: "Planar YUV 4:2:0",
      sizes: ["{32-4056, 2}x{32-3040, 2}"],
    },
  ]);
});

Deno.test("parseV4l2Formats() reads emulated formats and finds nothing in an error", () => {
  const emulated =
    "[video4linux2,v4l2 @ 0x1] Raw       :       bgr24 :  BGR24 : Emulated : 640x480 1280x720";
  assert.deepEqual(parseV4l2Formats(emulated), [
    { kind: "raw", format: "bgr24", description: "BGR24", sizes: ["640x480", "1280x720"] },
  ]);
  assert.deepEqual(
    parseV4l2Formats(
      "[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video0: Permission denied",
    ),
    [],
  );
});

Deno.test("offersSize() checks listed sizes and stepwise ranges", () => {
  const [yuyv, , yuv420] = parseV4l2Formats(SAMPLE);
  assert.equal(offersSize(yuyv, 640, 480), true);
  assert.equal(offersSize(yuyv, 800, 600), false);
  assert.equal(offersSize(yuv420, 800, 600), true);
  assert.equal(offersSize(yuv420, 801, 600), false); // step 2
  assert.equal(offersSize(yuv420, 5000, 600), false);
  assert.equal(offersSize({ ...yuyv, sizes: [] }, 800, 600), true); // nothing listed: let it try
});

Deno.test("preferredInputFormat() picks MJPEG when offered, else leaves it to the driver", () => {
  const formats = parseV4l2Formats(SAMPLE);
  assert.equal(preferredInputFormat(formats), "mjpeg");
  assert.equal(preferredInputFormat(formats.filter((f) => f.format !== "mjpeg")), undefined);
});

Deno.test("preferredInputFormat() picks MJPEG only at a size MJPEG offers", () => {
  const formats = parseV4l2Formats(SAMPLE);
  assert.equal(preferredInputFormat(formats, { width: 1280, height: 720 }), "mjpeg");
  // Only raw formats offer 320x240: MJPEG at that size would fail to start.
  assert.equal(preferredInputFormat(formats, { width: 320, height: 240 }), "yuyv422");
  assert.equal(preferredInputFormat(formats, { width: 800, height: 600 }), "yuv420p");
  assert.equal(preferredInputFormat(formats, { width: 9000, height: 9000 }), undefined);
});

Deno.test("listFormats() runs ffmpeg's lister and explains a missing device", async () => {
  await assert.rejects(
    () => listFormats("/dev/video99"),
    (err) => {
      assert.ok(err instanceof CaptureError);
      assert.match(
        err.message,
        /^Cannot open \/dev\/video99: no such device \(is the camera plugged in\? list cameras with `deno task devices`\)/,
      );
      assert.ok(err.stderr.some((l) => /No such file or directory/.test(l)));
      return true;
    },
  );
});

Deno.test("listFormats() explains permission denied, not a camera, and a missing ffmpeg", async () => {
  const denied = recorded(
    "[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video0: Permission denied\n" +
      "/dev/video0: Permission denied\n",
  );
  await assert.rejects(
    () => listFormats("/dev/video0", { spawn: denied }),
    /^CaptureError: Cannot open \/dev\/video0: permission denied \(add the user to the 'video' group/,
  );
  await assert.rejects(
    () => listFormats("/dev/null"),
    /^CaptureError: \/dev\/null is not a video capture device/,
  );
  await assert.rejects(
    () => listFormats("/dev/video0", { ffmpegPath: "/nonexistent/ffmpeg" }),
    /^CaptureError: ffmpeg was not found: install it/,
  );
});

Deno.test("listFormats() returns the formats ffmpeg lists", async () => {
  const formats = await listFormats("/dev/video0", { spawn: recorded(SAMPLE) });
  assert.deepEqual(formats.map((f) => f.format), ["yuyv422", "mjpeg", "yuv420p"]);
});
