import assert from "node:assert/strict";
import { parseNotifySettings } from "../config/mod.ts";
import { DeliveryLog } from "./delivery_log.ts";
import type { EventNotice } from "./types.ts";
import { signBody, WebhookChannel } from "./webhook.ts";

function notice(id: number, phase: "start" | "end" = "start"): EventNotice {
  return {
    kind: "event",
    phase,
    camera: "door",
    cameraName: "Front door",
    eventId: id,
    start: 1000,
    end: phase === "end" ? 2000 : null,
    ts: 1000,
    zones: ["porch"],
    labels: [],
    score: 3.5,
    snapshot: new Uint8Array([0xff, 0xd8]),
    url: `/history/${id}`,
    snapshotUrl: `/frames/door/2026-01-01/${id}/1000.jpg`,
  };
}

function hooks(webhooks: unknown[], log = new DeliveryLog()) {
  return new WebhookChannel(parseNotifySettings({ webhooks }, ["door"]).webhooks, log);
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** HMAC-SHA256 with node:crypto, independent of signBody's WebCrypto. */
async function expectedSignature(secret: string, body: string): Promise<string> {
  const { createHmac } = await import("node:crypto");
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

Deno.test("webhook: the body is the event JSON, signed with the secret (X-Vigil-Signature)", async () => {
  const got: { body: string; sig: string | null; type: string | null }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    got.push({
      body: await req.text(),
      sig: req.headers.get("x-vigil-signature"),
      type: req.headers.get("content-type"),
    });
    return new Response(null, { status: 204 });
  });
  const ch = hooks([{ url: `http://127.0.0.1:${server.addr.port}/in`, secret: "correct horse" }]);
  ch.alert(notice(7));
  ch.alert(notice(7, "end"));
  await until(() => got.length === 2);
  for (const g of got) {
    assert.equal(g.type, "application/json");
    assert.equal(g.sig, await expectedSignature("correct horse", g.body));
    assert.notEqual(g.sig, await expectedSignature("wrong", g.body));
  }
  const body = JSON.parse(got[0].body);
  assert.deepEqual(Object.keys(body).sort(), [
    "camera",
    "end",
    "id",
    "labels",
    "score",
    "snapshot",
    "start",
    "ts",
    "type",
    "url",
    "zones",
  ]);
  assert.equal(body.type, "start");
  assert.equal(body.id, 7);
  assert.equal(JSON.parse(got[1].body).type, "end");
  assert.equal(await signBody("k", "x"), await expectedSignature("k", "x"));
  await ch.close();
  await server.shutdown();
});

Deno.test("webhook: 500 three times then 200 delivers the event exactly once, with backoff", async () => {
  const arrivals: number[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    await req.text();
    arrivals.push(performance.now());
    return new Response(null, { status: arrivals.length <= 3 ? 500 : 200 });
  });
  const log = new DeliveryLog();
  const ch = hooks(
    [{ url: `http://127.0.0.1:${server.addr.port}/`, retries: 5, retryDelayMs: 20 }],
    log,
  );
  ch.alert(notice(1));
  await until(() => log.list().length === 1);
  await new Promise((r) => setTimeout(r, 150)); // no fifth request comes
  assert.equal(arrivals.length, 4, "three failures, one success, nothing after");
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78, `exponential gaps ${gaps}`);
  const [d] = log.list();
  assert.equal(d.ok, true);
  assert.equal(d.status, 200);
  assert.equal(d.attempts, 4);
  await ch.close();
  await server.shutdown();
});

Deno.test("webhook: a receiver that never answers times out; the queue stays bounded (oldest dropped)", async () => {
  let hits = 0;
  const hanging: (() => void)[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    hits++;
    return new Promise<Response>((r) => hanging.push(() => r(new Response("late"))));
  });
  const log = new DeliveryLog();
  const ch = hooks([{
    url: `http://127.0.0.1:${server.addr.port}/x?token=abc`,
    retries: 0,
    timeoutMs: 200,
    maxQueue: 3,
  }], log);
  const t0 = performance.now();
  for (let i = 1; i <= 10; i++) ch.alert(notice(i));
  assert.ok(performance.now() - t0 < 50, "alert() never waits for the receiver");
  const [stats] = ch.stats();
  assert.equal(stats.queued, 3);
  assert.equal(stats.dropped, 7, "three waiting, seven dropped");
  assert.equal(stats.target, `http://127.0.0.1:${server.addr.port}/x`, "no login or query shown");
  await until(() => log.list().length >= 1);
  const [d] = log.list();
  assert.equal(d.ok, false);
  assert.match(d.error ?? "", /no answer in 200 ms/);
  assert.ok(!JSON.stringify(log.list()).includes("abc"), "the query may hold a token");
  await ch.close();
  for (const h of hanging) h();
  assert.ok(hits >= 1);
  await server.shutdown();
});
