/**
 * A small streaming Matroska demuxer: just enough to read what `ffmpeg -f matroska -live 1`
 * writes to a pipe (EBML header, Segment/Cluster of unknown or known size, Tracks, cluster
 * Timecode, SimpleBlock / BlockGroup Block without lacing).
 *
 * Bytes are copied into one growing buffer that is compacted in place, so a steady stream
 * allocates nothing per block; `onBlock` gets a view into that buffer, valid only during the call.
 */

const ID_EBML = 0x1a45dfa3;
const ID_SEGMENT = 0x18538067;
const ID_INFO = 0x1549a966;
const ID_TIMECODE_SCALE = 0x2ad7b1;
const ID_TRACKS = 0x1654ae6b;
const ID_TRACK_ENTRY = 0xae;
const ID_TRACK_NUMBER = 0xd7;
const ID_CODEC_ID = 0x86;
const ID_VIDEO = 0xe0;
const ID_PIXEL_WIDTH = 0xb0;
const ID_PIXEL_HEIGHT = 0xba;
const ID_CLUSTER = 0x1f43b675;
const ID_CLUSTER_TIMECODE = 0xe7;
const ID_BLOCK_GROUP = 0xa0;
const ID_BLOCK = 0xa1;
const ID_SIMPLE_BLOCK = 0xa3;

/** Master elements whose children are read in the same flat loop. */
const DESCEND = new Set([ID_SEGMENT, ID_CLUSTER, ID_BLOCK_GROUP]);
/** Elements read whole once all their bytes are in. */
const READ_WHOLE = new Set([
  ID_INFO,
  ID_TRACKS,
  ID_CLUSTER_TIMECODE,
  ID_BLOCK,
  ID_SIMPLE_BLOCK,
]);

/** One track from the stream's Tracks element. */
export interface MkvTrack {
  number: number;
  codecId: string;
  width: number;
  height: number;
  /** The TrackEntry's body bytes (a copy), to describe this track to another ffmpeg. */
  entry: Uint8Array;
}

/** Thrown when the bytes are not the Matroska stream this reader expects. */
export class MkvFormatError extends Error {
  override name = "MkvFormatError";
}

export interface MkvDemuxerOptions {
  /** Largest element kept in memory (a block is one frame). Default 64 MiB. */
  maxElementBytes?: number;
  /** Initial buffer size. Default 1 MiB. */
  initialBytes?: number;
}

export class MkvDemuxer {
  /** Called once the Tracks element has been read. */
  onTracks: (tracks: MkvTrack[]) => void = () => {};
  /**
   * Called for each frame: track number, presentation time in milliseconds (stream time),
   * the frame's bytes (a view into the reader's buffer, valid only during the call), and whether
   * it is a keyframe (a SimpleBlock's flag; a decoder can start there).
   */
  onBlock: (track: number, timeMs: number, data: Uint8Array, keyframe: boolean) => void = () => {};

  readonly #max: number;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  /** Bytes of an uninteresting element still to be thrown away. */
  #skip = 0;
  #timecodeScale = 1_000_000;
  #clusterTime = 0;
  #sawHeader = false;

  constructor(opts: MkvDemuxerOptions = {}) {
    this.#max = opts.maxElementBytes ?? 64 * 1024 * 1024;
    this.#buf = new Uint8Array(opts.initialBytes ?? 1024 * 1024);
  }

  /** Feeds bytes; calls onTracks/onBlock for what they complete. Throws MkvFormatError. */
  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, data.length);
      this.#skip -= n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    this.#append(data);
    this.#parse();
  }

  #append(data: Uint8Array): void {
    if (this.#end + data.length > this.#buf.length) {
      // Compact first; grow only when the pending bytes really need more room.
      const pending = this.#end - this.#start;
      if (pending + data.length > this.#buf.length) {
        let size = this.#buf.length * 2;
        while (size < pending + data.length) size *= 2;
        if (size > this.#max * 2) {
          throw new MkvFormatError(`a frame larger than ${this.#max} bytes arrived`);
        }
        const bigger = new Uint8Array(size);
        bigger.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = bigger;
      } else {
        this.#buf.copyWithin(0, this.#start, this.#end);
      }
      this.#end = pending;
      this.#start = 0;
    }
    this.#buf.set(data, this.#end);
    this.#end += data.length;
  }

  #parse(): void {
    const buf = this.#buf;
    while (true) {
      const pos = this.#start;
      const avail = this.#end - pos;
      if (avail < 1) break;
      const idLen = vintLength(buf[pos]);
      if (idLen > 4) throw new MkvFormatError("not a Matroska stream (bad element id)");
      if (avail < idLen + 1) break;
      const sizeLen = vintLength(buf[pos + idLen]);
      if (sizeLen > 8) throw new MkvFormatError("not a Matroska stream (bad element size)");
      if (avail < idLen + sizeLen) break;
      let id = 0;
      for (let i = 0; i < idLen; i++) id = id * 256 + buf[pos + i];
      if (!this.#sawHeader) {
        if (id !== ID_EBML) throw new MkvFormatError("not a Matroska stream (no EBML header)");
        this.#sawHeader = true;
      }
      const size = readSize(buf, pos + idLen, sizeLen);
      const header = idLen + sizeLen;
      if (DESCEND.has(id)) {
        this.#start = pos + header;
        continue;
      }
      if (size < 0) throw new MkvFormatError(`element 0x${id.toString(16)} has an unknown size`);
      if (size > this.#max) throw new MkvFormatError(`element of ${size} bytes is too large`);
      if (!READ_WHOLE.has(id)) {
        // Skip: what is here now, and the rest as it arrives.
        const have = avail - header;
        if (have >= size) {
          this.#start = pos + header + size;
          continue;
        }
        this.#skip = size - have;
        this.#start = this.#end = 0;
        break;
      }
      if (avail < header + size) break;
      const body = pos + header;
      this.#start = body + size;
      this.#element(id, body, size);
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #element(id: number, at: number, size: number): void {
    const buf = this.#buf;
    switch (id) {
      case ID_CLUSTER_TIMECODE:
        this.#clusterTime = readUint(buf, at, size);
        return;
      case ID_SIMPLE_BLOCK:
      case ID_BLOCK: {
        const trackLen = vintLength(buf[at]);
        if (trackLen > 8 || size < trackLen + 3) throw new MkvFormatError("bad block header");
        const track = readSize(buf, at, trackLen);
        const rel = ((buf[at + trackLen] << 24) | (buf[at + trackLen + 1] << 16)) >> 16;
        const flags = buf[at + trackLen + 2];
        if ((flags & 0x06) !== 0) throw new MkvFormatError("laced blocks are not supported");
        const ticks = this.#clusterTime + rel;
        const timeMs = ticks * this.#timecodeScale / 1_000_000;
        const head = trackLen + 3;
        const keyframe = id === ID_SIMPLE_BLOCK && (flags & 0x80) !== 0;
        this.onBlock(track, timeMs, buf.subarray(at + head, at + size), keyframe);
        return;
      }
      case ID_INFO:
        this.#children(at, size, (cid, cat, csize) => {
          if (cid === ID_TIMECODE_SCALE) this.#timecodeScale = readUint(buf, cat, csize);
        });
        return;
      case ID_TRACKS: {
        const tracks: MkvTrack[] = [];
        this.#children(at, size, (cid, cat, csize) => {
          if (cid !== ID_TRACK_ENTRY) return;
          const t: MkvTrack = {
            number: 0,
            codecId: "",
            width: 0,
            height: 0,
            entry: buf.slice(cat, cat + csize),
          };
          this.#children(cat, csize, (eid, eat, esize) => {
            if (eid === ID_TRACK_NUMBER) t.number = readUint(buf, eat, esize);
            else if (eid === ID_CODEC_ID) {
              t.codecId = new TextDecoder().decode(buf.subarray(eat, eat + esize)).replace(
                /\0+$/,
                "",
              );
            } else if (eid === ID_VIDEO) {
              this.#children(eat, esize, (vid, vat, vsize) => {
                if (vid === ID_PIXEL_WIDTH) t.width = readUint(buf, vat, vsize);
                else if (vid === ID_PIXEL_HEIGHT) t.height = readUint(buf, vat, vsize);
              });
            }
          });
          tracks.push(t);
        });
        this.onTracks(tracks);
        return;
      }
    }
  }

  #children(
    at: number,
    size: number,
    visit: (id: number, at: number, size: number) => void,
  ): void {
    const buf = this.#buf;
    const end = at + size;
    let pos = at;
    while (pos < end) {
      const idLen = vintLength(buf[pos]);
      if (idLen > 4 || pos + idLen >= end) throw new MkvFormatError("bad child element");
      let id = 0;
      for (let i = 0; i < idLen; i++) id = id * 256 + buf[pos + i];
      const sizeLen = vintLength(buf[pos + idLen]);
      if (sizeLen > 8) throw new MkvFormatError("bad child element size");
      const csize = readSize(buf, pos + idLen, sizeLen);
      const body = pos + idLen + sizeLen;
      if (csize < 0 || body + csize > end) throw new MkvFormatError("bad child element size");
      visit(id, body, csize);
      pos = body + csize;
    }
  }
}

/** Length in bytes of an EBML variable-size integer from its first byte (9 = invalid). */
function vintLength(first: number): number {
  if (first === 0) return 9;
  return Math.clz32(first) - 23;
}

/** Reads an EBML size; -1 when it is the reserved "unknown size" value. */
function readSize(buf: Uint8Array, at: number, len: number): number {
  const mask = 0xff >> len;
  let value = buf[at] & mask;
  let allOnes = value === mask;
  for (let i = 1; i < len; i++) {
    value = value * 256 + buf[at + i];
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  return allOnes ? -1 : value;
}

function readUint(buf: Uint8Array, at: number, len: number): number {
  let value = 0;
  for (let i = 0; i < len; i++) value = value * 256 + buf[at + i];
  return value;
}
