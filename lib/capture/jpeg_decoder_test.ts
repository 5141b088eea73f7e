/**
 * The on-demand decoder with a real ffmpeg: an H.264 stream with B-frames (decode order differs
 * from presentation order) whose frame N is a flat picture of brightness 16 + 6N, so each JPEG
 * tells which frame it is.
 */
import assert from "node:assert/strict";
import { FEED_GRACE_MS, JpegDecoder } from "./jpeg_decoder.ts";
import { MkvDemuxer, type MkvTrack } from "./mkv_demuxer.ts";
import { ffmpeg } from "../../tests/capture_helpers.ts";

const FRAMES = 36;

interface Packet {
  pts: number;
  data: Uint8Array;
  keyframe: boolean;
}

/** The stream as the capture's ffmpeg copies it: its track and packets in decode order. */
async function h264Packets(): Promise<{ track: MkvTrack; packets: Packet[] }> {
  const mkv = await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `color=c=black:s=96x64:r=15:d=${FRAMES / 15},geq=lum='16+6*N':cb=128:cr=128`,
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-bf",
    "2",
    "-g",
    "12",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "matroska",
    "pipe:1",
  ]);
  const demux = new MkvDemuxer();
  let track: MkvTrack | null = null;
  const packets: Packet[] = [];
  demux.onTracks = (t) => track = t[0];
  demux.onBlock = (_, pts, data, keyframe) => packets.push({ pts, data: data.slice(), keyframe });
  demux.push(mkv);
  assert.ok(track && packets.length === FRAMES);
  const ordered = packets.map((p) => p.pts);
  assert.notDeepEqual(
    ordered,
    [...ordered].sort((a, b) => a - b),
    "B-frames: decode order differs",
  );
  return { track, packets };
}

/** The frame number a JPEG shows (its mean brightness). */
async function frameOf(jpeg: Uint8Array): Promise<number> {
  const px = await ffmpeg(
    ["-f", "mjpeg", "-i", "pipe:0", "-vf", "scale=1:1,format=gray", "-f", "rawvideo", "pipe:1"],
    jpeg,
  );
  return Math.round(px[0] / (6 * 255 / 219)); // JPEGs are full range: 16 is 0
}

Deno.test("JpegDecoder: each JPEG is the frame asked for, from a keyframe on, with B-frames; only those are encoded", async () => {
  const { track, packets } = await h264Packets();
  const frameMs = 1000 / 15;
  const number = (pts: number) => Math.round(pts / frameMs);
  // Asked one by one (an isolated frame, a run as in motion, then frames after a pause).
  const wanted = new Set([0, 5, 6, 7, 8, 9, 22, 30]);
  let clock = 0; // the stream's time: one frame per packet
  const decoder = new JpegDecoder({ track, quality: 5, now: () => clock });
  const got = new Map<number, Promise<Uint8Array | null>>();
  try {
    // The capture passes a gray frame on once its packet came; with B-frames a frame's packet
    // comes early, so ask for frame N once the packets up to N's have been given.
    const seen = new Set<number>();
    let next = 0;
    for (const p of packets) {
      clock += frameMs;
      decoder.packet(p.pts, p.data, p.keyframe);
      seen.add(number(p.pts));
      while (seen.has(next)) {
        const pts = packets.find((q) => number(q.pts) === next)!.pts;
        if (wanted.has(next)) got.set(next, decoder.jpegOf(pts, next >= 5 && next < 9));
        next++;
      }
      // The stream goes on in real time: ffmpeg gets a moment per frame.
      await new Promise((r) => setTimeout(r, 15));
    }
    for (const [n, promise] of got) {
      const jpeg = await promise;
      assert.ok(jpeg, `frame ${n} has a JPEG`);
      assert.equal(await frameOf(jpeg), n, `the JPEG asked for frame ${n}`);
    }
    assert.equal(got.size, wanted.size);
    assert.equal(decoder.dropped, 0);
    // Frames fed as references (from the keyframe up to the one asked for) are not encoded;
    // after the run asked with `more`, those of the grace period are (and, with B-frames, one
    // or two shown after an awaited one).
    const grace = Math.ceil(FEED_GRACE_MS / frameMs);
    assert.ok(decoder.encoded <= wanted.size + grace + 2, `${decoder.encoded} JPEGs encoded`);
  } finally {
    await decoder.close();
  }
});

Deno.test("JpegDecoder: no keyframe yet, or too many waiting, is null at once; close answers the rest", async () => {
  const { track, packets } = await h264Packets();
  const decoder = new JpegDecoder({ track, quality: 5 });
  try {
    // A frame whose GOP was never seen: nothing to decode from.
    decoder.packet(packets[1].pts, packets[1].data, false);
    assert.equal(await decoder.jpegOf(packets[1].pts, false), null);
    decoder.packet(packets[0].pts, packets[0].data, true);
    const first = decoder.jpegOf(packets[0].pts, false);
    const waiting = Array.from({ length: 8 }, () => decoder.jpegOf(packets[0].pts + 1, false));
    assert.equal(await waiting.at(-1), null, "past MAX_WAITING");
    // With B-frames the keyframe comes out once the next packets went in.
    for (const p of packets.slice(1, 6)) decoder.packet(p.pts, p.data, p.keyframe);
    assert.ok(await first);
    await decoder.close();
    for (const w of waiting.slice(0, -1)) assert.equal(await w, null);
    assert.equal(await decoder.jpegOf(packets[0].pts, false), null, "closed");
  } finally {
    await decoder.close();
  }
});
