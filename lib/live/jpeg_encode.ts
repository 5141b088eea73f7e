/**
 * @module
 * A small baseline JPEG encoder (ITU T.81: sequential, Huffman, 8-bit, 4:4:4 YCbCr) for the
 * live delta atlases. Written here because imagescript encodes JPEG only through native FFI
 * (which Vigil's permissions do not grant) and jpeg-js rebuilds its tables on every call
 * (10 ms even for a 16×16 picture); this one builds them once per quality.
 * 4:4:4 on purpose: with no chroma subsampling every 8×8 block is coded on its own, so a tile
 * of an atlas never bleeds into its neighbour when decoded.
 */

// deno-fmt-ignore
const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27,
  20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58,
  59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// ITU T.81 Annex K tables: quantisation (natural order) and the typical Huffman tables.
// deno-fmt-ignore
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
  92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
// deno-fmt-ignore
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, ...new Array(32).fill(99),
];
const DC_LUMA_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_LUMA_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_CHROMA_COUNTS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_CHROMA_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_COUNTS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// deno-fmt-ignore
const AC_LUMA_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];
const AC_CHROMA_COUNTS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
// deno-fmt-ignore
const AC_CHROMA_VALUES = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
  0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
  0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
  0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
  0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
  0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

/** Huffman codes and lengths by symbol. */
interface HuffTable {
  code: Uint16Array;
  size: Uint8Array;
}

function buildHuffman(counts: number[], values: number[]): HuffTable {
  const code = new Uint16Array(256), size = new Uint8Array(256);
  let k = 0, c = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) {
      code[values[k]] = c++;
      size[values[k++]] = len;
    }
    c <<= 1;
  }
  return { code, size };
}

const DC_LUMA = buildHuffman(DC_LUMA_COUNTS, DC_LUMA_VALUES);
const DC_CHROMA = buildHuffman(DC_CHROMA_COUNTS, DC_CHROMA_VALUES);
const AC_LUMA = buildHuffman(AC_LUMA_COUNTS, AC_LUMA_VALUES);
const AC_CHROMA = buildHuffman(AC_CHROMA_COUNTS, AC_CHROMA_VALUES);

/** AAN's scale factors of the float DCT (libjpeg's jfdctflt.c). */
const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

interface QuantSet {
  /** The tables as written in DQT, zigzag order. */
  lumaZz: Uint8Array;
  chromaZz: Uint8Array;
  /** Multipliers that turn a float DCT output (natural order) into a quantised coefficient. */
  lumaMul: Float32Array;
  chromaMul: Float32Array;
}

const quantCache = new Map<number, QuantSet>();

function quantSet(quality: number): QuantSet {
  let set = quantCache.get(quality);
  if (set) return set;
  // IJG's quality scaling.
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  const make = (base: number[]) => {
    const zz = new Uint8Array(64), mul = new Float32Array(64);
    for (let i = 0; i < 64; i++) {
      const q = Math.min(255, Math.max(1, Math.floor((base[i] * scale + 50) / 100)));
      mul[i] = 1 / (q * AAN[i >> 3] * AAN[i & 7] * 8);
    }
    for (let k = 0; k < 64; k++) {
      zz[k] = Math.min(255, Math.max(1, Math.floor((base[ZIGZAG[k]] * scale + 50) / 100)));
    }
    return { zz, mul };
  };
  const l = make(LUMA_Q), c = make(CHROMA_Q);
  set = { lumaZz: l.zz, chromaZz: c.zz, lumaMul: l.mul, chromaMul: c.mul };
  quantCache.set(quality, set);
  return set;
}

/** Growing byte buffer with a bit writer that stuffs 0x00 after every 0xFF of entropy data. */
class ByteWriter {
  buf = new Uint8Array(16384);
  len = 0;
  #bits = 0;
  #nbits = 0;

  #grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.#grow(1);
    this.buf[this.len++] = b;
  }
  word(w: number): void {
    this.byte(w >> 8);
    this.byte(w & 255);
  }
  bytes(list: ArrayLike<number>): void {
    this.#grow(list.length);
    for (let i = 0; i < list.length; i++) this.buf[this.len++] = list[i];
  }
  bits(value: number, count: number): void {
    this.#bits = (this.#bits << count) | (value & ((1 << count) - 1));
    this.#nbits += count;
    while (this.#nbits >= 8) {
      const b = (this.#bits >> (this.#nbits - 8)) & 255;
      this.byte(b);
      if (b === 0xff) this.byte(0);
      this.#nbits -= 8;
    }
    this.#bits &= (1 << this.#nbits) - 1;
  }
  /** Pads the last byte with 1 bits (T.81 F.1.2.3). */
  flushBits(): void {
    if (this.#nbits > 0) this.bits(0x7f, 8 - this.#nbits);
  }
}

/** Forward 8×8 float DCT in place (AAN, as libjpeg's jfdctflt.c); output unscaled. */
function fdct(d: Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8, stride = pass === 0 ? 8 : 1;
    for (let i = 0; i < 8; i++) {
      const o = i * stride;
      const p0 = o, p1 = o + step, p2 = o + 2 * step, p3 = o + 3 * step;
      const p4 = o + 4 * step, p5 = o + 5 * step, p6 = o + 6 * step, p7 = o + 7 * step;
      const t0 = d[p0] + d[p7], t7 = d[p0] - d[p7];
      const t1 = d[p1] + d[p6], t6 = d[p1] - d[p6];
      const t2 = d[p2] + d[p5], t5 = d[p2] - d[p5];
      const t3 = d[p3] + d[p4], t4 = d[p3] - d[p4];
      const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
      d[p0] = t10 + t11;
      d[p4] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      d[p2] = t13 + z1;
      d[p6] = t13 - z1;
      const s10 = t4 + t5, s11 = t5 + t6, s12 = t6 + t7;
      const z5 = (s10 - s12) * 0.382683433;
      const z2 = 0.5411961 * s10 + z5;
      const z4 = 1.306562965 * s12 + z5;
      const z3 = s11 * 0.707106781;
      const z11 = t7 + z3, z13 = t7 - z3;
      d[p5] = z13 + z2;
      d[p3] = z13 - z2;
      d[p1] = z11 + z4;
      d[p7] = z11 - z4;
    }
  }
}

/** Magnitude category of a coefficient (its bit length). */
function category(v: number): number {
  let a = v < 0 ? -v : v, n = 0;
  while (a) {
    n++;
    a >>= 1;
  }
  return n;
}

const block = new Float32Array(64);
const coeffs = new Int32Array(64);

/** Codes one 8×8 block; returns its DC for the next block's prediction. */
function codeBlock(
  w: ByteWriter,
  mul: Float32Array,
  prevDc: number,
  dc: HuffTable,
  ac: HuffTable,
): number {
  fdct(block);
  for (let k = 0; k < 64; k++) coeffs[k] = Math.round(block[ZIGZAG[k]] * mul[ZIGZAG[k]]);
  const diff = coeffs[0] - prevDc;
  const cat = category(diff);
  w.bits(dc.code[cat], dc.size[cat]);
  if (cat) w.bits(diff < 0 ? diff - 1 : diff, cat);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = coeffs[k];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      w.bits(ac.code[0xf0], ac.size[0xf0]);
      run -= 16;
    }
    const c = category(v);
    const sym = (run << 4) | c;
    w.bits(ac.code[sym], ac.size[sym]);
    w.bits(v < 0 ? v - 1 : v, c);
    run = 0;
  }
  if (run > 0) w.bits(ac.code[0], ac.size[0]);
  return coeffs[0];
}

function writeHuffman(w: ByteWriter, cls: number, id: number, counts: number[], values: number[]) {
  w.byte((cls << 4) | id);
  w.bytes(counts);
  w.bytes(values);
}

/**
 * Encodes an RGBA (or RGBX) picture as a baseline JPEG at `quality` (1–100, IJG's scale).
 * Throws a RangeError for a size that does not match the pixels or a quality out of range.
 */
export function encodeJpeg(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  quality = 85,
): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`encodeJpeg: bad size ${width}×${height}`);
  }
  if (width > 65535 || height > 65535) throw new RangeError("encodeJpeg: larger than 65535");
  if (rgba.length < width * height * 4) {
    throw new RangeError(`encodeJpeg: ${rgba.length} bytes for ${width}×${height} RGBA`);
  }
  if (!(quality >= 1 && quality <= 100)) throw new RangeError(`encodeJpeg: quality ${quality}`);
  const q = quantSet(Math.round(quality));
  const w = new ByteWriter();
  w.word(0xffd8);
  // APP0 JFIF, version 1.1, no density, no thumbnail
  w.word(0xffe0);
  w.word(16);
  w.bytes([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  w.word(0xffdb);
  w.word(2 + 65 * 2);
  w.byte(0);
  w.bytes(q.lumaZz);
  w.byte(1);
  w.bytes(q.chromaZz);
  // SOF0: 8-bit, 3 components, 1×1 sampling each (4:4:4)
  w.word(0xffc0);
  w.word(17);
  w.byte(8);
  w.word(height);
  w.word(width);
  w.byte(3);
  w.bytes([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  w.word(0xffc4);
  w.word(
    2 + 4 * 17 + DC_LUMA_VALUES.length + AC_LUMA_VALUES.length + DC_CHROMA_VALUES.length +
      AC_CHROMA_VALUES.length,
  );
  writeHuffman(w, 0, 0, DC_LUMA_COUNTS, DC_LUMA_VALUES);
  writeHuffman(w, 1, 0, AC_LUMA_COUNTS, AC_LUMA_VALUES);
  writeHuffman(w, 0, 1, DC_CHROMA_COUNTS, DC_CHROMA_VALUES);
  writeHuffman(w, 1, 1, AC_CHROMA_COUNTS, AC_CHROMA_VALUES);
  w.word(0xffda);
  w.word(12);
  w.bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  let dcY = 0, dcCb = 0, dcCr = 0;
  const ys = new Float32Array(64), cbs = new Float32Array(64), crs = new Float32Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let r = 0; r < 8; r++) {
        const y = Math.min(by + r, height - 1); // repeat the last row and column at the edges
        for (let c = 0; c < 8; c++) {
          const p = (y * width + Math.min(bx + c, width - 1)) * 4;
          const R = rgba[p], G = rgba[p + 1], B = rgba[p + 2];
          const i = r * 8 + c;
          ys[i] = 0.299 * R + 0.587 * G + 0.114 * B - 128;
          cbs[i] = -0.168736 * R - 0.331264 * G + 0.5 * B;
          crs[i] = 0.5 * R - 0.418688 * G - 0.081312 * B;
        }
      }
      block.set(ys);
      dcY = codeBlock(w, q.lumaMul, dcY, DC_LUMA, AC_LUMA);
      block.set(cbs);
      dcCb = codeBlock(w, q.chromaMul, dcCb, DC_CHROMA, AC_CHROMA);
      block.set(crs);
      dcCr = codeBlock(w, q.chromaMul, dcCr, DC_CHROMA, AC_CHROMA);
    }
  }
  w.flushBits();
  w.word(0xffd9);
  return w.buf.slice(0, w.len);
}
