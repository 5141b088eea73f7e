/** Test helper: writes the Matroska subset that ffmpeg's live muxer produces. */

function vint(n: number): number[] {
  // 8-byte size, always valid.
  const out = [0x01];
  for (let i = 6; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

function idBytes(id: number): number[] {
  const out: number[] = [];
  while (id > 0) {
    out.unshift(id & 0xff);
    id = Math.floor(id / 256);
  }
  return out;
}

export function el(id: number, body: number[] | Uint8Array): number[] {
  return [...idBytes(id), ...vint(body.length), ...body];
}

export function uint(id: number, v: number): number[] {
  return el(id, [(v >> 8) & 0xff, v & 0xff]);
}

/** EBML header + Segment of unknown size + Tracks for a gray and a JPEG track. */
export function mkvHeader(jpegCodec = "V_MJPEG"): Uint8Array {
  const ebml = el(0x1a45dfa3, el(0x4282, [...new TextEncoder().encode("matroska")]));
  const segment = [0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  const info = el(0x1549a966, el(0x2ad7b1, [0x0f, 0x42, 0x40]));
  const track = (n: number, codec: string) =>
    el(0xae, [
      ...uint(0xd7, n),
      ...el(0x86, [...new TextEncoder().encode(codec)]),
      ...el(0xe0, [...uint(0xb0, 640), ...uint(0xba, 480)]),
    ]);
  const tracks = el(0x1654ae6b, [...track(1, "V_UNCOMPRESSED"), ...track(2, jpegCodec)]);
  return new Uint8Array([...ebml, ...segment, ...info, ...el(0xec, [0, 0, 0]), ...tracks]);
}

/** A cluster at `timeMs` with one SimpleBlock per [track, data]. */
export function mkvCluster(timeMs: number, blocks: [number, Uint8Array][]): Uint8Array {
  const body = [...uint(0xe7, timeMs)];
  for (const [track, data] of blocks) body.push(...el(0xa3, [0x80 | track, 0, 0, 0x80, ...data]));
  return new Uint8Array(el(0x1f43b675, body));
}

/** A minimal JPEG header (SOI + SOF0) of the given size, tagged with a byte. */
export function fakeJpeg(width: number, height: number, tag: number): Uint8Array {
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
    tag,
    0xff,
    0xd9,
  ]);
}
