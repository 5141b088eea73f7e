/**
 * Writes the smallest Matroska stream ffmpeg reads back: one video track (a TrackEntry taken
 * from another stream, see MkvTrack.entry) and one cluster per frame. The on-demand decoder
 * (jpeg_decoder.ts) feeds the camera's own packets to its ffmpeg this way, with their times.
 */

const ID_EBML = [0x1a, 0x45, 0xdf, 0xa3];
const ID_SEGMENT = [0x18, 0x53, 0x80, 0x67];
const ID_INFO = [0x15, 0x49, 0xa9, 0x66];
const ID_TIMESTAMP_SCALE = [0x2a, 0xd7, 0xb1];
const ID_TRACKS = [0x16, 0x54, 0xae, 0x6b];
const ID_TRACK_ENTRY = [0xae];
const ID_CLUSTER = [0x1f, 0x43, 0xb6, 0x75];
const ID_CLUSTER_TIMESTAMP = [0xe7];
const ID_SIMPLE_BLOCK = [0xa3];
/** A Segment of unknown size: the stream never ends. */
const UNKNOWN_SIZE = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/** An EBML size in 8 bytes (simple, and any size up to 2^53 fits). */
function size8(n: number): number[] {
  const out = [0x01];
  for (let shift = 6; shift >= 0; shift--) out.push(Math.floor(n / 2 ** (shift * 8)) & 0xff);
  return out;
}

function uint(n: number): number[] {
  const out: number[] = [];
  let v = Math.max(0, Math.floor(n));
  do {
    out.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return out;
}

function element(id: number[], body: ArrayLike<number>): Uint8Array {
  const head = [...id, ...size8(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const text = (s: string) => [...new TextEncoder().encode(s)];

/** EBML header, Segment start, Info (millisecond timestamps) and Tracks with `trackEntry`. */
export function mkvHeader(trackEntry: Uint8Array): Uint8Array {
  const ebml = element(ID_EBML, [
    ...element([0x42, 0x86], [1]), // EBMLVersion
    ...element([0x42, 0xf7], [1]), // EBMLReadVersion
    ...element([0x42, 0xf2], [4]), // EBMLMaxIDLength
    ...element([0x42, 0xf3], [8]), // EBMLMaxSizeLength
    ...element([0x42, 0x82], text("matroska")), // DocType
    ...element([0x42, 0x87], [4]), // DocTypeVersion
    ...element([0x42, 0x85], [2]), // DocTypeReadVersion
  ]);
  const info = element(ID_INFO, element(ID_TIMESTAMP_SCALE, uint(1_000_000)));
  const tracks = element(ID_TRACKS, element(ID_TRACK_ENTRY, trackEntry));
  return concat([ebml, new Uint8Array([...ID_SEGMENT, ...UNKNOWN_SIZE]), info, tracks]);
}

/** One frame as a cluster of its own: `track` as in the TrackEntry, `timeMs` its presentation time. */
export function mkvFrame(
  track: number,
  timeMs: number,
  keyframe: boolean,
  data: Uint8Array,
): Uint8Array {
  const head = [0x80 | track, 0, 0, keyframe ? 0x80 : 0]; // track vint (< 127), relative time 0
  const block = new Uint8Array(head.length + data.length);
  block.set(head);
  block.set(data, head.length);
  const time = element(ID_CLUSTER_TIMESTAMP, uint(Math.round(timeMs)));
  return element(ID_CLUSTER, concat([time, element(ID_SIMPLE_BLOCK, block)]));
}
