import assert from "node:assert/strict";
import { rng } from "../../tests/helpers/rng.ts";
import { Mp4BoxSplitter, type Mp4Segment, Mp4Segmenter, readFragment } from "./mp4_boxes.ts";
import { relayArgs } from "./mse_args.ts";

/** 2 s of 320×240 15 fps H.264 (keyframe every 10 frames), through the relay's own muxing. */
async function relayOutput(): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: relayArgs([
      "-f",
      "lavfi",
      "-i",
      "testsrc2=s=320x240:r=15:d=2",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-g",
      "10",
      "-bf",
      "0",
    ]).map((a) => a === "copy" ? "libx264" : a),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

const stream = await relayOutput();

function segmentsOf(chunks: Uint8Array[]): Mp4Segment[] {
  const s = new Mp4Segmenter();
  return chunks.flatMap((c) => s.push(c));
}

/** The stream cut into pieces by `cuts` (sorted offsets). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.slice(at, c));
    at = c;
  }
  return out;
}

function same(a: Mp4Segment[], b: Mp4Segment[]): void {
  assert.deepEqual(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(a[i].kind, b[i].kind);
    assert.deepEqual(a[i].bytes, b[i].bytes);
  }
}

Deno.test("the segmenter finds the init segment, its codec and one fragment per frame", () => {
  const segs = segmentsOf([stream]);
  const init = segs[0];
  if (init.kind !== "init") throw new Error("no init segment first");
  assert.match(init.track!.codec!, /^avc1\.64[0-9a-f]{4}$/); // x264's High profile
  assert.deepEqual([init.track!.width, init.track!.height], [320, 240]);
  assert.ok(init.track!.timescale > 0);
  const media = segs.slice(1);
  assert.deepEqual(media.length, 30);
  assert.ok(media.every((m) => m.kind === "media"));
  const keys = media.flatMap((m, i) => m.kind === "media" && m.key ? [i] : []);
  assert.deepEqual(keys, [0, 10, 20]);
  const seconds = media.map((m) => m.kind === "media" ? m.seconds : NaN);
  for (let i = 1; i < seconds.length; i++) {
    assert.ok(Math.abs(seconds[i] - seconds[i - 1] - 1 / 15) < 0.002, `frame ${i}: ${seconds}`);
  }
  // every byte is in a segment, in order, but the index ffmpeg appends at the end (mfra)
  const used = segs.reduce((n, s) => n + s.bytes.length, 0);
  assert.equal(new TextDecoder().decode(stream.subarray(used + 4, used + 8)), "mfra");
  assert.equal(used + new DataView(stream.buffer).getUint32(used), stream.length);
});

Deno.test("the segmenter gives the same segments however the stream is cut", () => {
  const whole = segmentsOf([stream]);
  // every cut point over the init segment and the first fragments
  for (let c = 1; c < Math.min(stream.length, 3000); c++) same(segmentsOf(cut(stream, [c])), whole);
  // one byte at a time
  same(segmentsOf(Array.from(stream, (b) => new Uint8Array([b]))), whole);
  // random cuts, replayable from the seed
  for (let seed = 1; seed <= 100; seed++) {
    const r = rng(seed);
    const cuts = [
      ...new Set(
        Array.from(
          { length: 1 + Math.floor(r() * 60) },
          () => 1 + Math.floor(r() * (stream.length - 1)),
        ),
      ),
    ].sort((a, b) => a - b);
    same(segmentsOf(cut(stream, cuts)), whole);
  }
});

Deno.test("the splitter refuses boxes that cannot be streamed", () => {
  const box = (size: number) => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setUint32(0, size);
    b.set(new TextEncoder().encode("mdat"), 4);
    return b;
  };
  assert.throws(() => new Mp4BoxSplitter().push(box(0)), {
    name: "RangeError",
    message: /unknown size/,
  });
  assert.throws(() => new Mp4BoxSplitter().push(box(4)), {
    name: "RangeError",
    message: /smaller than its header/,
  });
  assert.throws(() => new Mp4BoxSplitter(1000).push(box(5000)), {
    name: "RangeError",
    message: /too large/,
  });
  const s = new Mp4BoxSplitter();
  assert.deepEqual(s.push(box(16).subarray(0, 10)), []);
  assert.deepEqual(s.buffered, 10);
  assert.deepEqual(s.push(box(16).subarray(10)).map((b) => b.type), ["mdat"]);
});

Deno.test("readFragment reads a non-key first sample from trun's first-sample flags", () => {
  // moof > traf > [tfhd (no defaults), tfdt v1 = 3000, trun with first_sample_flags = non-sync]
  const u32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const box = (type: string, body: number[]) => [
    ...u32(8 + body.length),
    ...new TextEncoder().encode(type),
    ...body,
  ];
  const tfhd = box("tfhd", [0, 0, 0, 0, ...u32(1)]);
  const tfdt = box("tfdt", [1, 0, 0, 0, ...u32(0), ...u32(3000)]);
  const trun = box("trun", [0, 0, 0, 0x04, ...u32(1), ...u32(0x00010000)]);
  const moof = new Uint8Array(box("moof", box("traf", [...tfhd, ...tfdt, ...trun])));
  assert.deepEqual(readFragment(moof), { key: false, decodeTime: 3000, samples: 1 });
  assert.deepEqual(readFragment(moof, 0)?.key, false);
});
