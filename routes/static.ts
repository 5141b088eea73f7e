/**
 * `GET /static/*`: files under static/. Text files go out compressed (brotli or gzip, as the
 * request accepts; compressed once and kept in memory) with `Vary: Accept-Encoding`. Built files
 * named after their content (`/static/islands/islands/Viewer-3F2A9C1B.js`) are cached for a year
 * as immutable; a stale hash is a 404. Everything else (`app.css`, `icon.svg`, a bundle asked
 * for by its logical name) is cached briefly and revalidated with its ETag.
 */
import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { assetManifest, HASHED_NAME } from "../lib/web/assets.ts";
import { compressedFile, compressible, negotiateEncoding } from "../lib/web/compress.ts";
import { devReloadEnabled } from "../lib/web/dev_reload.ts";

/** Files under static/, next to this module (also inside a `deno compile` binary). */
const ROOT = new URL("../static/", import.meta.url);

const TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
};

/** Cache-Control of content-hashed files: a year, never revalidated. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Cache-Control of the other files: a minute, then revalidated (always, under `deno task dev`). */
export const SHORT = "public, max-age=60, must-revalidate";

/** True when any entity tag of `If-None-Match` is this file's (in any encoding) or `*`. */
function notModified(ifNoneMatch: string | undefined, core: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag.replace(/-(br|gz)"$/, '"') === `"${core}"`;
  });
}

/**
 * Where a request for static/`rel` is answered from: hashed built files as they are
 * (immutable); a built file's logical name (`islands/islands/Viewer.js`) from its current
 * hashed file; anything else as it is.
 */
function resolve(requestPath: string): { url: URL; immutable: boolean } | null {
  const url = staticFileUrl(requestPath);
  if (!url) return null;
  const m = requestPath.match(/^\/static\/islands\/(.+)$/);
  if (!m) return { url, immutable: false };
  if (HASHED_NAME.test(m[1])) return { url, immutable: true };
  let name: string;
  try {
    name = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const hashed = assetManifest()[name];
  const current = hashed ? staticFileUrl(`/static/islands/${hashed}`) : null;
  return { url: current ?? url, immutable: false };
}

/** The URL of a static file for a request path, or null when the path could leave static/. */
export function staticFileUrl(requestPath: string): URL | null {
  let rel: string;
  try {
    rel = decodeURIComponent(requestPath.replace(/^\/static\//, ""));
  } catch {
    return null;
  }
  const parts = rel.split("/");
  if (
    rel === "" || rel.includes("\\") || rel.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === ".." || p.startsWith("."))
  ) {
    return null;
  }
  const url = new URL(parts.map(encodeURIComponent).join("/"), ROOT);
  return url.href.startsWith(ROOT.href) ? url : null;
}

export function register(app: Hono<AppEnv>, _ctx: AppContext): void {
  app.get("/static/*", async (c) => {
    const file = resolve(c.req.path);
    const ext = file?.url.pathname.match(/\.[a-z0-9]+$/)?.[0] ?? "";
    if (!file || !(ext in TYPES)) return c.notFound();
    const { url } = file;
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(url);
      if (!stat.isFile) return c.notFound();
    } catch {
      return c.notFound();
    }
    const type = TYPES[ext];
    const core = `${stat.size.toString(36)}-${(stat.mtime?.getTime() ?? 0).toString(36)}`;
    const headers: Record<string, string> = {
      "content-type": type,
      "cache-control": file.immutable ? IMMUTABLE : devReloadEnabled() ? "no-cache" : SHORT,
    };
    const zip = compressible(type);
    if (zip) headers["vary"] = "Accept-Encoding";
    const read = () => Deno.readFile(url);
    let body: Uint8Array | null = null;
    let suffix = "";
    try {
      const encoding = zip ? negotiateEncoding(c.req.header("accept-encoding")) : null;
      if (encoding) {
        body = await compressedFile(url.href, core, encoding, read);
        if (body) {
          headers["content-encoding"] = encoding;
          suffix = encoding === "br" ? "-br" : "-gz";
        }
      }
      headers["etag"] = `"${core}${suffix}"`;
      if (notModified(c.req.header("if-none-match"), core)) return c.body(null, 304, headers);
      body ??= await read();
    } catch {
      return c.notFound(); // removed meanwhile (a rebuild)
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
