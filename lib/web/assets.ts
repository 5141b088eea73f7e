/**
 * @module
 * URLs of the built browser files. `lib/web/build.ts` names every bundle after its content
 * (`islands/Viewer-3F2A9C1B.js`; shared chunks come named that way from `deno bundle`) and
 * writes `static/islands/manifest.json`, mapping each entry's logical name (`islands/Viewer.js`)
 * to its file. Pages ask `assetUrl("islands/Viewer.js")` for the URL; since a file's name
 * changes with its content, the static route serves these files as immutable.
 */

/** Where the built files are served from. */
export const ASSET_BASE = "/static/islands/";

/** The manifest's name inside `static/islands/`. */
export const MANIFEST_NAME = "manifest.json";

const MANIFEST = new URL(`../../static/islands/${MANIFEST_NAME}`, import.meta.url);

/**
 * A content-hashed file name: `name-HASH.ext`, HASH 8+ upper-case letters or digits (as
 * `deno bundle` names chunks and build.ts names entries). Island and entry names have no `-`.
 */
export const HASHED_NAME = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;

let cache: { key: string; map: Record<string, string> } | null = null;

/**
 * The manifest (logical name → hashed path, both relative to `static/islands/`), re-read when
 * the file changes (a rebuild under a running server). Empty before the first build.
 */
export function assetManifest(): Record<string, string> {
  let key: string;
  try {
    const st = Deno.statSync(MANIFEST);
    key = `${st.size}:${st.mtime?.getTime() ?? 0}`;
  } catch {
    cache = null;
    return {};
  }
  if (cache?.key !== key) {
    let map: Record<string, string> = {};
    try {
      const parsed = JSON.parse(Deno.readTextFileSync(MANIFEST));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) map = parsed;
    } catch { /* half-written by a build right now: use it next time */ }
    cache = { key, map };
  }
  return cache.map;
}

/**
 * The URL of a built file by its logical name, e.g. `assetUrl("lib/web/client.js")` →
 * `/static/islands/lib/web/client-1A2B3C4D.js`. A name the manifest lacks (not built yet) gets
 * its unhashed URL, which the static route also answers (revalidated, not immutable).
 */
export function assetUrl(name: string): string {
  return ASSET_BASE + (assetManifest()[name] ?? name);
}
