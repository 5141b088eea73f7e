/**
 * Builds the browser bundles: `deno bundle --code-splitting` over the island runtime
 * (lib/web/client.ts), every `islands/<Name>.tsx`, and uPlot's stylesheet, into
 * `static/islands/`. Shared code (Preact, signals) lands in `chunk-*.js` files imported by
 * every island, so all islands on a page share one Preact. Every file is then named after its
 * content (`islands/Viewer-3F2A9C1B.js`; chunks come named so) and `manifest.json` maps the
 * logical names to them (read by `assetUrl()` in assets.ts). Skips the work when the outputs
 * are newer than every source. Run as `deno task build` (add `--force` to rebuild anyway).
 */
import { HASHED_NAME, MANIFEST_NAME } from "./assets.ts";

const ROOT = new URL("../../", import.meta.url);
const OUT = new URL("static/islands/", ROOT);
const STAMP = new URL(".stamp", OUT);
const LOCK = new URL(".lock", OUT);
const MANIFEST = new URL(MANIFEST_NAME, OUT);
/** Where deno bundle writes before the files are renamed by content and moved into OUT. */
const STAGE = new URL(".stage/", OUT);

/** Folders and files whose changes call for a rebuild. */
const SOURCES = [
  "islands/",
  "components/",
  "lib/web/",
  "lib/protocol.ts",
  "deno.json",
  "deno.lock",
];

export interface BuildOptions {
  /** Rebuild even when the outputs look fresh. */
  force?: boolean;
  /** Print what happened (default: false). */
  log?: (line: string) => void;
}

async function newestMtime(url: URL): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(url);
  } catch {
    return 0;
  }
  if (!info.isDirectory) return info.mtime?.getTime() ?? 0;
  let newest = info.mtime?.getTime() ?? 0;
  const dir = url.href.endsWith("/") ? url : new URL(url.href + "/");
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".")) continue;
    const child = new URL(e.isDirectory ? `${e.name}/` : e.name, dir);
    newest = Math.max(newest, await newestMtime(child));
  }
  return newest;
}

/** True when `static/islands/` was built after the last change to any source. */
export async function islandsFresh(): Promise<boolean> {
  let built: number;
  try {
    built = (await Deno.stat(STAMP)).mtime?.getTime() ?? 0;
    await Deno.stat(MANIFEST);
  } catch {
    return false;
  }
  for (const s of SOURCES) {
    if (await newestMtime(new URL(s, ROOT)) > built) return false;
  }
  return true;
}

/** The island names found in `islands/` (PascalCase `.tsx` files). */
export async function islandNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(new URL("islands/", ROOT))) {
    const m = e.isFile ? e.name.match(/^([A-Z][A-Za-z0-9]*)\.tsx$/) : null;
    if (m) names.push(m[1]);
  }
  return names.sort();
}

async function acquireLock(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (true) {
    try {
      (await Deno.open(LOCK, { write: true, createNew: true })).close();
      return;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    try {
      const age = Date.now() - ((await Deno.stat(LOCK)).mtime?.getTime() ?? 0);
      if (age > 120_000) await Deno.remove(LOCK); // left behind by a killed build
    } catch { /* gone meanwhile */ }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for another island build (remove ${LOCK.pathname})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `deno` (by name, as `--allow-run=deno` permits; else this process's own binary). */
async function runDeno(args: string[]): Promise<Deno.CommandOutput> {
  const opts = {
    args,
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  } as const;
  try {
    return await new Deno.Command("deno", opts).output();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return await new Deno.Command(Deno.execPath(), opts).output();
  }
}

async function removeOlderThan(dir: URL, cutoff: number): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".")) continue;
    const url = new URL(e.isDirectory ? `${e.name}/` : e.name, dir);
    if (e.isDirectory) await removeOlderThan(url, cutoff);
    else if (((await Deno.stat(url)).mtime?.getTime() ?? 0) < cutoff) await Deno.remove(url);
  }
}

/** The first 8 hex digits (upper case) of the SHA-256 of `bytes`. */
export async function contentHash(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")
    .toUpperCase();
}

/**
 * Renames each output of `dir` not yet named after its content to `name-HASH.ext` and records
 * it in `manifest` under its logical path (`islands/Viewer.js`). Entries are never imported by
 * other outputs (code splitting puts shared code in chunks), so no import needs rewriting.
 * Empty outputs (the `.js` beside a CSS-only entry) are dropped.
 */
async function hashOutputs(
  dir: URL,
  prefix: string,
  manifest: Record<string, string>,
): Promise<void> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  for (const e of entries) {
    if (e.name.startsWith(".") || (prefix === "" && e.name === MANIFEST_NAME)) continue;
    if (e.isDirectory) {
      await hashOutputs(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`, manifest);
      continue;
    }
    if (HASHED_NAME.test(e.name)) continue;
    const url = new URL(e.name, dir);
    const bytes = await Deno.readFile(url);
    if (bytes.length === 0) {
      await Deno.remove(url);
      continue;
    }
    const dot = e.name.lastIndexOf(".");
    const hashed = `${e.name.slice(0, dot)}-${await contentHash(bytes)}${e.name.slice(dot)}`;
    await Deno.rename(url, new URL(hashed, dir));
    manifest[prefix + e.name] = prefix + hashed;
  }
}

/** Moves every file of `from` to the same place under `to` (atomic renames, same file system). */
async function moveInto(from: URL, to: URL): Promise<void> {
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) {
      await Deno.mkdir(new URL(`${e.name}/`, to), { recursive: true });
      await moveInto(new URL(`${e.name}/`, from), new URL(`${e.name}/`, to));
    } else {
      await Deno.rename(new URL(e.name, from), new URL(e.name, to));
    }
  }
}

/**
 * Builds `static/islands/` unless it is already fresh. Safe to call from several processes at
 * once (a lock file serialises them). Throws with deno bundle's output when bundling fails.
 */
export async function buildIslands(opts: BuildOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  if (!opts.force && await islandsFresh()) {
    log("islands: up to date");
    return;
  }
  await Deno.mkdir(OUT, { recursive: true });
  await acquireLock();
  try {
    if (!opts.force && await islandsFresh()) return; // another process built it meanwhile
    const t0 = performance.now();
    const started = Date.now();
    const names = await islandNames();
    const entries = [
      "lib/web/client.ts",
      "lib/web/uplot_css.ts",
      ...names.map((n) => `islands/${n}.tsx`),
    ];
    const args = [
      "bundle",
      "--platform",
      "browser",
      "--format",
      "esm",
      "--minify",
      "--code-splitting",
      "--outdir",
      STAGE.pathname,
      ...entries,
    ];
    await Deno.remove(STAGE, { recursive: true }).catch(() => {}); // left by a killed build
    const out = await runDeno(args);
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`Building the island bundles failed (deno bundle):\n${text.trim()}`);
    }
    const manifest: Record<string, string> = {};
    await hashOutputs(STAGE, "", manifest);
    // into place by rename: a file a server is sending is never rewritten under its name
    await moveInto(STAGE, OUT);
    const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a < b ? -1 : 1));
    const tmp = new URL(".manifest.tmp", OUT);
    await Deno.writeTextFile(tmp, JSON.stringify(sorted, null, 2) + "\n");
    await Deno.rename(tmp, MANIFEST); // readers never see half a manifest
    // every file of this build was just moved in; anything older is left from an older build
    await removeOlderThan(OUT, started - 1000);
    await Deno.writeTextFile(STAMP, new Date().toISOString());
    log(`islands: built ${names.join(", ")} in ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await Deno.remove(STAGE, { recursive: true }).catch(() => {});
    await Deno.remove(LOCK).catch(() => {});
  }
}

if (import.meta.main) {
  await buildIslands({ force: Deno.args.includes("--force"), log: console.log });
}
