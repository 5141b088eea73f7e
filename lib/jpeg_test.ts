import assert from "node:assert/strict";
import { jpegFileSize, jpegSize } from "./jpeg.ts";
import { fakeJpeg } from "./capture/_test_mkv.ts";
import { ffmpeg } from "../tests/capture_helpers.ts";

function ffmpegJpeg(w: number, h: number, extra: string[] = []): Promise<Uint8Array> {
  return ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `testsrc=s=${w}x${h}`,
    "-frames:v",
    "1",
    ...extra,
    "-f",
    "mjpeg",
    "pipe:1",
  ]);
}

Deno.test("jpegSize() reads the size of ffmpeg's JPEGs (baseline and with extra markers)", async () => {
  assert.deepEqual(jpegSize(await ffmpegJpeg(320, 240)), { width: 320, height: 240 });
  assert.deepEqual(jpegSize(await ffmpegJpeg(1280, 720)), { width: 1280, height: 720 });
  assert.deepEqual(
    jpegSize(await ffmpegJpeg(64, 48, ["-metadata", "comment=hello"])),
    { width: 64, height: 48 },
  );
});

Deno.test("jpegSize() reads the SOF marker", () => {
  assert.deepEqual(jpegSize(fakeJpeg(1280, 720, 0)), { width: 1280, height: 720 });
  assert.equal(jpegSize(new Uint8Array([1, 2, 3, 4])), null);
});

Deno.test("jpegSize() returns null for what is not a JPEG", () => {
  assert.equal(jpegSize(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0, 0])), null);
  assert.equal(jpegSize(new Uint8Array([0xff, 0xd8, 0xff])), null);
  assert.equal(jpegSize(new Uint8Array(0)), null);
});

Deno.test("jpegFileSize() reads a file's header; null when the file is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.jpg`, await ffmpegJpeg(160, 90));
    assert.deepEqual(await jpegFileSize(`${dir}/a.jpg`), { width: 160, height: 90 });
    assert.equal(await jpegFileSize(`${dir}/missing.jpg`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
