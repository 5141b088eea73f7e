/**
 * @module
 * A browser's side of Web Push for tests and the benchmark: subscription keys, RFC 8291
 * decryption written apart from Vigil's WebCrypto code (node:crypto, HKDF by hand, so a mistake
 * shared by both sides cannot hide), an RFC 8292 VAPID check, and a fake push service on
 * 127.0.0.1 standing in for the browser vendor's.
 */
import assert from "node:assert/strict";
import { b64url, fromB64url } from "../../lib/notify/mod.ts";
import { Buffer } from "node:buffer";
import { createDecipheriv, createECDH, createHmac } from "node:crypto";

/**
 * RFC 8291 decryption written apart from Vigil's WebCrypto code (node:crypto, HKDF by hand),
 * as a browser does it: so a mistake shared by both sides cannot hide.
 */
export function browserDecrypt(
  body: Uint8Array,
  ecdh: ReturnType<typeof createECDH>,
  auth: Uint8Array,
) {
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
export function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const pub = new Uint8Array(ecdh.getPublicKey());
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { ecdh, auth, p256dh: b64url(pub), authB64: b64url(auth) };
}

/** Checks an RFC 8292 `vapid t=…, k=…` header: ES256 over header.claims with key k. */
export async function verifyVapid(header: string, audience: string) {
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

export interface PushRequest {
  at: number;
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/** An HTTP endpoint on 127.0.0.1 that records push requests and answers `status()`. */
export function fakePushService(status: () => number = () => 201) {
  const requests: PushRequest[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    requests.push({ at: Date.now(), path: new URL(req.url).pathname, headers: req.headers, body });
    return new Response(null, { status: status() });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}
