/**
 * Joining untrusted (URL-derived) relative paths onto a root folder so the result can never
 * leave it. Used for `/frames/…` and `/static/…`.
 */
import { isAbsolute, join, resolve, sep } from "node:path";

const MAX_PATH = 1024;
const MAX_SEGMENT = 255;

/**
 * `root` joined with `untrusted`, or null when `untrusted` could name anything outside `root`
 * or anything odd. `untrusted` is percent-decoded exactly once (pass `decoded: true` when the
 * caller already decoded it). Refused: malformed percent-encoding, `%` left after decoding
 * (double encoding), empty, `.` or `..` segments, dot-files, backslashes, NUL and other control
 * characters, `:` (drive letters, streams), absolute paths, over-long paths or names.
 */
export function safeJoin(
  root: string,
  untrusted: string,
  opts: { decoded?: boolean } = {},
): string | null {
  if (typeof untrusted !== "string" || untrusted.length > MAX_PATH * 3) return null;
  let rel = untrusted;
  if (!opts.decoded) {
    try {
      rel = decodeURIComponent(untrusted);
    } catch {
      return null;
    }
  }
  if (rel === "" || rel.length > MAX_PATH) return null;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f\\:%]/.test(rel)) return null;
  if (rel.startsWith("/") || isAbsolute(rel)) return null;
  const parts = rel.split("/");
  for (const p of parts) {
    if (p === "" || p.startsWith(".") || p.length > MAX_SEGMENT) return null;
    // Trailing dots/spaces are silently dropped on some filesystems ("..  " → "..").
    if (p.endsWith(".") || p.endsWith(" ")) return null;
  }
  const base = resolve(root);
  const full = join(base, ...parts);
  const prefix = base.endsWith(sep) ? base : base + sep;
  return full.startsWith(prefix) ? full : null;
}

/**
 * Like safeJoin, then follows symlinks: null unless the real file is inside the real root
 * (and exists). Use it before opening a file to serve.
 */
export async function resolveInside(
  root: string,
  untrusted: string,
  opts: { decoded?: boolean } = {},
): Promise<string | null> {
  const joined = safeJoin(root, untrusted, opts);
  if (!joined) return null;
  try {
    const [realRoot, realFile] = await Promise.all([Deno.realPath(root), Deno.realPath(joined)]);
    const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
    return realFile.startsWith(prefix) ? realFile : null;
  } catch {
    return null;
  }
}
