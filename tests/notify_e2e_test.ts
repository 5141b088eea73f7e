/**
 * Notifications through the real server on the demo scene: a browser's push subscription
 * (`POST /api/push/subscriptions`) gets an encrypted push for an event that opens it; a signed
 * webhook arrives; `PUT /api/armed` (admins only) stops both and MQTT says `armed OFF`; the
 * admin page lists the deliveries.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, startVigil } from "./helpers/server.ts";
import { record, startBroker } from "./helpers/mosquitto.ts";
import {
  browserDecrypt,
  browserKeys,
  fakePushService,
  verifyVapid,
} from "./helpers/push_service.ts";
import { sleep, waitFor } from "./helpers/wait.ts";
import { b64url } from "../lib/notify/mod.ts";

Deno.test({
  name: "[e2e] Web Push, webhook and the armed switch on the real server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const push = fakePushService();
    const hooks: { body: string; sig: string | null }[] = [];
    const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
      hooks.push({ body: await req.text(), sig: req.headers.get("x-vigil-signature") });
      return new Response("ok");
    });
    const dir = await Deno.makeTempDir({ prefix: "vigil-notify-e2e-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        detector: { eventGapMs: 1000 },
        cameras: [{ id: "door", name: "Front door", source: "demo" }],
        mqtt: { url: broker.url },
        webhooks: [{
          url: `http://127.0.0.1:${receiver.addr.port}/hook`,
          events: ["start"],
          secret: "webhook-secret-xyz",
        }],
        notify: { rules: [{ cooldownSeconds: 0 }], push: { allowHttp: true } },
      }),
    );
    const vigil = await startVigil({ source: null, args: ["--config", config] });
    const sub = await record(broker.url, ["vigil/#"]);
    try {
      const cookie = await login(vigil.url, vigil.password);
      const headers = { cookie, origin: vigil.url, "content-type": "application/json" };
      // the key, then a subscription as a browser's PushSubscription.toJSON()
      const key = await (await fetch(`${vigil.url}/api/push/key`, { headers })).json();
      assert.match(key.publicKey, /^[A-Za-z0-9_-]{87}$/);
      const mode = (await Deno.stat(join(vigil.dataDir, "vapid.json"))).mode! & 0o777;
      assert.equal(mode, 0o600);
      const browser = browserKeys();
      const endpoint = `${push.origin}/push/device-1`;
      const bad = await fetch(`${vigil.url}/api/push/subscriptions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ endpoint, keys: { p256dh: "short", auth: browser.authB64 } }),
      });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
      const res = await fetch(`${vigil.url}/api/push/subscriptions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ endpoint, keys: { p256dh: browser.p256dh, auth: browser.authB64 } }),
      });
      assert.equal(res.status, 201);
      await res.body?.cancel();

      // an event: a push that decrypts to its JSON, and a signed webhook
      await waitFor(() => push.requests.length >= 1, 30_000, "a push");
      const p = push.requests[0];
      assert.equal(p.path, "/push/device-1");
      assert.equal(await verifyVapid(p.headers.get("authorization")!, push.origin), key.publicKey);
      const msg = JSON.parse(
        new TextDecoder().decode(browserDecrypt(p.body, browser.ecdh, browser.auth)),
      );
      assert.equal(msg.type, "start");
      assert.equal(msg.camera, "door");
      assert.equal(msg.cameraName, "Front door");
      assert.match(msg.url, /^\/history\/\d+$/);
      assert.equal(msg.url, `/history/${msg.eventId}`);
      await waitFor(() => hooks.length >= 1, 10_000, "a webhook");
      const { createHmac } = await import("node:crypto");
      const h = hooks[0];
      assert.equal(
        h.sig,
        `sha256=${createHmac("sha256", "webhook-secret-xyz").update(h.body).digest("hex")}`,
      );
      assert.equal(JSON.parse(h.body).id, msg.eventId);

      // disarm (a bad body is refused): MQTT says so; pushes and webhooks stop, MQTT events go on
      const put = (armed: unknown, c = cookie) =>
        fetch(`${vigil.url}/api/armed`, {
          method: "PUT",
          headers: { ...headers, cookie: c },
          body: JSON.stringify({ armed }),
        });
      const noBody = await put("no");
      assert.equal(noBody.status, 400);
      await noBody.body?.cancel();
      const off = await put(false);
      assert.deepEqual(await off.json(), { armed: false });
      await sub.waitFor((m) => m.topic === "vigil/armed" && m.text === "OFF", 5000, "armed OFF");
      const pushes = push.requests.length;
      const posted = hooks.length;
      const events = sub.on("vigil/door/event").length;
      await sub.waitFor(
        (m) => m.topic === "vigil/door/event" && JSON.parse(m.text).type === "start",
        25_000,
        "an event while disarmed",
        sub.messages.length,
      );
      await sleep(500);
      assert.ok(sub.on("vigil/door/event").length > events, "MQTT still gets events");
      assert.equal(push.requests.length, pushes, "no push while disarmed");
      assert.equal(hooks.length, posted, "no webhook while disarmed");
      assert.deepEqual(await (await fetch(`${vigil.url}/api/armed`, { headers })).json(), {
        armed: false,
      });
      // MQTT arms it again
      await sub.client.publishAsync("vigil/armed", "ON", { retain: true });
      await waitFor(
        async () => (await (await fetch(`${vigil.url}/api/armed`, { headers })).json()).armed,
        5000,
        "armed via MQTT",
      );

      // the admin page lists the deliveries and the MQTT connection, and no secret
      const page = await (await fetch(`${vigil.url}/admin/notifications`, { headers })).text();
      assert.match(page, /Last deliveries/);
      assert.match(page, /push/);
      assert.match(page, /connected/);
      assert.ok(!page.includes("webhook-secret-xyz"));
      const health = await (await fetch(`${vigil.url}/api/health`)).json();
      assert.equal(health.mqtt.state, "connected");

      // a gone subscription (410) is removed
      push.requests.length = 0;
      const gone = fakePushService(() => 410);
      const browser2 = browserKeys();
      await (await fetch(`${vigil.url}/api/push/subscriptions`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          endpoint: `${gone.origin}/push/old`,
          keys: { p256dh: browser2.p256dh, auth: b64url(browser2.auth) },
        }),
      })).body?.cancel();
      const t = await (await fetch(`${vigil.url}/api/push/test`, { method: "POST", headers }))
        .json();
      assert.deepEqual(t, { devices: 2, ok: 1 });
      const t2 = await (await fetch(`${vigil.url}/api/push/test`, { method: "POST", headers }))
        .json();
      assert.deepEqual(t2, { devices: 1, ok: 1 }, "the 410 subscription is gone");
      await gone.close();
    } finally {
      await sub.close();
      await vigil.close();
      await receiver.shutdown();
      await push.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
