import assert from "node:assert/strict";
import { connectionLimits, serveGuarded } from "./guarded_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Resolves with the ms until the server closes `conn` (reading whatever it sends). */
async function closedAfter(conn: Deno.Conn): Promise<number> {
  const t0 = performance.now();
  const buf = new Uint8Array(4096);
  try {
    while ((await conn.read(buf)) !== null) { /* drain */ }
  } catch { /* reset */ }
  return performance.now() - t0;
}

async function request(port: number, head: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(head));
    let text = "";
    const buf = new Uint8Array(4096);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

Deno.test("serveGuarded() serves through the front with the client's address, split headers and all", async () => {
  const server = serveGuarded(
    { hostname: "127.0.0.1", port: 0, headerTimeoutMs: 2000, idleTimeoutMs: 2000 },
    (req, info) => new Response(`${new URL(req.url).pathname} from ${info.remoteAddr.hostname}`),
  );
  try {
    const port = server.addr.port;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    // the blank line arrives split over three writes
    for (const part of ["GET /split HTTP/1.1\r\nHost: a\r", "\nConnection: close\r\n", "\r\n"]) {
      await conn.write(enc.encode(part));
      await new Promise((r) => setTimeout(r, 30));
    }
    let text = "";
    const buf = new Uint8Array(4096);
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      text += dec.decode(buf.subarray(0, n));
    }
    conn.close();
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /\/split from 127\.0\.0\.1$/);
    assert.equal(server.stats().headerTimeouts, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveGuarded() closes the excess over the caps at once, and slow headers after the timeout", async () => {
  const server = serveGuarded(
    {
      hostname: "127.0.0.1",
      port: 0,
      maxConnections: 6,
      maxPerAddress: 4,
      headerTimeoutMs: 300,
      idleTimeoutMs: 5000,
      log: () => {},
    },
    () => new Response("ok"),
  );
  const conns: Deno.Conn[] = [];
  try {
    const port = server.addr.port;
    for (let i = 0; i < 10; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    await conns[0].write(enc.encode("GET / HTTP/1.1\r\nHost: a\r\n")); // never finished
    const times = await Promise.all(conns.map(closedAfter));
    const atOnce = times.filter((t) => t < 150).length;
    assert.equal(atOnce, 6, `closed at once: ${times.map(Math.round)}`);
    for (const t of times.filter((t) => t >= 150)) assert.ok(t >= 250 && t < 1500, `${t}`);
    const s = server.stats();
    assert.equal(s.refused, 6);
    assert.equal(s.headerTimeouts, 4);
    assert.equal(s.open, 0);
    // Room again after they closed.
    assert.match(
      await request(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
      /ok$/,
    );
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await server.shutdown();
  }
});

Deno.test("serveGuarded() closes an idle kept-alive connection, and refuses direct use of the inner port", async () => {
  const server = serveGuarded(
    { hostname: "127.0.0.1", port: 0, headerTimeoutMs: 1000, idleTimeoutMs: 300 },
    () => new Response("ok"),
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    const ms = await closedAfter(conn);
    conn.close();
    assert.ok(ms >= 250 && ms < 1500, `closed after ${ms} ms`);
    assert.equal(server.stats().idleTimeouts, 1);
    const direct = await request(
      server.innerAddr.port,
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert.match(direct, /^HTTP\/1\.1 403/);
    assert.match(direct, /Connect to Vigil's own port/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("connectionLimits() sizes the caps from the descriptor limit and takes overrides", () => {
  const d = connectionLimits();
  assert.ok(d.maxConnections >= 8 && d.maxConnections <= 1024);
  assert.ok(d.maxPerAddress >= 1 && d.maxPerAddress <= 64);
  assert.equal(d.headerTimeoutMs, 10_000);
  assert.equal(d.idleTimeoutMs, 60_000);
  assert.deepEqual(connectionLimits({ maxConnections: 40, idleTimeoutMs: 5 }), {
    maxConnections: 40,
    maxPerAddress: 10,
    headerTimeoutMs: 10_000,
    idleTimeoutMs: 5,
  });
});
