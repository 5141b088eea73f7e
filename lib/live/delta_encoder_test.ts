import assert from "node:assert/strict";
import { decodeJpeg } from "../objects/classify.ts";
import { DeltaEncoder, type DeltaEncoderOptions } from "./delta_encoder.ts";
import { applyAtlas, gridFor, psnr } from "./tiles.ts";
import { demoFrames, lavfiJpegs, noisyFrames } from "./_fixtures.ts";

/**
 * Runs `frames` (one every `stepMs`) through an encoder and a client that decodes only what it
 * is sent; returns the client's PSNR against each real frame (decoded on its own) and bytes.
 */
async function stream(frames: Uint8Array[], stepMs: number, opts: DeltaEncoderOptions = {}) {
  const enc = new DeltaEncoder(opts);
  let shown: Uint8Array | null = null;
  const psnrs: number[] = [];
  let sent = 0, full = 0, keys = 0;
  for (const [i, jpeg] of frames.entries()) {
    const out = await enc.encode(jpeg, i * stepMs);
    const real = await decodeJpeg(jpeg);
    full += jpeg.length;
    sent += out.jpeg.length;
    if (out.key) {
      keys++;
      shown = new Uint8Array((await decodeJpeg(out.jpeg)).data);
    } else {
      sent += JSON.stringify(out.tiles).length;
      if (out.tiles.length) {
        const grid = gridFor(out.width, out.height);
        applyAtlas(shown!, grid, out.tiles, out.cols, await decodeJpeg(out.jpeg));
      }
    }
    psnrs.push(psnr(shown!, real.data));
  }
  return { min: Math.min(...psnrs), share: sent / full, keys };
}

Deno.test("delta stream: the client's picture stays ≥ 35 dB of the real frames, demo scene", async () => {
  const r = await stream(await demoFrames(11), 1000 / 15); // one period of the scene
  assert.ok(r.min >= 35, `min PSNR ${r.min}`);
  assert.ok(r.share <= 0.1, `delta bytes are ${r.share} of the full JPEGs'`);
});

Deno.test("delta stream: ≥ 35 dB on a noisy 768×576 scene (every tile changes a little)", async () => {
  const r = await stream(await noisyFrames(5), 100);
  assert.ok(r.min >= 35, `min PSNR ${r.min}`);
  assert.ok(r.share < 1, `delta bytes are ${r.share} of the full JPEGs'`);
});

Deno.test("delta stream: the PSNR check sees a stream that leaves changes out", async () => {
  // An encoder told to send nothing: the block crossing the demo is never drawn.
  const r = await stream(await demoFrames(4), 1000 / 15, {
    targetPsnr: 0,
    minPsnr: 0,
    tileMse: Infinity,
    outlierPixels: Infinity,
  });
  assert.ok(r.min < 35, `min PSNR ${r.min}`);
  assert.equal(r.keys, 1);
});

Deno.test("delta stream: the first frame is a keyframe, then one every keyframeMs", async () => {
  const frames = await demoFrames(2);
  const enc = new DeltaEncoder({ keyframeMs: 1000 });
  const keys: number[] = [];
  for (const [i, jpeg] of frames.entries()) {
    const out = await enc.encode(jpeg, i * 100);
    assert.equal(out.seq, i + 1);
    if (out.key) keys.push(i);
  }
  assert.deepEqual(keys, [0, 10, 20]);
});

Deno.test("delta stream: requestKey (a client joined) makes the next frame a keyframe", async () => {
  const frames = await demoFrames(1);
  const enc = new DeltaEncoder();
  assert.equal((await enc.encode(frames[0], 0)).key, true);
  assert.equal((await enc.encode(frames[1], 66)).key, false);
  enc.requestKey();
  const out = await enc.encode(frames[2], 133);
  assert.equal(out.key, true);
  assert.equal(out.key && out.reason, "requested");
  assert.equal((await enc.encode(frames[3], 200)).key, false);
});

Deno.test("delta stream: a large change or a new size goes out as a keyframe", async () => {
  const [dark] = await lavfiJpegs("color=c=0x202020:s=320x240:r=1", 1);
  const [light] = await lavfiJpegs("testsrc2=s=320x240:r=1", 1);
  const [small] = await lavfiJpegs("testsrc2=s=160x120:r=1", 1);
  const enc = new DeltaEncoder();
  await enc.encode(dark, 0);
  const big = await enc.encode(light, 100);
  assert.equal(big.key && big.reason, "large");
  const resized = await enc.encode(small, 200);
  assert.equal(resized.key && resized.reason, "size");
  const same = await enc.encode(small, 300);
  assert.equal(same.key, false);
  assert.deepEqual(!same.key && same.tiles, []);
  assert.equal(same.jpeg.length, 0);
});

Deno.test("delta stream: a broken JPEG is refused and the stream goes on as before", async () => {
  const frames = await demoFrames(1);
  const enc = new DeltaEncoder();
  await enc.encode(frames[0], 0);
  await assert.rejects(enc.encode(new Uint8Array([0xff, 0xd8, 1, 2, 3]), 50));
  await assert.rejects(enc.encode(new Uint8Array(0), 60));
  const next = await enc.encode(frames[1], 66);
  assert.equal(next.key, false);
  assert.equal(next.seq, 2);
});
