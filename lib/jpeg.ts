/**
 * @module
 * JPEG header reading shared by capture (the source size from the first frame) and the pages
 * (image sizes in the history). Dependency-free, so browser bundles may import it too.
 */

/**
 * The pixel size of a JPEG from its SOF marker, or null when the bytes are not a JPEG (or the
 * marker lies past the bytes given). Reads only headers: pass the file's first few KB.
 */
export function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i++;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      return width && height ? { width, height } : null;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan
    i += 2 + len;
  }
  return null;
}

/**
 * Whether `b` is a whole JPEG: SOI first, every header segment inside the bytes (not shorter
 * than its length field says), a start of scan, and the EOI marker (FFD9) at the end (zero
 * padding after it allowed). A camera or a network that cuts a frame short fails this.
 * Allocates nothing (it runs on every frame).
 */
export function jpegComplete(b: Uint8Array): boolean {
  const n = b.length;
  if (n < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let end = n;
  while (end > 2 && b[end - 1] === 0 && n - end < 64) end--; // padding some cameras add
  if (b[end - 2] !== 0xff || b[end - 1] !== 0xd9) return false;
  let i = 2;
  while (i + 4 <= end) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1];
    if (marker === 0xff) { // fill byte
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { // no length
      i += 2;
      continue;
    }
    if (marker === 0xd9) return false; // end of image before any scan
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > end - 2) return false; // the header says more than there is
    if (marker === 0xda) return true; // start of scan: entropy-coded data up to the EOI
    i += 2 + len;
  }
  return false;
}

/** The size of the JPEG file at `path`, reading at most its first 64 KB; null when unreadable. */
export async function jpegFileSize(
  path: string | URL,
): Promise<{ width: number; height: number } | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return null;
  }
  try {
    const buf = new Uint8Array(65536);
    let n = 0;
    while (n < buf.length) {
      const r = await file.read(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    return jpegSize(buf.subarray(0, n));
  } finally {
    file.close();
  }
}
