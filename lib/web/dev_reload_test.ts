import assert from "node:assert/strict";
import { Hono } from "hono";
import { DEV_EVENTS_PATH, devReloadScript, registerDevReload } from "./dev_reload.ts";

Deno.test("registerDevReload() streams the server's id, the same on every connection", async () => {
  const app = new Hono();
  registerDevReload(app);
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await app.request(DEV_EVENTS_PATH);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const m = first.match(/^retry: \d+\ndata: ([0-9a-f-]{36})\n\n$/);
    assert.ok(m, first);
    ids.push(m[1]);
  }
  assert.equal(ids[0], ids[1]);
  assert.match(devReloadScript(), /new EventSource\("\/_dev\/events"\)/);
  assert.match(devReloadScript(), /location\.reload\(\)/);
});
