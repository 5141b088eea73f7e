/**
 * Splits a stream of back-to-back JPEGs (ffmpeg `-f mjpeg`) into whole images. Marker
 * segments are skipped by their lengths, so table bytes never pass for markers; in the
 * entropy-coded data a 0xFF is followed by 0x00 (stuffing) or a restart marker, so the first
 * other marker there is the end of the image.
 */

export class JpegStreamError extends Error {
  override name = "JpegStreamError";
}

export class JpegStream {
  /** Called with each whole JPEG (a view into the reader's buffer, valid only during the call). */
  onImage: (jpeg: Uint8Array) => void = () => {};
  #buf: Uint8Array;
  #end = 0;
  readonly #max: number;

  constructor(initialBytes = 256 * 1024, maxBytes = 32 * 1024 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
    this.#max = maxBytes;
  }

  push(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buf.length) {
      const need = this.#end + chunk.length;
      if (need > this.#max) throw new JpegStreamError(`a JPEG larger than ${this.#max} bytes`);
      const bigger = new Uint8Array(Math.min(this.#max, Math.max(need, this.#buf.length * 2)));
      bigger.set(this.#buf.subarray(0, this.#end));
      this.#buf = bigger;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
    let start = 0;
    while (true) {
      const size = this.#imageSize(start);
      if (size === 0) break;
      this.onImage(this.#buf.subarray(start, start + size));
      start += size;
    }
    if (start > 0) {
      this.#buf.copyWithin(0, start, this.#end);
      this.#end -= start;
    }
  }

  /** Length of the whole JPEG at `at`, or 0 when its end has not arrived yet. */
  #imageSize(at: number): number {
    const b = this.#buf, end = this.#end;
    if (end - at < 2) return 0;
    if (b[at] !== 0xff || b[at + 1] !== 0xd8) throw new JpegStreamError("not a JPEG (no SOI)");
    let p = at + 2;
    // marker segments up to and including SOS
    while (true) {
      if (end - p < 4) return 0;
      if (b[p] !== 0xff) throw new JpegStreamError("bad JPEG marker");
      const marker = b[p + 1];
      if (marker === 0xff) { // fill byte
        p++;
        continue;
      }
      const len = (b[p + 2] << 8) | b[p + 3];
      if (len < 2) throw new JpegStreamError("bad JPEG segment length");
      p += 2 + len;
      if (marker === 0xda) break;
    }
    // entropy-coded data up to EOI
    for (; p + 1 < end; p++) {
      if (b[p] !== 0xff) continue;
      const next = b[p + 1];
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
      if (next === 0xd9) return p + 2 - at;
      throw new JpegStreamError("unexpected marker in JPEG data");
    }
    return 0;
  }
}
