import assert from "node:assert/strict";
import { listFormats, parseV4l2Formats, preferredInputFormat } from "./v4l2.ts";

const SAMPLE =
  `[video4linux2,v4l2 @ 0x5581] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240 1280x720
[video4linux2,v4l2 @ 0x5581] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720 1920x1080
[video4linux2,v4l2 @ 0x5582] Raw       :     yuv420p : Planar YUV 4:2:0 : {32-4056, 2}x{32-3040, 2}
/dev/video0: Immediate exit requested`;

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

Deno.test("preferredInputFormat() picks MJPEG when offered, else leaves it to the driver", () => {
  const formats = parseV4l2Formats(SAMPLE);
  assert.equal(preferredInputFormat(formats), "mjpeg");
  assert.equal(preferredInputFormat(formats.filter((f) => f.format !== "mjpeg")), undefined);
});

Deno.test("listFormats() runs ffmpeg's lister and explains a missing device", async () => {
  await assert.rejects(
    () => listFormats("/dev/video99"),
    /^Error: Cannot list the formats of \/dev\/video99: .*No such file or directory/,
  );
});
