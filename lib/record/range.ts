/**
 * Serving a file with HTTP range requests (RFC 9110 §14): what a browser `<video>` needs to
 * seek. One range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`); several ranges get the
 * whole file (200), which the RFC allows; a range past the end gets 416.
 */

/** The byte range asked for, null for the whole file, or "unsatisfiable". */
export function parseRange(
  header: string | null | undefined,
  size: number,
): { start: number; end: number } | null | "unsatisfiable" {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null; // several ranges or another unit: the whole file
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  let start: number, end: number;
  if (a === "") {
    const n = Number(b);
    if (n === 0) return "unsatisfiable";
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== "" && Number(b) < start) return null; // invalid: ignored
  }
  if (start >= size || size === 0) return "unsatisfiable";
  return { start, end };
}

const CHUNK = 64 * 1024;

/** A stream of `length` bytes of `file` from `start`; closes the file at the end or on cancel. */
function fileStream(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  let left = length;
  let positioned = false;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        if (!positioned) {
          await file.seek(start, Deno.SeekMode.Start);
          positioned = true;
        }
        if (left <= 0) {
          file.close();
          ctrl.close();
          return;
        }
        const buf = new Uint8Array(Math.min(CHUNK, left));
        const n = await file.read(buf);
        if (n === null || n === 0) {
          file.close();
          ctrl.close();
          return;
        }
        left -= n;
        ctrl.enqueue(n === buf.length ? buf : buf.subarray(0, n));
      } catch (err) {
        try {
          file.close();
        } catch { /* closed */ }
        ctrl.error(err);
      }
    },
    cancel() {
      try {
        file.close();
      } catch { /* closed */ }
    },
  });
}

/**
 * Answers `req` with the file at `path`: 200 with the whole file, 206 with the asked range,
 * or 416. `headers` are added (type, caching, disposition). HEAD gets the headers only.
 * `afterOpen` runs once the file is open (e.g. to unlink a temporary file: the open handle
 * keeps it readable).
 */
export async function serveFile(
  req: Request,
  path: string,
  headers: Record<string, string>,
  afterOpen?: () => Promise<void> | void,
): Promise<Response> {
  const file = await Deno.open(path, { read: true });
  await afterOpen?.();
  const size = (await file.stat()).size;
  const h = new Headers(headers);
  h.set("Accept-Ranges", "bytes");
  const range = parseRange(req.headers.get("range"), size);
  if (range === "unsatisfiable") {
    file.close();
    h.set("Content-Range", `bytes */${size}`);
    return new Response(null, { status: 416, headers: h });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const length = Math.max(0, end - start + 1);
  h.set("Content-Length", String(length));
  if (range) h.set("Content-Range", `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (req.method === "HEAD") {
    file.close();
    return new Response(null, { status, headers: h });
  }
  return new Response(fileStream(file, start, length), { status, headers: h });
}
