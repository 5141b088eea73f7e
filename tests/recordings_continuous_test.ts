/**
 * Continuous recording for two minutes on the real server: `/api/recordings` lists one
 * gap-free span, and consecutive segments follow each other within a frame or two.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, startVigil } from "./helpers/server.ts";
import { poll, sleep } from "./recordings_helpers.ts";
import { RecordingIndex } from "../lib/record/mod.ts";

Deno.test("[e2e] continuous mode: a 2-minute run gives a gap-free list from /api/recordings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-rec-cont-" });
  const cfg = join(dir, "vigil.json");
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      record: { mode: "continuous", segmentSeconds: 4 },
      cameras: [{ id: "cam1", source: "demo", width: 320, height: 240, fps: 5 }],
    }),
  );
  const v = await startVigil({ source: null, args: ["--config", cfg] });
  try {
    const cookie = await login(v.url, v.password);
    const list = async () =>
      (await (await fetch(`${v.url}/api/recordings?camera=cam1&since=0`, { headers: { cookie } }))
        .json()) as { start: number; end: number; url: string }[];
    const first = await poll(async () => (await list())[0], 20_000, "a first segment");
    await sleep(120_000);
    const spans = await list();
    assert.equal(spans.length, 1, JSON.stringify(spans));
    assert.equal(spans[0].start, first.start);
    assert.ok(spans[0].end - spans[0].start >= 115_000, `${spans[0].end - spans[0].start} ms`);
    const index = new RecordingIndex(join(v.dataDir, "vigil.db"));
    const rows = index.all();
    index.close();
    let worst = 0;
    for (let i = 1; i < rows.length; i++) worst = Math.max(worst, rows[i].start - rows[i - 1].end);
    console.log(`${rows.length} segments, largest step between them ${worst} ms`);
    assert.ok(worst < 400, `segments follow each other (largest step ${worst} ms)`);
  } finally {
    await v.close();
    await Deno.remove(dir, { recursive: true });
  }
});
