import assert from "node:assert/strict";
import { JpegEncoder, MAX_IN_FLIGHT, yuv420pBytes } from "./jpeg_encoder.ts";
import { JpegStream, JpegStreamError } from "./jpeg_stream.ts";

/** Mean luma of a JPEG, decoded by ffmpeg. */
async function meanLuma(jpeg: Uint8Array): Promise<number> {
  const p = new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-f", "mjpeg", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(jpeg);
  await w.close();
  const { stdout } = await p.output();
  return stdout.reduce((a, b) => a + b, 0) / stdout.length;
}

Deno.test("JpegEncoder: each frame's JPEG comes back in order, and is that frame", async () => {
  const enc = new JpegEncoder({ width: 64, height: 48, quality: 3 });
  try {
    const levels = [40, 200, 90, 160];
    const raw = new Uint8Array(yuv420pBytes(64, 48)).fill(128);
    const asked = levels.map((y) => {
      raw.fill(y, 0, 64 * 48); // the buffer is reused at once: encode copied it
      return enc.encode(raw);
    });
    const jpegs = await Promise.all(asked);
    for (let i = 0; i < levels.length; i++) {
      const j = jpegs[i]!;
      assert.deepEqual([j[0], j[1], j[j.length - 2], j[j.length - 1]], [0xff, 0xd8, 0xff, 0xd9]);
      // limited-range luma in, full-range JPEG out: 16..235 stretched to 0..255
      const want = (levels[i] - 16) * 255 / 219;
      assert.ok(Math.abs((await meanLuma(j)) - want) < 4, `frame ${i}`);
    }
    assert.equal(enc.encoded, levels.length);
  } finally {
    await enc.close();
  }
});

Deno.test("JpegEncoder: past MAX_IN_FLIGHT waiting frames a request is dropped (null), and counted", async () => {
  const enc = new JpegEncoder({ width: 64, height: 48, quality: 5 });
  try {
    const raw = new Uint8Array(enc.frameBytes);
    const asked = Array.from({ length: MAX_IN_FLIGHT + 3 }, () => enc.encode(raw));
    const got = await Promise.all(asked);
    assert.equal(got.filter((j) => j === null).length, 3);
    assert.equal(enc.dropped, 3);
    assert.equal(await enc.encode(new Uint8Array(10)), null, "a wrong size is refused");
  } finally {
    await enc.close();
  }
  assert.equal(await enc.encode(new Uint8Array(enc.frameBytes)), null, "closed");
});

/** A minimal JPEG-shaped byte string: SOI, a segment holding FF D9, SOS, data with stuffing, EOI. */
function fakeJpeg(tag: number): Uint8Array {
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xdb,
    0x00,
    0x06,
    0xff,
    0xd9,
    tag,
    0x00, // a "table" with FF D9 inside
    0xff,
    0xda,
    0x00,
    0x03,
    0x01,
    0x12,
    0xff,
    0x00,
    0x34,
    0xff,
    0xd0,
    0x56, // stuffing, a restart marker
    0xff,
    0xd9,
  ]);
}

Deno.test("JpegStream: back-to-back JPEGs split whole, byte by byte, whatever their tables hold", () => {
  const s = new JpegStream(8);
  const got: number[][] = [];
  s.onImage = (j) => got.push([...j]);
  const all = new Uint8Array([...fakeJpeg(1), ...fakeJpeg(2), ...fakeJpeg(3)]);
  for (const b of all) s.push(new Uint8Array([b]));
  assert.deepEqual(got, [[...fakeJpeg(1)], [...fakeJpeg(2)], [...fakeJpeg(3)]]);
  assert.throws(() => new JpegStream().push(new Uint8Array([0x00, 0x01])), JpegStreamError);
});
