/**
 * Clients that stop reading, behind the real TCP front (lib/net): the server ends them within
 * the stall time (here 2 s), frees their TCP connection, and takes them off the clients list;
 * a client that reads is never taken for a stalled one.
 */
import assert from "node:assert/strict";
import { frame, stalledClient, startServer, TestClient } from "./api_fixture.ts";
import type { TestServer } from "./api_fixture.ts";
import { serveGuarded } from "../lib/net/mod.ts";
import type { GuardedServer } from "../lib/net/mod.ts";
import { sleep, waitFor } from "./helpers/wait.ts";

const STALL_MS = 2000;

async function withFront(fn: (s: TestServer, front: GuardedServer) => Promise<void>) {
  const s = await startServer({ ws: { stallMs: STALL_MS, heartbeatMs: 500 } });
  const front = serveGuarded(
    { hostname: "127.0.0.1", port: 0, log: () => {} },
    (req, info) => s.app.fetch(req, info),
  );
  try {
    await fn(s, front);
  } finally {
    await front.shutdown();
    await s.close();
  }
}

Deno.test("/ws ends a client that stops reading while frames flow: off the list, its TCP connection closed", async () => {
  await withFront(async (s, front) => {
    const conn = await stalledClient(front.addr.port, "/ws?mode=live");
    try {
      await waitFor(() => s.clients.size === 1, 5000, "the client to register");
      assert.equal(front.stats().open, 1);
      // 256 KiB frames until the kernel's buffers toward the client are full and writes stop
      const start = Date.now();
      let sent = 0;
      for (let i = 0; s.clients.size > 0 && Date.now() - start < 20_000; i++) {
        s.bus.publish(frame("cam1", 30_000 + i, false, 256 * 1024));
        sent++;
        await sleep(20);
      }
      const took = Date.now() - start;
      assert.equal(s.clients.size, 0, "the stalled client left the clients list");
      // filling the buffers takes a few hundred ms here; then at most STALL_MS and a check
      assert.ok(took < STALL_MS + 4000, `dropped after ${took} ms`);
      await waitFor(() => front.stats().open === 0, 2000, "its TCP connection to be ended");
      assert.equal(s.bus.size, 0, "its bus subscription closed");
      assert.ok(sent > 0);
    } finally {
      conn.close();
    }
  });
});

Deno.test("/ws ends a client that stops reading when nothing is sent (no pong to the ping)", async () => {
  await withFront(async (s, front) => {
    const conn = await stalledClient(front.addr.port, "/ws?mode=detect");
    try {
      await waitFor(() => s.clients.size === 1, 5000, "the client to register");
      const start = Date.now();
      await waitFor(() => s.clients.size === 0, STALL_MS + 4000, "the silent client to be ended");
      assert.ok(Date.now() - start >= STALL_MS / 2, "not before a ping went unanswered");
      await waitFor(() => front.stats().open === 0, 2000, "its TCP connection to be ended");
    } finally {
      conn.close();
    }
  });
});

Deno.test("/ws keeps a client that reads, idle or busy, well past the stall time", async () => {
  await withFront(async (s, front) => {
    const c = await TestClient.connect(`ws://127.0.0.1:${front.addr.port}/ws?mode=live`);
    try {
      await c.text("hello");
      const until = Date.now() + 3 * STALL_MS;
      for (let i = 0; Date.now() < until; i++) {
        // busy half the time, idle the other half
        if (Math.floor(i / 50) % 2 === 0) {
          s.bus.publish(frame("cam1", 40_000 + i, false, 64 * 1024));
        }
        await sleep(20);
      }
      assert.equal(s.clients.size, 1, "the reading client is still connected");
      assert.ok(c.received.some((m) => m.kind === "binary"), "it got frames");
    } finally {
      await c.close();
    }
  });
});
