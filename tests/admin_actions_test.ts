/**
 * Admin-only actions through the real app (app.ts's createApp with a real Store and a real Auth
 * in a temporary folder): deleting a motion event (viewers get 403, open events stay, every
 * deletion is in the audit log) and reading the server's stats.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../app.ts";
import { Auth, SESSION_COOKIE } from "../lib/auth/mod.ts";
import type { User } from "../lib/auth/mod.ts";
import { Bus } from "../lib/bus/mod.ts";
import { ClientRegistry } from "../lib/clients/mod.ts";
import type { VigilConfig } from "../lib/config/mod.ts";
import type { AppContext } from "../lib/context.ts";
import { Store } from "../lib/store/mod.ts";

const ORIGIN = "http://vigil.test";
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "vigil_delete_" });
  const store = Store.open(dir, { log: () => {} });
  const auth = Auth.open(join(dir, "vigil.db"), { log: () => {} });
  const ctx: AppContext = {
    config: { data: dir, cameras: [], allowedHosts: ["vigil.test"] } as unknown as VigilConfig,
    bus: new Bus(),
    store,
    auth,
    cameras: { list: () => [], get: () => undefined },
    clients: new ClientRegistry(),
    startedAt: Date.now(),
  };
  const app = createApp(ctx);
  const meta = { address: "127.0.0.1", userAgent: "test" };
  const cookie = (user: User) => `${SESSION_COOKIE}=${auth.createSession(user, meta).token}`;
  const admin = cookie(await auth.addUser("boss", "correct horse battery", "admin"));
  const viewer = cookie(await auth.addUser("watcher", "correct horse battery", "viewer"));
  const request = (path: string, method: string, who: string, origin = ORIGIN) =>
    app.request(`${ORIGIN}${path}`, {
      method,
      headers: { cookie: who, origin, "sec-fetch-site": "same-origin" },
    });
  const event = async (start: number, close = true) => {
    const id = store.startEvent("cam1", start);
    store.addFrame(id, "cam1", start, JPEG, [[1, 2, 3, 4]], 1);
    if (close) store.endEvent(id, start);
    await store.flush();
    return id;
  };
  const close = async () => {
    await store.close();
    auth.close();
    await Deno.remove(dir, { recursive: true });
  };
  return { ctx, store, auth, admin, viewer, request, event, close };
}

Deno.test("[history] an admin deletes an event from its page; a viewer gets 403", async () => {
  const t = await setup();
  try {
    const id = await t.event(Date.now() - 60_000);
    const page = await (await t.request(`/history/${id}`, "GET", t.admin)).text();
    assert.match(page, new RegExp(`<a class="btn btn-danger" href="/history/${id}/delete"`));
    const asViewer = await (await t.request(`/history/${id}`, "GET", t.viewer)).text();
    assert.doesNotMatch(asViewer, /\/delete"/, "viewers are not offered the button");
    // the link asks first (works without JavaScript); only its form deletes
    const ask = await t.request(`/history/${id}/delete`, "GET", t.admin);
    assert.equal(ask.status, 200);
    const askHtml = await ask.text();
    assert.match(askHtml, new RegExp(`<form method="post" action="/history/${id}/delete"`));
    assert.match(askHtml, /Cancel/);
    assert.ok(t.store.getEvent(id), "asking deletes nothing");
    assert.equal((await t.request(`/history/${id}/delete`, "GET", t.viewer)).status, 403);

    assert.equal((await t.request(`/history/${id}/delete`, "POST", t.viewer)).status, 403);
    const foreign = await t.request(`/history/${id}/delete`, "POST", t.admin, "http://evil.test");
    assert.equal(foreign.status, 403, "a foreign Origin is refused");
    assert.ok(t.store.getEvent(id), "still there after the refused requests");

    const res = await t.request(`/history/${id}/delete`, "POST", t.admin);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), `/history?deleted=${id}`);
    const after = await (await t.request(`/history?deleted=${id}`, "GET", t.admin)).text();
    assert.match(after, new RegExp(`Event ${id} was deleted.`), "says what happened");
    assert.equal(t.store.getEvent(id), null);
    assert.equal((await t.request(`/history/${id}`, "GET", t.admin)).status, 404);
    // a second click lands on the list again
    assert.equal((await t.request(`/history/${id}/delete`, "POST", t.admin)).status, 303);
    assert.equal((await t.request(`/history/abc/delete`, "POST", t.admin)).status, 400);

    const audit = t.auth.listAudit({ limit: 10 }).filter((a) => a.event === "event_deleted");
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actor, "boss");
    assert.match(audit[0].detail, new RegExp(`event ${id} of cam1`));
  } finally {
    await t.close();
  }
});

Deno.test("[api] DELETE /api/events/:id: 204 for admins, 403 viewers, 409 open, 404, 400", async () => {
  const t = await setup();
  try {
    const id = await t.event(Date.now() - 60_000);
    const open = await t.event(Date.now(), false);
    assert.equal((await t.request(`/api/events/${id}`, "DELETE", "")).status, 401);
    assert.equal((await t.request(`/api/events/${id}`, "DELETE", t.viewer)).status, 403);
    const busy = await t.request(`/api/events/${open}`, "DELETE", t.admin);
    assert.equal(busy.status, 409);
    assert.match((await busy.json()).error, /still being recorded/);
    assert.equal((await t.request(`/api/events/${id}`, "DELETE", t.admin)).status, 204);
    assert.equal((await t.request(`/api/events/${id}`, "DELETE", t.admin)).status, 404);
    assert.equal((await t.request(`/api/events/x1`, "DELETE", t.admin)).status, 400);
    assert.equal(t.store.getEvent(id), null);
    assert.ok(t.store.getEvent(open));
  } finally {
    await t.close();
  }
});

Deno.test("[api] GET /api/stats: send latency and storage for admins only", async () => {
  const t = await setup();
  try {
    assert.equal((await t.request("/api/stats", "GET", "")).status, 401);
    assert.equal((await t.request("/api/stats", "GET", t.viewer)).status, 403);
    const empty = await (await t.request("/api/stats", "GET", t.admin)).json();
    assert.equal(empty.sendLatencyMs.samples, 0);
    assert.equal(empty.sendLatencyMs.p50, null, "no samples: null, not a made-up number");
    for (const ms of [1, 2, 3, 4, 100]) t.ctx.clients.sendLatency.record(ms);
    await t.event(Date.now() - 1000);
    const stats = await (await t.request("/api/stats", "GET", t.admin)).json();
    assert.deepEqual(stats.sendLatencyMs, { samples: 5, p50: 3, p99: 100, max: 100 });
    assert.equal(stats.clients, 0);
    assert.equal(stats.storage.bytes, JPEG.length);
  } finally {
    await t.close();
  }
});
