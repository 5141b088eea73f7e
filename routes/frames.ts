/**
 * @module
 * `GET /frames/<camera>/<YYYY-MM-DD>/<eventId>/<ts>.jpg`: the stored motion JPEGs, and
 * `…/<eventId>/thumb.jpg`: an event's small thumbnail, for logged-in users only. Only paths of exactly the shape the store writes are served (a whitelist pattern:
 * no `..`, no percent-encoding, no backslash or NUL can pass), from memory when recent, else
 * from the data folder, after checking that the file really lies inside it (no symlinks out).
 * Files never change once written, so responses may be cached for a year.
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireUser } from "../lib/auth/mod.ts";
import { resolveInside, safeJoin } from "../lib/http/mod.ts";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { FRAME_PATH, THUMB_PATH } from "../lib/store/mod.ts";

const CACHE_CONTROL = "private, max-age=31536000, immutable";

/**
 * The relative path of an untrusted `/frames/…` request path, or null when it is not a stored
 * frame's (or an event thumbnail's) path. `rawPath` is the request's pathname exactly as sent
 * (still percent-encoded): only the store's own patterns pass, and lib/http's safeJoin must accept it too.
 */
export function frameRelPath(dataDir: string, rawPath: string): string | null {
  if (!rawPath.startsWith("/frames/")) return null;
  const rel = rawPath.slice("/frames/".length);
  if (!FRAME_PATH.test(rel) && !THUMB_PATH.test(rel)) return null;
  return safeJoin(dataDir, rel, { decoded: true }) ? rel : null;
}

function notFound(): never {
  throw new HTTPException(404, { message: "no such frame" });
}

function jpegResponse(c: Context, rel: string, body: Uint8Array): Response {
  const etag = `"${rel.replaceAll("/", "-")}"`;
  const headers = {
    "Content-Type": "image/jpeg",
    "Cache-Control": CACHE_CONTROL,
    "ETag": etag,
    "X-Content-Type-Options": "nosniff",
  };
  if (c.req.header("If-None-Match") === etag) return c.body(null, 304, headers);
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    "Content-Length": String(body.length),
  });
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  const dataDir = ctx.store.dataDir;
  const auth = requireUser("api");

  app.get("/frames/*", auth, async (c) => {
    const rel = frameRelPath(dataDir, new URL(c.req.url).pathname);
    if (!rel) return notFound();
    const cached = ctx.store.cachedFrame(rel);
    if (cached) return jpegResponse(c, rel, cached);
    try {
      // The real file (symlinks followed) must be a regular file inside the data folder.
      const real = await resolveInside(dataDir, rel, { decoded: true });
      if (!real) return notFound();
      const info = await Deno.stat(real);
      if (!info.isFile) return notFound();
      return jpegResponse(c, rel, await Deno.readFile(real));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return notFound();
      }
      throw err;
    }
  });
}
