/** The history pages' video parts, in process (no recorder running). */
import assert from "node:assert/strict";
import { makeFixture, makeJpeg, storeEvent } from "./browser_fixtures.ts";
import { Recordings } from "../lib/record/mod.ts";

Deno.test("history: a failed recording is shown with what to do; an event without video says so", async () => {
  const fx = await makeFixture({
    cameras: [{
      id: "front",
      name: "Front door",
      recording: {
        state: "failed",
        kind: "encode",
        message: "recording failed: disk full (free space on the data folder's disk, …)",
      },
    }],
  });
  const recordings = await Recordings.open({
    dataDir: fx.dataDir,
    cameras: [],
    events: fx.ctx.store,
    log: () => {},
  });
  fx.ctx.recordings = recordings;
  try {
    const id = await storeEvent(fx.ctx.store, "front", Date.now() - 60_000, 3, await makeJpeg());
    const list = await (await fx.app.request("/history")).text();
    assert.match(list, /Front door: recording failed: disk full/);
    assert.match(list, /Export this hour/);
    assert.doesNotMatch(list, /tag-clip/, "no play tag without video");
    const page = await (await fx.app.request(`/history/${id}`)).text();
    assert.match(page, /No video was recorded for this event\./);
  } finally {
    await recordings.stop();
    recordings.close();
    await fx.close();
  }
});
