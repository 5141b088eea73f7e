/**
 * The real server (main.ts, demo scene): each ended event gets its small thumbnail, made by
 * ffmpeg as the event ends, listed by the API and the history page and served by /frames.
 */
import assert from "node:assert/strict";
import { login, startVigil } from "./helpers/server.ts";
import { jpegSize } from "../lib/jpeg.ts";

Deno.test("[e2e] an ended demo event gets a ≤ 320 px thumbnail, listed and served", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const cookie = await login(vigil.url, vigil.password);
    type Ev = { id: number; end: number | null; thumbnail: string | null };
    let done: Ev | undefined;
    const deadline = Date.now() + 40_000; // the first crossing ends ~11 s after the start
    while (!done && Date.now() < deadline) {
      const events: Ev[] = await (await fetch(`${vigil.url}/api/events`, { headers: { cookie } }))
        .json();
      done = events.find((e) => e.end !== null && e.thumbnail?.endsWith("/thumb.jpg"));
      if (!done) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(done, "an ended event lists its thumb.jpg");
    const thumb = await fetch(`${vigil.url}${done.thumbnail}`, { headers: { cookie } });
    assert.equal(thumb.status, 200);
    const bytes = new Uint8Array(await thumb.arrayBuffer());
    assert.deepEqual(jpegSize(bytes), { width: 320, height: 240 });
    const frames: { url: string; score: number }[] = await (await fetch(
      `${vigil.url}/api/events/${done.id}/frames`,
      { headers: { cookie } },
    )).json();
    const best = frames.reduce((a, b) => (b.score > a.score ? b : a));
    const full = await (await fetch(`${vigil.url}${best.url}`, { headers: { cookie } }))
      .arrayBuffer();
    console.log(
      `demo event ${done.id}: best frame ${full.byteLength} B, thumbnail ${bytes.length} B`,
    );
    assert.ok(bytes.length * 2 < full.byteLength);

    const html = await (await fetch(`${vigil.url}/history`, { headers: { cookie } })).text();
    assert.ok(html.includes(`src="${done.thumbnail}"`), "the history card shows it");
    const signedOut = await fetch(`${vigil.url}${done.thumbnail}`);
    await signedOut.body?.cancel();
    assert.equal(signedOut.status, 401);
  } finally {
    await vigil.close();
  }
});
