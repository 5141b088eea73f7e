/**
 * No ffmpeg outlives the real server (main.ts). The camera reads from a local TCP server that
 * accepts and never sends, so its ffmpeg sits in a blocking read and never writes: it cannot
 * die of a broken pipe, only because Vigil stopped it.
 */
import assert from "node:assert/strict";
import { sleep, waitFor } from "./capture_helpers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Whether `pid` runs (a zombie has exited: it only waits for its parent to reap it). */
function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** The ffmpeg processes whose parent is `parent`, from /proc. */
function ffmpegChildren(parent: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      const argv0 = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0")[0];
      if (argv0.split("/").at(-1) === "ffmpeg") found.push(Number(entry.name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A TCP server that accepts connections and never sends a byte. */
function silentServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch {
      // closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    conns,
    async close() {
      listener.close();
      await accepting;
      for (const c of conns) c.close();
    },
  };
}

/** Starts `deno run -A main.ts` on a free port; resolves once it listens. */
async function startVigil(source: string, data: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--data",
      data,
      "--source",
      source,
    ],
    env: { VIGIL_ADMIN_PASSWORD: "orphan-test-password", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const reading = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exitedAt = 0;
  const status = child.status.then((s) => {
    exitedAt = performance.now();
    return s;
  });
  await waitFor(
    () => /vigil listening on/.test(output) || exitedAt > 0,
    20_000,
    "the server to listen",
  );
  assert.ok(exitedAt === 0, `the server exited at start:\n${output}`);
  return { child, status, reading, output: () => output, exitedAt: () => exitedAt };
}

/**
 * Starts the server, waits for its ffmpeg, sends `signal`, and checks that the server exits
 * within 5 s and its ffmpeg is gone by then (2 s of grace: an orphan sits in its blocking read
 * until its own 10 s socket timeout, so the grace tells it apart however slow the machine).
 */
async function checkStop(signal: "SIGTERM" | "SIGINT"): Promise<void> {
  const data = await Deno.makeTempDir({ prefix: "vigil_orphan_" });
  const silent = silentServer();
  const vigil = await startVigil(`http://127.0.0.1:${silent.port}/`, data);
  let ffmpeg = 0;
  try {
    await waitFor(
      () => {
        ffmpeg = ffmpegChildren(vigil.child.pid)[0] ?? 0;
        return ffmpeg > 0 && silent.conns.length > 0;
      },
      10_000,
      "the server's ffmpeg to connect to the silent source",
    );
    await sleep(300); // past ffmpeg's start-up, inside its blocking read
    assert.ok(alive(ffmpeg));
    const sentAt = performance.now();
    vigil.child.kill(signal);
    await waitFor(() => vigil.exitedAt() > 0, 5000, `the server to exit after ${signal}`);
    const stopMs = Math.round(vigil.exitedAt() - sentAt);
    const status = await vigil.status;
    // Still there when the server exited: grant 2 s (see above), then it is an orphan.
    let leftMs = 0;
    if (alive(ffmpeg)) {
      const t0 = performance.now();
      await waitFor(() => !alive(ffmpeg), 2000, `ffmpeg ${ffmpeg} to exit (an orphan otherwise)`)
        .catch((err) => {
          throw new Error(`${err.message}\nserver output:\n${vigil.output()}`);
        });
      leftMs = Math.round(performance.now() - t0);
    }
    console.log(
      `${signal}: server exited after ${stopMs} ms (code ${status.code}); ffmpeg ${
        leftMs ? `gone ${leftMs} ms later` : "already gone"
      }`,
    );
    assert.equal(status.code, 0, vigil.output());
    assert.match(vigil.output(), /vigil: stopping/);
  } finally {
    if (vigil.exitedAt() === 0) vigil.child.kill("SIGKILL");
    await vigil.status;
    await vigil.reading;
    if (ffmpeg && alive(ffmpeg)) Deno.kill(ffmpeg, "SIGKILL");
    await silent.close();
    await Deno.remove(data, { recursive: true });
  }
}

Deno.test("[ffmpeg] main.ts on SIGTERM stops its ffmpeg before it exits (silent source)", async () => {
  await checkStop("SIGTERM");
});

Deno.test("[ffmpeg] main.ts on SIGINT stops its ffmpeg before it exits (silent source)", async () => {
  await checkStop("SIGINT");
});

Deno.test("[ffmpeg] main.ts SIGKILLed: its ffmpeg exits on the broken pipe (demo source)", async () => {
  const data = await Deno.makeTempDir({ prefix: "vigil_orphan_" });
  const vigil = await startVigil("demo", data);
  let ffmpeg = 0;
  try {
    await waitFor(
      () => {
        ffmpeg = ffmpegChildren(vigil.child.pid)[0] ?? 0;
        return ffmpeg > 0;
      },
      10_000,
      "the server's ffmpeg",
    );
    await sleep(1000); // frames flowing
    vigil.child.kill("SIGKILL");
    await vigil.status;
    const t0 = performance.now();
    await waitFor(() => !alive(ffmpeg), 3000, `ffmpeg ${ffmpeg} to exit on the broken pipe`);
    console.log(`SIGKILL: ffmpeg gone ${Math.round(performance.now() - t0)} ms after the server`);
  } finally {
    if (vigil.exitedAt() === 0) vigil.child.kill("SIGKILL");
    await vigil.status;
    await vigil.reading;
    if (ffmpeg && alive(ffmpeg)) Deno.kill(ffmpeg, "SIGKILL");
    await Deno.remove(data, { recursive: true });
  }
});
