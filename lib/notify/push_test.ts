import assert from "node:assert/strict";
import { ArmedSwitch } from "./armed.ts";
import { DeliveryLog } from "./delivery_log.ts";
import { NotifyDb } from "./notify_db.ts";
import { PushChannel } from "./push.ts";
import type { EventNotice } from "./types.ts";
import { b64url, fromB64url, loadOrCreateVapidKeys } from "./webpush.ts";
import { Buffer } from "node:buffer";
import { createDecipheriv, createECDH, createHmac } from "node:crypto";

/**
 * RFC 8291 decryption written apart from Vigil's WebCrypto code (node:crypto, HKDF by hand),
 * as a browser does it: so a mistake shared by both sides cannot hide.
 */
function browserDecrypt(body: Uint8Array, ecdh: ReturnType<typeof createECDH>, auth: Uint8Array) {
  const hmac = (key: Uint8Array, data: Uint8Array) =>
    new Uint8Array(createHmac("sha256", key).update(data).digest());
  const hkdf = (salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, len: number) =>
    hmac(hmac(salt, ikm), new Uint8Array([...info, 1])).slice(0, len);
  const enc = new TextEncoder();
  const salt = body.slice(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset).getUint32(16);
  assert.equal(rs, 4096);
  const idlen = body[20];
  const asPublic = body.slice(21, 21 + idlen);
  const uaPublic = new Uint8Array(ecdh.getPublicKey());
  const secret = new Uint8Array(ecdh.computeSecret(Buffer.from(asPublic)));
  const ikm = hkdf(
    auth,
    secret,
    new Uint8Array([...enc.encode("WebPush: info\0"), ...uaPublic, ...asPublic]),
    32,
  );
  const cek = hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  const data = body.slice(21 + idlen);
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(data.slice(-16));
  const plain = new Uint8Array([...decipher.update(data.slice(0, -16)), ...decipher.final()]);
  assert.equal(plain.at(-1), 2, "one last record, delimiter 2");
  return plain.slice(0, -1);
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const pub = new Uint8Array(ecdh.getPublicKey());
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { ecdh, auth, p256dh: b64url(pub), authB64: b64url(auth) };
}

/** Checks an RFC 8292 `vapid t=…, k=…` header: ES256 over header.claims with key k. */
async function verifyVapid(header: string, audience: string) {
  const m = header.match(/^vapid t=([^,]+), k=(.+)$/);
  assert.ok(m, `vapid header: ${header}`);
  const [h, c, s] = m[1].split(".");
  const dec = (x: string) => JSON.parse(new TextDecoder().decode(fromB64url(x)));
  assert.deepEqual(dec(h), { typ: "JWT", alg: "ES256" });
  const claims = dec(c);
  assert.equal(claims.aud, audience);
  assert.ok(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 24 * 3600);
  assert.match(claims.sub, /^mailto:|^https:/);
  const key = await crypto.subtle.importKey(
    "raw",
    fromB64url(m[2]),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromB64url(s),
    new TextEncoder().encode(`${h}.${c}`),
  );
  assert.ok(ok, "the JWT's signature verifies with k");
  return m[2];
}

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
