import assert from "node:assert/strict";
import { MkvDemuxer, MkvFormatError } from "./mkv_demuxer.ts";
import { fakeJpeg, mkvCluster, mkvHeader } from "./_test_mkv.ts";
import * as writer from "./mkv_writer.ts";

function collect(d: MkvDemuxer) {
  const blocks: { track: number; time: number; bytes: number[] }[] = [];
  const tracks: unknown[] = [];
  d.onTracks = (t) => tracks.push(...t.map(({ entry: _, ...rest }) => rest));
  d.onBlock = (track, time, data) => blocks.push({ track, time, bytes: [...data] });
  return { blocks, tracks };
}

Deno.test("MkvDemuxer reads tracks and blocks with their times", () => {
  const d = new MkvDemuxer();
  const got = collect(d);
  d.push(mkvHeader());
  d.push(mkvCluster(0, [[1, new Uint8Array([1, 2, 3])], [2, new Uint8Array([9])]]));
  d.push(mkvCluster(67, [[1, new Uint8Array([4, 5, 6])], [2, new Uint8Array([8])]]));
  assert.deepEqual(got.tracks, [
    { number: 1, codecId: "V_UNCOMPRESSED", width: 640, height: 480 },
    { number: 2, codecId: "V_MJPEG", width: 640, height: 480 },
  ]);
  assert.deepEqual(got.blocks, [
    { track: 1, time: 0, bytes: [1, 2, 3] },
    { track: 2, time: 0, bytes: [9] },
    { track: 1, time: 67, bytes: [4, 5, 6] },
    { track: 2, time: 67, bytes: [8] },
  ]);
});

Deno.test("MkvDemuxer gives the same blocks when bytes arrive one at a time", () => {
  const all = [
    ...mkvHeader(),
    ...mkvCluster(0, [[1, new Uint8Array(300).fill(7)], [2, fakeJpeg(64, 48, 1)]]),
    ...mkvCluster(40, [[1, new Uint8Array(300).fill(8)], [2, fakeJpeg(64, 48, 2)]]),
  ];
  const whole = new MkvDemuxer();
  const a = collect(whole);
  whole.push(new Uint8Array(all));
  const bytewise = new MkvDemuxer({ initialBytes: 16 });
  const b = collect(bytewise);
  for (const byte of all) bytewise.push(new Uint8Array([byte]));
  assert.equal(a.blocks.length, 4);
  assert.deepEqual(b.blocks, a.blocks);
});

Deno.test("MkvDemuxer rejects bytes that are not Matroska", () => {
  const d = new MkvDemuxer();
  assert.throws(() => d.push(new TextEncoder().encode("Hello, not a video")), MkvFormatError);
});

Deno.test("mkv_writer's stream reads back: the track entry, each frame's time, keyframe flag and bytes", () => {
  const source = new MkvDemuxer();
  let entry: Uint8Array = new Uint8Array();
  source.onTracks = (t) => entry = t[1].entry;
  source.push(mkvHeader());
  const d = new MkvDemuxer();
  const tracks: { number: number; codecId: string }[] = [];
  const blocks: unknown[] = [];
  d.onTracks = (t) => tracks.push(...t);
  d.onBlock = (track, time, data, key) => blocks.push([track, time, [...data], key]);
  d.push(writer.mkvHeader(entry));
  d.push(writer.mkvFrame(2, 0, true, new Uint8Array([1, 2])));
  d.push(writer.mkvFrame(2, 70_000.4, false, new Uint8Array([3])));
  assert.equal(tracks.length, 1);
  assert.equal(tracks[0].number, 2);
  assert.equal(tracks[0].codecId, "V_MJPEG");
  assert.deepEqual(blocks, [[2, 0, [1, 2], true], [2, 70_000, [3], false]]);
});
