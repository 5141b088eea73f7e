/**
 * @module
 * Compressed copies of static files: the encoding a request accepts (`br`, else `gzip`, else
 * none), and each file compressed once, on first request, then kept in memory (a few tens of
 * KB in all). Brotli runs at quality 5: within 2 % of quality 9 on the bundles and about 25×
 * cheaper than 11, so the one-off compression never stalls the event loop noticeably (under
 * 2 ms for uPlot's 52 KB here; Deno's zlib works on the calling thread).
 */
import { brotliCompress, constants, gzip } from "node:zlib";
import { promisify } from "node:util";

export type Encoding = "br" | "gzip";

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Media types worth compressing (text); images, fonts and audio are compressed already. */
export function compressible(contentType: string): boolean {
  return /^(text\/|application\/(json|manifest\+json|javascript)|image\/svg\+xml)/.test(
    contentType,
  );
}

/**
 * The best encoding `Accept-Encoding` allows, or null for the file as it is. Honours `q=0`
 * (refused) and `*`; brotli wins over gzip when both are acceptable.
 */
export function negotiateEncoding(acceptEncoding: string | null | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [token, ...params] = part.toLowerCase().split(";");
    const name = token.trim();
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = p.trim().match(/^q=([0-9.]+)$/);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const accepts = (name: string) => (q.get(name) ?? q.get("*") ?? 0) > 0;
  if (accepts("br")) return "br";
  if (accepts("gzip")) return "gzip";
  return null;
}

interface Variants {
  version: string;
  br?: Promise<Uint8Array | null>;
  gzip?: Promise<Uint8Array | null>;
}

const MAX_FILES = 256;
const cache = new Map<string, Variants>();

async function compress(body: Uint8Array, encoding: Encoding): Promise<Uint8Array | null> {
  const out: Uint8Array = encoding === "br"
    ? await brotliAsync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    })
    : await gzipAsync(body, { level: 9 });
  // a tiny file can grow: then it is sent as it is
  return out.length < body.length ? new Uint8Array(out) : null;
}

/**
 * The file `key` (at `version`, e.g. its ETag) compressed with `encoding`, compressed once and
 * cached; null when compression would not make it smaller. `read` loads the file on a miss.
 */
export function compressedFile(
  key: string,
  version: string,
  encoding: Encoding,
  read: () => Promise<Uint8Array>,
): Promise<Uint8Array | null> {
  let v = cache.get(key);
  if (!v || v.version !== version) {
    cache.delete(key);
    if (cache.size >= MAX_FILES) cache.delete(cache.keys().next().value!); // oldest first
    v = { version };
    cache.set(key, v);
  }
  const entry = v;
  const cached = entry[encoding];
  if (cached) return cached;
  const p = read().then((body) => compress(body, encoding));
  entry[encoding] = p;
  p.catch(() => {
    if (entry[encoding] === p) delete entry[encoding]; // try again next time
  });
  return p;
}

/** Forgets every compressed copy (tests). */
export function _clearCompressed(): void {
  cache.clear();
}
