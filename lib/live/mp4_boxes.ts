/**
 * @module
 * Reads a fragmented MP4 as ffmpeg writes it to a pipe (`-movflags empty_moov+…`): splits the
 * byte stream into top-level boxes however the chunks are cut, groups them into the init
 * segment (ftyp + moov) and media fragments (moof + mdat), and reads from them what a live
 * relay needs: the codec string (`avc1.PPCCLL` from avcC), the picture size, and for each
 * fragment whether it starts with a keyframe and its decode time. No Deno API: plain bytes.
 */

/** One top-level box, header included. */
export interface Mp4Box {
  type: string;
  bytes: Uint8Array;
}

/** A box larger than this is refused (a live fragment is a few frames; a GOP at most MBs). */
export const MAX_BOX_BYTES = 32 * 1024 * 1024;

const latin1 = new TextDecoder("latin1");

function typeAt(b: Uint8Array, at: number): string {
  return latin1.decode(b.subarray(at, at + 4));
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Splits a byte stream into top-level boxes. `push` returns the boxes completed by a chunk;
 * bytes of an unfinished box are kept (copied once) until the rest comes. Throws a RangeError
 * on a box that cannot be streamed: size 0 ("to the end of the file"), smaller than its own
 * header, or larger than `maxBoxBytes`.
 */
export class Mp4BoxSplitter {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Size of the box being collected, once its header is in (0: not known yet). */
  #need = 0;
  readonly #max: number;

  constructor(maxBoxBytes = MAX_BOX_BYTES) {
    this.#max = maxBoxBytes;
  }

  /** Bytes held for a box not yet complete. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): Mp4Box[] {
    if (chunk.length === 0) return [];
    if (this.#need > 0 && this.#pendingBytes + chunk.length < this.#need) {
      // still inside a large box: keep the piece, join once the box is whole (no quadratic copy)
      this.#pending.push(chunk.slice());
      this.#pendingBytes += chunk.length;
      return [];
    }
    let buf: Uint8Array;
    if (this.#pendingBytes === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#pendingBytes + chunk.length);
      let at = 0;
      for (const p of this.#pending) {
        buf.set(p, at);
        at += p.length;
      }
      buf.set(chunk, at);
    }
    const out: Mp4Box[] = [];
    let at = 0;
    this.#need = 0;
    while (buf.length - at >= 8) {
      const v = view(buf);
      let size = v.getUint32(at);
      let header = 8;
      if (size === 1) {
        if (buf.length - at < 16) break;
        const big = v.getBigUint64(at + 8);
        if (big > BigInt(this.#max)) throw new RangeError(`MP4 box of ${big} bytes is too large`);
        size = Number(big);
        header = 16;
      }
      if (size === 0) throw new RangeError("MP4 box of unknown size (0) cannot be streamed");
      if (size < header) throw new RangeError(`MP4 box size ${size} is smaller than its header`);
      if (size > this.#max) throw new RangeError(`MP4 box of ${size} bytes is too large`);
      if (buf.length - at < size) {
        this.#need = size;
        break;
      }
      out.push({ type: typeAt(buf, at + 4), bytes: buf.subarray(at, at + size) });
      at += size;
    }
    const rest = buf.subarray(at);
    // the rest is copied: `chunk` may be reused by the stream that gave it
    this.#pending = rest.length ? [rest.slice()] : [];
    this.#pendingBytes = rest.length;
    return out;
  }
}

/** The child boxes of a box whose children start `skip` bytes into its content. */
export function childBoxes(box: Uint8Array, skip = 0): Mp4Box[] {
  const v = view(box);
  const header = v.getUint32(0) === 1 ? 16 : 8;
  const out: Mp4Box[] = [];
  let at = header + skip;
  while (box.length - at >= 8) {
    let size = v.getUint32(at);
    if (size === 1) size = Number(v.getBigUint64(at + 8));
    else if (size === 0) size = box.length - at;
    if (size < 8 || at + size > box.length) break;
    out.push({ type: typeAt(box, at + 4), bytes: box.subarray(at, at + size) });
    at += size;
  }
  return out;
}

/** The first box found by following `path` of types from `box`'s children. */
export function findBox(box: Uint8Array, path: string[]): Uint8Array | null {
  let cur = box;
  for (const type of path) {
    const next = childBoxes(cur).find((b) => b.type === type);
    if (!next) return null;
    cur = next.bytes;
  }
  return cur;
}

/** What the init segment tells about the video track. */
export interface TrackInfo {
  /** The sample entry: `avc1`/`avc3` for H.264, else e.g. `mp4v`, `hvc1`. */
  sampleEntry: string;
  /** RFC 6381 codec string, e.g. `avc1.64001f`; null when not H.264. */
  codec: string | null;
  width: number;
  height: number;
  /** Ticks per second of the track's times (mdhd). */
  timescale: number;
  /** trex's default sample flags (fragments may rely on them). */
  defaultSampleFlags: number;
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** Reads the first video track of a moov box; null when it has none. */
export function readTrack(moov: Uint8Array): TrackInfo | null {
  for (const trak of childBoxes(moov).filter((b) => b.type === "trak")) {
    const mdia = findBox(trak.bytes, ["mdia"]);
    if (!mdia) continue;
    const hdlr = findBox(mdia, ["hdlr"]);
    // hdlr: header 8, version/flags 4, pre_defined 4, handler_type 4
    if (!hdlr || typeAt(hdlr, 16) !== "vide") continue;
    const mdhd = findBox(mdia, ["mdhd"]);
    let timescale = 0;
    if (mdhd) timescale = view(mdhd).getUint32(mdhd[8] === 1 ? 28 : 20);
    const stsd = findBox(mdia, ["minf", "stbl", "stsd"]);
    // stsd: version/flags 4, entry_count 4, then the sample entries
    const entry = stsd ? childBoxes(stsd, 8)[0] : undefined;
    if (!entry) continue;
    // a visual sample entry: 6 reserved, 2 index, 16 pre_defined/reserved, width, height …
    const ev = view(entry.bytes);
    const width = entry.bytes.length >= 36 ? ev.getUint16(32) : 0;
    const height = entry.bytes.length >= 36 ? ev.getUint16(34) : 0;
    let codec: string | null = null;
    if (entry.type === "avc1" || entry.type === "avc3") {
      const avcC = childBoxes(entry.bytes, 78).find((b) => b.type === "avcC");
      if (avcC && avcC.bytes.length >= 12) {
        const c = avcC.bytes;
        codec = `${entry.type}.${hex2(c[9])}${hex2(c[10])}${hex2(c[11])}`;
      }
    }
    const trex = findBox(moov, ["mvex", "trex"]);
    const defaultSampleFlags = trex && trex.length >= 32 ? view(trex).getUint32(28) : 0;
    return { sampleEntry: entry.type, codec, width, height, timescale, defaultSampleFlags };
  }
  return null;
}

/** What a moof says about its fragment. */
export interface FragmentInfo {
  /** The first sample is a sync sample (a keyframe): a decoder can start here. */
  key: boolean;
  /** baseMediaDecodeTime (tfdt), in the track's timescale ticks. */
  decodeTime: number;
  samples: number;
}

const NON_SYNC = 0x10000;

/** Reads the first track fragment of a moof box. */
export function readFragment(moof: Uint8Array, defaultSampleFlags = 0): FragmentInfo | null {
  const traf = findBox(moof, ["traf"]);
  if (!traf) return null;
  let flags = defaultSampleFlags;
  const tfhd = findBox(traf, ["tfhd"]);
  if (tfhd) {
    const v = view(tfhd);
    const f = v.getUint32(8) & 0xffffff;
    let at = 16; // after version/flags and track_ID
    if (f & 0x01) at += 8;
    if (f & 0x02) at += 4;
    if (f & 0x08) at += 4;
    if (f & 0x10) at += 4;
    if (f & 0x20 && tfhd.length >= at + 4) flags = v.getUint32(at);
  }
  let decodeTime = 0;
  const tfdt = findBox(traf, ["tfdt"]);
  if (tfdt) {
    const v = view(tfdt);
    decodeTime = tfdt[8] === 1 ? Number(v.getBigUint64(12)) : v.getUint32(12);
  }
  let samples = 0;
  const trun = findBox(traf, ["trun"]);
  if (trun) {
    const v = view(trun);
    const f = v.getUint32(8) & 0xffffff;
    samples = v.getUint32(12);
    let at = 16;
    if (f & 0x01) at += 4;
    if (f & 0x04) flags = v.getUint32(at);
    else if (f & 0x400 && samples > 0) {
      // per-sample flags: the first sample's, after its duration and size when present
      at += (f & 0x100 ? 4 : 0) + (f & 0x200 ? 4 : 0);
      flags = v.getUint32(at);
    }
  }
  return { key: (flags & NON_SYNC) === 0, decodeTime, samples };
}

/** A part of the stream a player can append: the init segment, or one media fragment. */
export type Mp4Segment =
  | { kind: "init"; bytes: Uint8Array; track: TrackInfo | null }
  | { kind: "media"; bytes: Uint8Array; key: boolean; decodeTime: number; seconds: number };

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Groups a box stream into segments: everything up to and including moov is the init segment,
 * then each moof with the boxes after it up to its mdat is one media fragment. Boxes outside
 * that order (a stray mdat, a trailing mfra) are dropped.
 */
export class Mp4Segmenter {
  readonly #splitter: Mp4BoxSplitter;
  #head: Uint8Array[] = [];
  #fragment: Uint8Array[] = [];
  #moof: Uint8Array | null = null;
  #track: TrackInfo | null = null;
  #haveInit = false;

  constructor(maxBoxBytes = MAX_BOX_BYTES) {
    this.#splitter = new Mp4BoxSplitter(maxBoxBytes);
  }

  get track(): TrackInfo | null {
    return this.#track;
  }

  push(chunk: Uint8Array): Mp4Segment[] {
    const out: Mp4Segment[] = [];
    for (const box of this.#splitter.push(chunk)) {
      if (!this.#haveInit) {
        this.#head.push(box.bytes);
        if (box.type === "moov") {
          this.#haveInit = true;
          this.#track = readTrack(box.bytes);
          out.push({ kind: "init", bytes: concat(this.#head), track: this.#track });
          this.#head = [];
        }
        continue;
      }
      if (box.type === "moof") {
        this.#moof = box.bytes;
        this.#fragment = [box.bytes];
      } else if (this.#moof) {
        this.#fragment.push(box.bytes);
        if (box.type === "mdat") {
          const info = readFragment(this.#moof, this.#track?.defaultSampleFlags ?? 0);
          const scale = this.#track?.timescale || 90_000;
          out.push({
            kind: "media",
            bytes: concat(this.#fragment),
            key: info?.key ?? false,
            decodeTime: info?.decodeTime ?? 0,
            seconds: (info?.decodeTime ?? 0) / scale,
          });
          this.#moof = null;
          this.#fragment = [];
        }
      }
    }
    return out;
  }
}
