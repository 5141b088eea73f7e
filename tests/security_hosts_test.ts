/**
 * DNS rebinding (a foreign Host) against the real app in process and the real server over raw
 * TCP; HTTPS through the guarded front with HSTS.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { allowedHostNames, isAllowedHost } from "../lib/auth/mod.ts";
import { ADMIN_PASSWORD, loginToken, makeTestApp } from "./security_app.ts";
import { login, startVigil } from "./helpers/server.ts";

const EVIL = "http://evil.example";

Deno.test("isAllowedHost(): IP literals, localhost, the machine's names and allowedHosts; port ignored", () => {
  const names = allowedHostNames({
    machineName: "Pi4.home.arpa",
    boundHost: "0.0.0.0",
    allowedHosts: ["Vigil.Example.com"],
  });
  for (
    const ok of [
      "127.0.0.1",
      "192.168.1.20",
      "[::1]",
      "[fe80::1]",
      "localhost",
      "cam.localhost",
      "pi4",
      "pi4.local",
      "pi4.home.arpa",
      "PI4.HOME.ARPA.",
      "vigil.example.com",
    ]
  ) {
    assert.ok(isAllowedHost(ok, names), ok);
  }
  for (const bad of ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "pi5", ""]) {
    assert.ok(!isAllowedHost(bad, names), bad);
  }
  assert.ok(allowedHostNames({ machineName: null, boundHost: "vigil.lan" }).has("vigil.lan"));
  assert.ok(isAllowedHost("anything.example", new Set(["*"])));
});

Deno.test("[security] a foreign Host gets 421 on every route, login and admin forms included (in process)", async () => {
  const t = await makeTestApp();
  try {
    const admin = await loginToken(t, "admin", ADMIN_PASSWORD);
    const form = (body: Record<string, string>) => ({
      method: "POST",
      headers: {
        origin: EVIL,
        "content-type": "application/x-www-form-urlencoded",
        cookie: `vigil_session=${admin}`,
      },
      body: new URLSearchParams(body).toString(),
    });
    const cases: [string, RequestInit][] = [
      ["/login", form({ username: "admin", password: ADMIN_PASSWORD })],
      ["/admin/users", form({ username: "mallory", password: "mallory-password", role: "admin" })],
      ["/ws", {
        headers: {
          origin: EVIL,
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          cookie: `vigil_session=${admin}`,
        },
      }],
      ["/api/health", {}],
      ["/login", {}],
      ["/static/app.css", {}],
      ["/", { headers: { cookie: `vigil_session=${admin}` } }],
    ];
    for (const [path, init] of cases) {
      for (const base of [EVIL, "http://evil.example:8000"]) {
        const res = await t.app.request(`${base}${path}`, init, {
          remoteAddr: { hostname: "192.0.2.1" },
        });
        const text = await res.text();
        assert.equal(res.status, 421, `${init.method ?? "GET"} ${base}${path}: ${text}`);
        assert.match(
          text,
          /does not answer to the host name (\\?"|&quot;)evil\.example(\\?"|&quot;)/,
        );
        assert.doesNotMatch(res.headers.get("set-cookie") ?? "", /vigil_session=[A-Za-z0-9_-]/);
      }
    }
    assert.equal(t.auth.getUser("mallory"), null, "no user was added");
    // Its own names still work, whatever the port.
    for (const base of ["http://vigil.test:8443", "http://localhost", "http://127.0.0.1:9"]) {
      const res = await t.app.request(`${base}/api/health`);
      await res.body?.cancel();
      assert.equal(res.status, 200, base);
    }
  } finally {
    await t.close();
  }
});

/** Sends one raw HTTP/1.1 request and returns the status line's code and the head. */
async function rawRequest(port: number, head: string, body = ""): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${head}\r\nConnection: close\r\n\r\n${body}`));
    let text = "";
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    while (!text.includes("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n));
    }
    return Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
  } finally {
    conn.close();
  }
}

Deno.test("[security] real server: Host evil.example gets 421 for a login, an admin form and a WebSocket upgrade", async () => {
  const vigil = await startVigil();
  try {
    const port = Number(new URL(vigil.url).port);
    const cookie = await login(vigil.url, vigil.password);
    const loginBody = new URLSearchParams({ username: "admin", password: vigil.password })
      .toString();
    const addBody = new URLSearchParams({
      username: "mallory",
      password: "mallory-password",
      role: "admin",
    }).toString();
    const formHead = (path: string, body: string, host: string) =>
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nCookie: ${cookie}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}`;
    const wsHead = (host: string) =>
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nCookie: ${cookie}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`;
    const evil = `evil.example:${port}`;
    assert.equal(await rawRequest(port, formHead("/login", loginBody, evil), loginBody), 421);
    assert.equal(await rawRequest(port, formHead("/admin/users", addBody, evil), addBody), 421);
    assert.equal(await rawRequest(port, wsHead(evil)), 421);
    assert.equal(await rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: ${evil}`), 421);
    // The same requests with the server's own address pass the host check.
    const own = `127.0.0.1:${port}`;
    assert.equal(await rawRequest(port, wsHead(own)), 101);
    assert.equal(await rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: ${own}`), 200);
    assert.equal(await rawRequest(port, formHead("/login", loginBody, own), loginBody), 303);
    assert.equal(await rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: localhost`), 200);
  } finally {
    await vigil.close();
  }
});

Deno.test("[security] HTTPS through the guarded front: answers with HSTS, the app sees https", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-tls-" });
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const gen = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost"],
      ...["-addext", "basicConstraints=critical,CA:FALSE"],
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.ok(gen.success, "openssl made a test certificate");
  const vigil = await startVigil({ args: ["--tls-cert", cert, "--tls-key", key] });
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
  try {
    assert.match(vigil.url, /^https:\/\//);
    const base = `https://localhost:${new URL(vigil.url).port}`;
    const health = await fetch(`${base}/api/health`, { client });
    await health.body?.cancel();
    assert.equal(health.status, 200);
    assert.equal(health.headers.get("strict-transport-security"), "max-age=31536000");
    const res = await fetch(`${base}/login`, {
      client,
      method: "POST",
      headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "admin", password: vigil.password }),
      redirect: "manual",
    });
    await res.body?.cancel();
    assert.equal(res.status, 303, "the same-origin check sees the https origin");
    assert.match(res.headers.get("set-cookie") ?? "", /; Secure/);
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
  } finally {
    client.close();
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});
