/**
 * @module
 * A server's child processes, from /proc: which ffmpeg captures a camera (Linux only).
 */

/** The command lines of the processes whose parent is `parent`, by pid. */
export function childCommands(parent: number): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent || /\) Z /.test(stat)) continue;
      const argv = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0")
        .filter((a) => a !== "");
      found.set(Number(entry.name), argv);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * The pids of `parent`'s capture ffmpegs: those writing the paired gray + JPEG Matroska
 * stream to their stdout (recorders and the demo's one-off render write files).
 */
export function captureFfmpegPids(parent: number): number[] {
  return [...childCommands(parent)]
    .filter(([, argv]) =>
      argv[0]?.split("/").at(-1) === "ffmpeg" && argv.at(-1) === "pipe:1" &&
      argv.includes("matroska")
    )
    .map(([pid]) => pid);
}
