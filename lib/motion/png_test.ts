import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { encodeGrayPng } from "./png.ts";
import { upscaleMask } from "./upscale.ts";

Deno.test("encodeGrayPng() writes a valid 8-bit grayscale PNG that holds the pixels", () => {
  const w = 37, h = 5;
  const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 7) & 255);
  const png = encodeGrayPng(px, w, h);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset);
  const type = (o: number) => String.fromCharCode(...png.subarray(o + 4, o + 8));
  assert.equal(type(8), "IHDR");
  assert.equal(view.getUint32(16), w);
  assert.equal(view.getUint32(20), h);
  assert.equal(png[24], 8);
  assert.equal(png[25], 0);
  const idatLen = view.getUint32(33);
  assert.equal(type(33), "IDAT");
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  for (let y = 0; y < h; y++) {
    assert.equal(raw[y * (w + 1)], 0);
    assert.deepEqual([...raw.subarray(y * (w + 1) + 1, (y + 1) * (w + 1))], [
      ...px.subarray(y * w, (y + 1) * w),
    ]);
  }
  assert.equal(type(41 + idatLen + 4), "IEND");
});

Deno.test("encodeGrayPng() output is read back by ffmpeg", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const px = new Uint8Array(20 * 10);
    px.fill(255, 40, 60);
    await Deno.writeFile(`${dir}/m.png`, encodeGrayPng(px, 20, 10));
    const out = await new Deno.Command("ffmpeg", {
      args: [
        "-loglevel",
        "error",
        "-i",
        `${dir}/m.png`,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "pipe:1",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual([...out.stdout], [...px]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upscaleMask() scales by nearest neighbour", () => {
  const src = Uint8Array.from([0, 255, 255, 0]); // 2x2
  const dst = new Uint8Array(4 * 4);
  upscaleMask(src, 2, 2, dst, 4, 4);
  assert.deepEqual([...dst], [0, 0, 255, 255, 0, 0, 255, 255, 255, 255, 0, 0, 255, 255, 0, 0]);
});
