/**
 * @module
 * Writing the config file safely: a crash or a full disk mid-write never leaves a half file,
 * and the previous version stays beside it as `.bak`. `configEtag` names a version of the
 * file's JSON, so two admins editing at once can be told apart (If-Match).
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";

/** The file's text as written: two-space JSON and a final newline. */
export function configText(json: unknown): string {
  return JSON.stringify(json, null, 2) + "\n";
}

/** `"` + the first 16 hex digits of the SHA-256 of the JSON's canonical text + `"`. */
export function configEtag(json: unknown): string {
  const hex = createHash("sha256").update(configText(json)).digest("hex");
  return `"${hex.slice(0, 16)}"`;
}

/**
 * Writes `json` to `path` atomically: a temporary file in the same folder, fsync, then rename
 * over the old one. The old file (when there was one) is kept as `path + ".bak"`. On any error
 * the file at `path` is left as it was and the temporary file is removed.
 */
export async function writeConfigFile(path: string, json: unknown): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const bytes = new TextEncoder().encode(configText(json));
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      let done = 0;
      while (done < bytes.length) done += await file.write(bytes.subarray(done));
      await file.sync();
    } finally {
      file.close();
    }
    // A copy, not a rename: the file at `path` must exist at every moment.
    await Deno.copyFile(path, path + ".bak").catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  // The rename itself is durable once the folder is synced (not possible everywhere).
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch { /* some file systems do not sync folders */ }
}
