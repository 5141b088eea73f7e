/**
 * Connection floods against the real server (main.ts on the demo scene) started under a file
 * descriptor limit of 256 (`prlimit`): plain TCP connections that send nothing and half-sent
 * request headers, far more than the limit, all from 127.0.0.1. Meanwhile a viewer logged in
 * over ::1 (another address) keeps getting WebSocket frames and /api/health answers; the flood
 * is closed by the header timeout; an idle keep-alive connection by the idle timeout; the
 * process is alive afterwards. The second test lifts the connection caps above the fd limit,
 * so accepting runs out of descriptors: the server must survive that too.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil, type VigilProcess } from "./helpers/server.ts";

const HEADER_TIMEOUT_MS = 1500;
const IDLE_TIMEOUT_MS = 3000;
const FD_LIMIT = 256;
const PLAIN = 400;
const HALF = 100;

interface FloodConn {
  conn: Deno.Conn;
  /** ms after the flood started when the server closed it, or null while open. */
  closedAt: number | null;
  done: Promise<void>;
}

/** Opens `plain` silent connections and `half` with half-sent headers to 127.0.0.1:port. */
async function flood(port: number, plain: number, half: number): Promise<FloodConn[]> {
  const t0 = performance.now();
  const out: FloodConn[] = [];
  const partial = new TextEncoder().encode("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ");
  for (let i = 0; i < plain + half; i++) {
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      continue; // the listen queue is full: refused by the kernel
    }
    const fc: FloodConn = { conn, closedAt: null, done: Promise.resolve() };
    if (i >= plain) await conn.write(partial).catch(() => {});
    fc.done = (async () => {
      const buf = new Uint8Array(1024);
      try {
        while ((await conn.read(buf)) !== null) { /* a 408 or nothing */ }
      } catch { /* reset */ }
      fc.closedAt = performance.now() - t0;
    })();
    out.push(fc);
  }
  return out;
}

function closeAll(conns: FloodConn[]): Promise<unknown> {
  for (const c of conns) {
    try {
      c.conn.close();
    } catch { /* closed by the server */ }
  }
  return Promise.all(conns.map((c) => c.done));
}

/** Counts binary frames on a live-mode WebSocket for the logged-in viewer over ::1. */
async function viewer(base: string, cookie: string) {
  const ws = openWebSocket(`${base.replace(/^http/, "ws")}/ws?mode=live`, {
    cookie,
    origin: base,
  });
  const state = { frames: 0, closed: false };
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") state.frames++;
  };
  ws.onclose = () => state.closed = true;
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  return { ws, state };
}

async function health(base: string): Promise<number> {
  const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

function alive(vigil: VigilProcess): boolean {
  try {
    Deno.kill(vigil.pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

async function framesDuring(state: { frames: number }, ms: number): Promise<number> {
  const before = state.frames;
  await new Promise((r) => setTimeout(r, ms));
  return state.frames - before;
}

Deno.test("[security] connection flood under a 256 fd limit: caps and timeouts hold, a viewer keeps its frames", async () => {
  const vigil = await startVigil({
    host: "::",
    prefix: ["prlimit", `--nofile=${FD_LIMIT}:${FD_LIMIT}`, "--"],
    env: {
      VIGIL_HEADER_TIMEOUT_MS: String(HEADER_TIMEOUT_MS),
      VIGIL_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    },
  });
  const port = Number(new URL(vigil.url).port);
  const base = `http://[::1]:${port}`;
  let conns: FloodConn[] = [];
  let idle: Deno.Conn | undefined;
  try {
    const cookie = await login(base, vigil.password);
    const { ws, state } = await viewer(base, cookie);
    assert.ok(await framesDuring(state, 1000) > 0, "frames before the flood");

    conns = await flood(port, PLAIN, HALF);
    const floodMs = 400;
    await new Promise((r) => setTimeout(r, floodMs));
    const held = conns.filter((c) => c.closedAt === null).length;
    const refused = conns.length - held;
    const framesInFlood = await framesDuring(state, 1000);
    const healthInFlood = await health(base);
    console.log(
      `flood: ${conns.length} connections from 127.0.0.1 (${PLAIN} silent, ${HALF} half-sent ` +
        `headers); ${held} held, ${refused} closed at once; the viewer on ::1 got ` +
        `${framesInFlood} frames in 1 s and /api/health ${healthInFlood}`,
    );
    assert.equal(healthInFlood, 200);
    assert.ok(framesInFlood >= 3, `only ${framesInFlood} frames during the flood`);
    assert.ok(held <= 64, `${held} flood connections held open`);
    assert.ok(refused >= conns.length - 64);

    // The held ones are closed by the header timeout.
    const deadline = Date.now() + HEADER_TIMEOUT_MS + 3000;
    while (conns.some((c) => c.closedAt === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const open = conns.filter((c) => c.closedAt === null).length;
    const last = Math.max(...conns.map((c) => c.closedAt ?? Infinity));
    console.log(
      `header timeout ${HEADER_TIMEOUT_MS} ms: the last flood connection closed at ${
        Math.round(last)
      } ms`,
    );
    assert.equal(open, 0, `${open} flood connections still open after the header timeout`);
    assert.ok(last >= HEADER_TIMEOUT_MS - 200, "not closed before the timeout");

    // A kept-alive connection after a complete request is closed by the idle timeout.
    idle = await Deno.connect({ hostname: "127.0.0.1", port });
    await idle.write(
      new TextEncoder().encode("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    const t0 = performance.now();
    const buf = new Uint8Array(4096);
    const first = await idle.read(buf);
    assert.ok(first !== null && new TextDecoder().decode(buf.subarray(0, first)).includes(" 200 "));
    while ((await idle.read(buf).catch(() => null)) !== null) { /* drain until closed */ }
    const idleMs = performance.now() - t0;
    console.log(
      `idle timeout ${IDLE_TIMEOUT_MS} ms: the kept-alive connection closed after ${
        Math.round(idleMs)
      } ms`,
    );
    assert.ok(idleMs >= IDLE_TIMEOUT_MS - 200 && idleMs < IDLE_TIMEOUT_MS + 2000, `${idleMs}`);

    assert.ok(!state.closed, "the viewer's WebSocket stayed open");
    assert.ok(await framesDuring(state, 500) > 0, "frames after the flood");
    assert.equal(await health(base), 200);
    assert.ok(alive(vigil), "the server process is alive");
    ws.close();
  } finally {
    try {
      idle?.close();
    } catch { /* closed by the server */ }
    await closeAll(conns);
    await vigil.close();
  }
});

Deno.test("[security] running out of file descriptors while accepting does not stop the server", async () => {
  const vigil = await startVigil({
    host: "::",
    prefix: ["prlimit", `--nofile=${FD_LIMIT}:${FD_LIMIT}`, "--"],
    env: {
      // caps above what the fd limit allows: accepting itself runs out of descriptors
      VIGIL_MAX_CONNECTIONS: "5000",
      VIGIL_MAX_CONNECTIONS_PER_ADDRESS: "5000",
      VIGIL_HEADER_TIMEOUT_MS: String(HEADER_TIMEOUT_MS),
    },
  });
  const port = Number(new URL(vigil.url).port);
  const base = `http://[::1]:${port}`;
  let conns: FloodConn[] = [];
  try {
    const cookie = await login(base, vigil.password);
    const { ws, state } = await viewer(base, cookie);
    conns = await flood(port, PLAIN, HALF);
    const framesInFlood = await framesDuring(state, 1000);
    const held = conns.filter((c) => c.closedAt === null).length;
    await new Promise((r) => setTimeout(r, HEADER_TIMEOUT_MS + 1500));
    await closeAll(conns);
    conns = [];
    assert.ok(alive(vigil), `the server died:\n${vigil.output().slice(-2000)}`);
    assert.match(vigil.output(), /accepting a connection failed: Too many open files/);
    const status = await health(base);
    const again = await login(base, vigil.password);
    console.log(
      `fd exhaustion: ${held} flood connections held at once (limit ${FD_LIMIT} fds), the ` +
        `viewer's open WebSocket got ${framesInFlood} frames in 1 s; afterwards /api/health ` +
        `${status}, login ok`,
    );
    assert.equal(status, 200);
    assert.ok(again);
    assert.ok(framesInFlood > 0, "frames kept flowing on the open WebSocket");
    assert.ok(!state.closed);
    ws.close();
  } finally {
    await closeAll(conns);
    await vigil.close();
  }
});
