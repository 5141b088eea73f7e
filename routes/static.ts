import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";

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
    const url = staticFileUrl(c.req.path);
    const ext = url?.pathname.match(/\.[a-z0-9]+$/)?.[0] ?? "";
    if (!url || !(ext in TYPES)) return c.notFound();
    let body: Uint8Array, stat: Deno.FileInfo;
    try {
      [body, stat] = await Promise.all([Deno.readFile(url), Deno.stat(url)]);
    } catch {
      return c.notFound();
    }
    const etag = `"${stat.size.toString(36)}-${(stat.mtime?.getTime() ?? 0).toString(36)}"`;
    const headers = {
      "content-type": TYPES[ext],
      "cache-control": "no-cache",
      etag,
    };
    if (c.req.header("if-none-match") === etag) {
      return c.body(null, 304, headers);
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
