/**
 * How fast a settings change reaches the detector, on the real server with the demo camera:
 * while the demo's object crosses (every live frame has a motion score), PUT /api/config adds
 * a full-frame mask; measured from sending the PUT to
 *   - the first live frame (WebSocket, mode=live) whose score is 0: the detector used the mask,
 *   - the PUT's answer (the server answers once the camera analysed a frame with the mask).
 * Then the mask is removed and the next crossing awaited. Median and p90 over N runs.
 *
 *   deno run -A --lock=tests/deno.lock bench/config_apply.ts [--runs 20]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { login, openWebSocket, startVigil } from "../tests/helpers/server.ts";
import { waitFor } from "../tests/helpers/wait.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "20" } },
});
const RUNS = Number(values.runs);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const dir = await Deno.makeTempDir({ prefix: "vigil-bench-config-" });
const path = join(dir, "vigil.json");
const file = (masks: number[][][]) => ({
  cameras: [{ id: "door", source: "demo", detector: { masks } }],
});
await Deno.writeTextFile(path, JSON.stringify(file([])));
const vigil = await startVigil({ source: null, args: ["--config", path] });
const frames: { at: number; score: number }[] = [];
try {
  const cookie = await login(vigil.url, vigil.password);
  const ws = openWebSocket(`${vigil.url.replace(/^http/, "ws")}/ws?mode=live&camera=door`, {
    cookie,
    origin: vigil.url,
  });
  ws.onmessage = (e) => {
    if (typeof e.data === "string") return;
    const buf = new Uint8Array(e.data as ArrayBuffer);
    const n = new DataView(buf.buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    frames.push({ at: performance.now(), score: header.score });
  };
  const put = async (masks: number[][][]) => {
    const res = await fetch(`${vigil.url}/api/config`, {
      method: "PUT",
      headers: { cookie, origin: vigil.url, "content-type": "application/json" },
      body: JSON.stringify(file(masks)),
    });
    if (res.status !== 200) throw new Error(`PUT: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
  };
  /** The last `n` frames all have motion: the object is crossing. */
  const crossing = (n: number) => frames.length >= n && frames.slice(-n).every((f) => f.score > 0);

  const seen: number[] = [];
  const answered: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await waitFor(() => crossing(3), 30_000, "the demo object crossing");
    const t0 = performance.now();
    const from = frames.length;
    await put([[[0, 0], [640, 0], [640, 480], [0, 480]]]);
    answered.push(performance.now() - t0);
    await waitFor(
      () => frames.slice(from).some((f) => f.at > t0 && f.score === 0),
      5000,
      "a frame without motion",
    );
    seen.push(frames.slice(from).find((f) => f.at > t0 && f.score === 0)!.at - t0);
    await put([]);
    // past this crossing, so the next run starts on a fresh one
    await waitFor(() => frames.length > 0 && frames.at(-1)!.score === 0, 15_000, "stillness");
    console.log(
      `run ${run + 1}: first masked frame ${seen.at(-1)!.toFixed(1)} ms, answer ${
        answered.at(-1)!.toFixed(1)
      } ms`,
    );
  }
  ws.close();
  const line = (name: string, xs: number[]) =>
    console.log(
      `${name}: median ${pct(xs, 50).toFixed(1)} ms, p90 ${
        pct(xs, 90).toFixed(1)
      } ms (n=${xs.length})`,
    );
  line("PUT → first live frame analysed with the new mask (WebSocket)", seen);
  line("PUT → answer (sent after the camera's first frame with the new mask)", answered);
} finally {
  await vigil.close();
  await Deno.remove(dir, { recursive: true });
}
