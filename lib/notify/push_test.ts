import assert from "node:assert/strict";
import { ArmedSwitch } from "./armed.ts";
import { DeliveryLog } from "./delivery_log.ts";
import { NotifyDb } from "./notify_db.ts";
import { PushChannel } from "./push.ts";
import type { EventNotice } from "./types.ts";
import { loadOrCreateVapidKeys } from "./webpush.ts";
import { browserDecrypt, browserKeys, verifyVapid } from "../../tests/helpers/push_service.ts";

const start: EventNotice = {
  kind: "event",
  phase: "start",
  camera: "door",
  cameraName: "Front door",
  eventId: 42,
  start: Date.UTC(2026, 0, 1, 22, 15, 3),
  end: null,
  ts: Date.UTC(2026, 0, 1, 22, 15, 3),
  zones: [],
  labels: ["person"],
  score: 2,
  snapshot: null,
  url: "/history/42",
  snapshotUrl: null,
};

Deno.test("Web Push: a fake push service gets an RFC 8291 message it decrypts, with a valid VAPID JWT; 410 removes the subscription", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-push-" });
  const requests: { headers: Headers; body: Uint8Array; path: string }[] = [];
  let answer = 201;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    requests.push({
      headers: req.headers,
      body: new Uint8Array(await req.arrayBuffer()),
      path: new URL(req.url).pathname,
    });
    return new Response(null, { status: answer });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const db = NotifyDb.open(":memory:");
  try {
    const keys = await loadOrCreateVapidKeys(dir);
    const file = await Deno.stat(`${dir}/vapid.json`);
    assert.equal(file.mode! & 0o777, 0o600, "the private key file is 0600");
    const again = await loadOrCreateVapidKeys(dir);
    assert.equal(again.publicKey, keys.publicKey, "made once, then read");

    const browser = browserKeys();
    db.addSubscription({
      userId: 1,
      username: "admin",
      endpoint: `${origin}/push/abc`,
      p256dh: browser.p256dh,
      auth: browser.authB64,
      userAgent: "test",
    });
    const log = new DeliveryLog();
    const push = new PushChannel({
      db,
      keys,
      subject: "mailto:me@example.com",
      log,
      timeZone: "UTC",
    });
    push.alert(start);
    push.alert({ ...start, phase: "end" }); // ends are not pushed
    const until = Date.now() + 5000;
    while (requests.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(requests.length, 1);
    const [r] = requests;
    assert.equal(r.path, "/push/abc");
    assert.equal(r.headers.get("content-encoding"), "aes128gcm");
    assert.ok(Number(r.headers.get("ttl")) > 0);
    assert.equal(r.headers.get("urgency"), "high");
    const k = await verifyVapid(r.headers.get("authorization")!, origin);
    assert.equal(k, keys.publicKey);
    const plain = browserDecrypt(r.body, browser.ecdh, browser.auth);
    const msg = JSON.parse(new TextDecoder().decode(plain));
    assert.deepEqual(msg, {
      type: "start",
      camera: "door",
      cameraName: "Front door",
      title: "Front door: person",
      body: "Person at 22:15:03",
      ts: start.start,
      eventId: 42,
      labels: ["person"],
      url: "/history/42",
    });
    assert.equal(log.list()[0].ok, true);

    // the push service says the subscription is gone
    answer = 410;
    push.alert({ ...start, eventId: 43 });
    while (db.subscriptions().length > 0 && Date.now() < until + 5000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(db.subscriptions().length, 0, "410 removed the subscription");
    assert.match(log.list()[0].error ?? "", /410/);
    await push.close();
  } finally {
    db.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ArmedSwitch: persists and tells listeners only on a change", () => {
  const kept: boolean[] = [];
  const heard: string[] = [];
  const sw = new ArmedSwitch(true, (v) => kept.push(v));
  sw.onChange((v, src) => heard.push(`${v}:${src}`));
  assert.equal(sw.set(true, "api"), false);
  assert.equal(sw.set(false, "mqtt"), true);
  assert.deepEqual(kept, [false]);
  assert.deepEqual(heard, ["false:mqtt"]);
});
