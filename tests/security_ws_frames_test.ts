/**
 * Protocol-level hostile WebSocket frames against the real server (main.ts on the demo scene):
 * after a real login, raw TCP connections to /ws send frames no browser would (a reserved
 * opcode, an unmasked frame, invalid UTF-8 in a text frame, a fragmented or oversized control
 * frame, a 2^63-byte length, random bytes). Each connection must be ended by the server
 * (a close frame with a protocol-error code, or the TCP connection closed) within a few
 * seconds (an unmasked frame may instead be handled as an ordinary message: see `lenient`),
 * and afterwards the server still answers /api/health, a fresh WebSocket still gets
 * its hello, and a normal login works.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
/** Close codes a server may answer a broken frame with (RFC 6455 §7.4.1). */
const PROTOCOL_CLOSE_CODES = [1002, 1003, 1007, 1008, 1009, 1011];

/** A client frame: FIN + opcode, mask bit and payload length as given, masked if `mask`. */
function frame(
  opcode: number,
  payload: Uint8Array,
  opts: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Uint8Array {
  const { fin = true, mask = true, rsv = 0 } = opts;
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (payload.length < 126) head.push(m | payload.length);
  else head.push(m | 126, payload.length >> 8, payload.length & 255);
  const key = mask ? [0x12, 0x34, 0x56, 0x78] : [];
  const body = payload.map((b, i) => mask ? b ^ key[i % 4] : b);
  return new Uint8Array([...head, ...key, ...body]);
}

const text = (s: string) => new TextEncoder().encode(s);

interface Case {
  name: string;
  bytes: () => Uint8Array;
  /**
   * Deno's WebSocket server (2.9) accepts an unmasked client frame as a message, where RFC 6455
   * says to close; the application never sees the difference (Deno.upgradeWebSocket has no
   * option for it), so either outcome passes: the connection ends, or the frame is handled as
   * an ordinary message (here an invalid one, answered with an error).
   */
  lenient?: true;
}

const CASES: Case[] = [
  { name: "reserved opcode 0x3", bytes: () => frame(0x3, text("hi")) },
  { name: "reserved control opcode 0xB", bytes: () => frame(0xb, text("hi")) },
  {
    name: "unmasked text frame",
    bytes: () => frame(0x1, text('{"type":"mode"}'), { mask: false }),
    lenient: true,
  },
  {
    name: "invalid UTF-8 in a text frame",
    bytes: () => frame(0x1, new Uint8Array([0x7b, 0xff, 0xfe, 0xc0, 0xaf, 0x7d])),
  },
  { name: "RSV bits set without an extension", bytes: () => frame(0x1, text("{}"), { rsv: 7 }) },
  { name: "fragmented ping", bytes: () => frame(0x9, text("p"), { fin: false }) },
  { name: "ping over 125 bytes", bytes: () => frame(0x9, new Uint8Array(200)) },
  { name: "continuation without a first fragment", bytes: () => frame(0x0, text("lost")) },
  {
    name: "close frame with a 1-byte payload",
    bytes: () => frame(0x8, new Uint8Array([0x03])),
  },
  {
    name: "a 2^63-byte length",
    bytes: () =>
      new Uint8Array([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]),
  },
  {
    name: "random bytes",
    bytes: () => {
      const b = crypto.getRandomValues(new Uint8Array(4096));
      b[0] = 0x8f; // FIN + an undefined opcode, so the random tail can never be a valid frame
      return b;
    },
  },
];

/**
 * Opens /ws over raw TCP with the session cookie and waits for the server's `hello` (so the
 * connection is really open before anything hostile is sent).
 */
async function upgraded(port: number, cookie: string, origin: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const req = [
    "GET /ws?mode=off HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${KEY}`,
    "Sec-WebSocket-Version: 13",
    `Origin: ${origin}`,
    `Cookie: ${cookie}`,
    "",
    "",
  ].join("\r\n");
  await conn.write(text(req));
  let bytes = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  const headEnd = () => new TextDecoder("latin1").decode(bytes).indexOf("\r\n\r\n");
  const hello = () =>
    headEnd() >= 0 &&
    serverFrames(bytes.subarray(headEnd() + 4)).some((f) =>
      f.opcode === 0x1 && JSON.parse(new TextDecoder().decode(f.payload)).type === "hello"
    );
  while (!hello()) {
    const n = await conn.read(buf);
    if (n === null) break;
    bytes = new Uint8Array([...bytes, ...buf.subarray(0, n)]);
  }
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
  if (!head.startsWith("HTTP/1.1 101") || !hello()) {
    conn.close();
    throw new Error(`no upgrade and hello: ${head}`);
  }
  return conn;
}

interface Ending {
  /** The server's close code (1005: a close frame without one); null: TCP closed without one. */
  code: number | null;
  /** Still open after the wait. */
  open: boolean;
  /** The text messages the server sent. */
  texts: string[];
}

/** Reads until the server closes the TCP connection, or `ms` pass; then closes it. */
async function howItEnds(conn: Deno.TcpConn, ms: number): Promise<Ending> {
  const chunks: number[] = [];
  const buf = new Uint8Array(65536);
  let open = false;
  const timer = setTimeout(() => {
    open = true;
    conn.close();
  }, ms);
  try {
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      chunks.push(...buf.subarray(0, n));
    }
    conn.close();
  } catch {
    // closed by the timer, or reset by the server
  } finally {
    clearTimeout(timer);
  }
  const frames = serverFrames(new Uint8Array(chunks));
  const close = frames.find((f) => f.opcode === 0x8)?.payload;
  const texts = frames.filter((f) => f.opcode === 0x1).map((f) =>
    new TextDecoder().decode(f.payload)
  );
  return {
    code: close ? (close.length >= 2 ? (close[0] << 8) | close[1] : 1005) : null,
    open: open && !close,
    texts,
  };
}

/** Splits the server's (unmasked) bytes into frames. */
function serverFrames(bytes: Uint8Array): { opcode: number; payload: Uint8Array }[] {
  const out: { opcode: number; payload: Uint8Array }[] = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let len = bytes[i + 1] & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
    } else if (len === 127) {
      len = Number(new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0));
      at += 8;
    }
    out.push({ opcode, payload: bytes.subarray(at, at + len) });
    i = at + len;
  }
  return out;
}

Deno.test("[security] real server: malformed WebSocket frames end that connection only; health, /ws and login still work", async () => {
  const vigil = await startVigil();
  const { url } = vigil;
  const port = Number(new URL(url).port);
  try {
    const cookie = await login(url, vigil.password);
    const endings = new Map<string, Ending>();
    await Promise.all(CASES.map(async (c) => {
      const conn = await upgraded(port, cookie, url);
      await conn.write(c.bytes()).catch(() => {});
      endings.set(c.name, await howItEnds(conn, c.lenient ? 1500 : 5000));
    }));
    for (const c of CASES) {
      const end = endings.get(c.name)!;
      const types = end.texts.map((t) => JSON.parse(t).type);
      if (c.lenient && end.open) {
        assert.ok(types.includes("error"), `${c.name}: handled as a message, answered with error`);
        continue;
      }
      assert.ok(!end.open, `${c.name}: the server should end the connection within 5 s`);
      assert.ok(
        end.code === null || PROTOCOL_CLOSE_CODES.includes(end.code),
        `${c.name}: closed with ${end.code}`,
      );
    }

    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
    assert.ok(["ok", "degraded"].includes((await health.json()).status));
    const ws = openWebSocket(`${url.replace(/^http/, "ws")}/ws?mode=off`, { cookie, origin: url });
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.onmessage = (e) => resolve(JSON.parse(String(e.data)));
      ws.onerror = () => reject(new Error("no WebSocket after the hostile frames"));
    });
    assert.equal(hello.type, "hello");
    const closed = new Promise((r) => ws.onclose = r);
    ws.close(1000);
    await closed;
    // No connection is left registered (each broken one was cleaned up).
    let page = "";
    for (let i = 0; i < 40 && !page.includes("No browser is connected"); i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      page = await (await fetch(`${url}/admin/clients`, { headers: { cookie } })).text();
    }
    assert.match(page, /No browser is connected right now/);
    const fresh = await login(url, vigil.password);
    assert.match(fresh, /^vigil_session=[A-Za-z0-9_-]{43}$/);
    assert.ok(!/panic|uncaught/i.test(vigil.output()), "the server logged no crash");
  } finally {
    await vigil.close();
  }
});
