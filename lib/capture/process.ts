/** The injectable side effects of a capture: starting processes and keeping time. */

/** A started ffmpeg (Deno.ChildProcess fits). */
export interface CaptureProcess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal?: Deno.Signal): void;
}

/**
 * Starts `program` with `args`, stdin closed, stdout and stderr piped.
 * Throws Deno.errors.NotFound when the program does not exist.
 */
export type Spawner = (program: string, args: string[]) => CaptureProcess;

export const denoSpawn: Spawner = (program, args) =>
  new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

/** Time and timers (fake ones in unit tests). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
};

/**
 * Runs a short command to completion and returns its exit code and output as text.
 * It is killed (SIGKILL) if it runs longer than `timeoutMs`.
 */
export async function runToEnd(
  spawn: Spawner,
  program: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn(program, args);
  const timer = setTimeout(() => {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    const [stdout, stderr, status] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.status,
    ]);
    return { code: status.code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
