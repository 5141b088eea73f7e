/**
 * @module
 * A small, real file system for full-disk tests: a tmpfs mounted on a temporary folder
 * (needs root; `canMountTmpfs` says whether this machine allows it), and a filler that
 * takes every free byte.
 */

function run(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether a tmpfs can be mounted here (checked once, by mounting and unmounting one). */
export const canMountTmpfs: boolean = (() => {
  if (Deno.build.os !== "linux") return false;
  const dir = Deno.makeTempDirSync({ prefix: "vigil-tmpfs-probe-" });
  const ok = run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
  if (ok) run("umount", [dir]);
  Deno.removeSync(dir, { recursive: true });
  return ok;
})();

/** Runs `fn` with a fresh tmpfs of `sizeMB` mounted; unmounts it and removes the folder after. */
export async function withTmpfs(sizeMB: number, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-tmpfs-" });
  if (!run("mount", ["-t", "tmpfs", "-o", `size=${sizeMB}m`, "tmpfs", dir])) {
    await Deno.remove(dir);
    throw new Error(`cannot mount a tmpfs on ${dir}`);
  }
  try {
    await fn(dir);
  } finally {
    if (!run("umount", [dir])) run("umount", ["-l", dir]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Appends to `path` until the file system is full (ENOSPC); returns the bytes written. */
export async function fillDisk(path: string): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, append: true });
  let written = 0;
  try {
    for (const size of [1 << 16, 4096, 1]) {
      const chunk = new Uint8Array(size).fill(0x5a);
      try {
        for (let i = 0; i < 1 << 20; i++) written += await file.write(chunk);
      } catch (err) {
        if (!/No space left/i.test((err as Error).message)) throw err;
      }
    }
  } finally {
    file.close();
  }
  return written;
}
