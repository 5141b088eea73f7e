import assert from "node:assert/strict";
import { decodeJpeg } from "../objects/classify.ts";
import { jpegSize } from "../jpeg.ts";
import { encodeJpeg } from "./jpeg_encode.ts";
import { psnr } from "./tiles.ts";

function gradient(w: number, h: number): Uint8Array {
  const p = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      p.set([x * 255 / w, y * 255 / h, (x + y) % 64 * 4, 255], i);
    }
  }
  return p;
}

Deno.test("encodeJpeg: a picture decodes back close to itself, odd sizes too", async () => {
  for (const [w, h] of [[64, 48], [37, 21], [1, 1], [300, 7]]) {
    const src = gradient(w, h);
    const jpeg = encodeJpeg(src, w, h, 90);
    assert.deepEqual(jpegSize(jpeg), { width: w, height: h });
    const back = await decodeJpeg(jpeg);
    assert.deepEqual([back.width, back.height], [w, h]);
    const p = psnr(src, back.data);
    assert.ok(p > 38, `${w}×${h}: PSNR ${p}`);
  }
});

Deno.test("encodeJpeg: ffmpeg reads it too", async () => {
  const file = await Deno.makeTempFile({ suffix: ".jpg" });
  try {
    await Deno.writeFile(file, encodeJpeg(gradient(48, 32), 48, 32, 80));
    const out = await new Deno.Command("ffmpeg", {
      args: ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.success, true, new TextDecoder().decode(out.stderr));
    assert.equal(out.stdout.length, 48 * 32 * 3);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("encodeJpeg: bad sizes and qualities are refused", () => {
  const px = new Uint8Array(16);
  assert.throws(() => encodeJpeg(px, 0, 1), RangeError);
  assert.throws(() => encodeJpeg(px, 3, 2), RangeError); // 6 pixels, 4 given
  assert.throws(() => encodeJpeg(px, 2, 2, 0), RangeError);
  assert.throws(() => encodeJpeg(px, 2, 2, 101), RangeError);
  assert.throws(() => encodeJpeg(px, 1.5, 2), RangeError);
});
