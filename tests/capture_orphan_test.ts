import assert from "node:assert/strict";
import { waitFor } from "./capture_helpers.ts";

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/\) Z /.test(stat); // a zombie is gone for our purposes
  } catch {
    return false;
  }
}

async function runChild(signal: "SIGKILL" | "SIGTERM"): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./capture_orphan_child.ts", import.meta.url).pathname,
      "demo",
      signal === "SIGTERM" ? "sigterm" : "",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let pid = 0;
  const deadline = Date.now() + 15000;
  while (!pid && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /ffmpeg (\d+)/.exec(text);
    if (m) pid = Number(m[1]);
  }
  assert.ok(pid > 0, "child reported ffmpeg's pid");
  assert.ok(alive(pid));
  child.kill(signal);
  await child.status;
  await reader.cancel();
  const t0 = Date.now();
  await waitFor(() => !alive(pid), 3000, `ffmpeg ${pid} to exit after the server got ${signal}`);
  return Date.now() - t0;
}

Deno.test("[ffmpeg] no orphan ffmpeg when the server stops on SIGTERM", async () => {
  const ms = await runChild("SIGTERM");
  console.log(`ffmpeg gone ${ms} ms after the server exited`);
});

Deno.test("[ffmpeg] no orphan ffmpeg when the server is SIGKILLed (ffmpeg exits on the broken pipe)", async () => {
  const ms = await runChild("SIGKILL");
  console.log(`ffmpeg gone ${ms} ms after the server was killed`);
});
