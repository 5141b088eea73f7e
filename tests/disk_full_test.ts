/**
 * A full disk, for real: the server's data folder on a small tmpfs that a filler file fills.
 * Alerts and the live view must go on, `/api/health` must say "degraded: disk full", logins
 * must work, a restart on the still-full disk must start, and storage must come back by itself
 * when space returns. Needs root (mount); skipped with the reason otherwise.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Auth } from "../lib/auth/mod.ts";
import { Store } from "../lib/store/mod.ts";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";
import type { VigilProcess } from "./helpers/server.ts";
import { canMountTmpfs, fillDisk, withTmpfs } from "./helpers/tmpfs.ts";

const ignore = !canMountTmpfs;
const CHEAP_KDF = { logN: 10, r: 8, p: 1 };
if (ignore) console.warn("disk_full_test: skipped: cannot mount a tmpfs here (needs root)");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

interface Health {
  status: string;
  message?: string;
  storage?: { status: string; message?: string; lostFrames?: number };
}

async function health(url: string): Promise<Health> {
  const res = await fetch(`${url}/api/health`);
  return await res.json();
}

/** What a WebSocket client received, with arrival times. */
function watch(url: string, cookie: string) {
  const ws = openWebSocket(`${url.replace("http", "ws")}/ws?camera=cam1&mode=detect`, {
    cookie,
    origin: url,
  });
  const got = {
    motion: [] as { at: number; eventId: number }[],
    events: [] as { at: number; phase: string; eventId: number }[],
    frames: [] as number[],
    closed: false,
    ws,
  };
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") return void got.frames.push(Date.now());
    const m = JSON.parse(e.data);
    if (m.type === "motion") got.motion.push({ at: Date.now(), eventId: m.eventId });
    if (m.type === "event") got.events.push({ at: Date.now(), phase: m.phase, eventId: m.eventId });
  };
  ws.onclose = () => got.closed = true;
  return got;
}

Deno.test({
  name: "[e2e] a full disk: alerts go on, health says disk full, restart works, storage resumes",
  ignore,
  sanitizeResources: false, // the WebSocket's close handshake with a killed server
  sanitizeOps: false,
}, async () => {
  await withTmpfs(16, async (dir) => {
    const data = join(dir, "data");
    const filler = join(dir, "filler");
    const password = crypto.randomUUID();
    let vigil: VigilProcess | null = await startVigil({ dataDir: data, password });
    let ws: WebSocket | null = null;
    try {
      const url = vigil.url;
      const loggedInAt = Date.now();
      const cookie = await login(url, password);
      const got = watch(url, cookie);
      ws = got.ws;
      await until("the first motion message", () => got.motion.length > 0, 30_000);

      // Fill the disk.
      const filledAt = Date.now();
      await fillDisk(filler);
      await until("health to say disk full", async () => {
        const h = await health(url);
        return h.status === "degraded" && /disk full/.test(h.storage?.message ?? "");
      }, 20_000);
      const degradedAfter = Date.now() - filledAt;
      const h = await health(url);
      assert.match(h.message!, /disk full: .*\(free space or lower retention\.maxDiskMB\)/);

      // Stay full past the session's last-seen update (every 60 s; the old server died there).
      const motionAtFull = got.motion.length;
      const startsAtFull = got.events.filter((e) => e.phase === "start").length;
      const framesAtFull = got.frames.length;
      await until(
        "65 s since the login, with a motion event while full",
        () =>
          Date.now() - loggedInAt > 65_000 &&
          got.events.filter((e) => e.phase === "end").length > startsAtFull,
        120_000,
      );
      assert.equal(got.closed, false, "the WebSocket is still open");
      assert.equal((await fetch(`${url}/api/health`)).status, 200, "the server is up");
      const motionWhileFull = got.motion.length - motionAtFull;
      const framesWhileFull = got.frames.length - framesAtFull;
      const startsWhileFull = got.events.filter((e) => e.phase === "start").length - startsAtFull;
      assert.ok(motionWhileFull > 0, "motion messages while the disk is full");
      assert.ok(framesWhileFull > 0, "motion frames while the disk is full");
      // Every event that started while full got motion messages (none missed).
      const fullEvents = new Set(
        got.events.filter((e) => e.at > filledAt && e.phase === "start").map((e) => e.eventId),
      );
      for (const id of fullEvents) {
        assert.ok(got.motion.some((m) => m.eventId === id), `motion messages of event ${id}`);
      }
      // A new login works on the full disk.
      await login(url, password).catch((err) => {
        throw new Error(`${err.message}; the server said:\n${vigil!.output().slice(-3000)}`);
      });
      assert.doesNotMatch(vigil.output(), /^\s+at /m, "no stack trace");

      // Restart on the still-full disk: it starts, says degraded, and logins work.
      ws.close();
      ws = null;
      await vigil.close();
      vigil = null;
      await fillDisk(filler); // whatever the old server gave back
      const restartedAt = Date.now();
      vigil = await startVigil({ dataDir: data, password });
      const restartMs = Date.now() - restartedAt;
      const url2 = vigil.url;
      const h2 = await health(url2);
      assert.equal(h2.status, "degraded");
      assert.match(h2.storage?.message ?? "", /disk full/);
      const cookie2 = await login(url2, password);
      assert.doesNotMatch(vigil.output(), /^\s+at /m, "no stack trace on restart");

      // Space returns: storage resumes by itself, and events are stored again.
      const got2 = watch(url2, cookie2);
      ws = got2.ws;
      await Deno.remove(filler);
      const freedAt = Date.now();
      await until("health ok again", async () => (await health(url2)).status === "ok", 30_000);
      const resumedAfter = Date.now() - freedAt;
      await until("a new event stored with frames", async () => {
        const res = await fetch(`${url2}/api/events?since=${freedAt}`, {
          headers: { cookie: cookie2 },
        });
        const events = await res.json() as { frames: number; end: number | null }[];
        return events.some((e) => e.frames > 0 && e.end !== null);
      }, 40_000);
      const res = await fetch(`${url2}/api/events?limit=100`, { headers: { cookie: cookie2 } });
      const all = await res.json() as { id: number; end: number | null }[];
      assert.ok(all.filter((e) => e.end === null).length <= 1, "no event stuck 'ongoing'");
      console.log(
        `disk-full figures: degraded ${degradedAfter} ms after the disk filled; ` +
          `while full: ${startsWhileFull} events, ${motionWhileFull} motion messages, ` +
          `${framesWhileFull} frames to the client; restart on the full disk listening in ` +
          `${restartMs} ms; storage resumed ${resumedAfter} ms after space returned`,
      );
    } finally {
      ws?.close();
      await vigil?.close();
    }
  });
});

Deno.test({
  name: "Auth.sessionForToken() on a full disk keeps the session instead of throwing",
  ignore,
}, async () => {
  await withTmpfs(2, async (dir) => {
    const now = { t: Date.UTC(2026, 11, 1) };
    const auth = Auth.open(join(dir, "vigil.db"), {
      now: () => now.t,
      log: () => {},
      kdf: CHEAP_KDF,
    });
    try {
      auth.ensureAdmin("correct horse battery staple");
      const { token } = auth.createSession(auth.getUser("admin")!, {
        address: "127.0.0.1",
        userAgent: "test",
      });
      await fillDisk(join(dir, "filler"));
      now.t += 61_000; // past the last-seen update interval: this is where it wrote (and threw)
      const found = auth.sessionForToken(token);
      assert.equal(found?.user.username, "admin");
      now.t += 8 * 24 * 3_600_000; // idle-expired: its row is deleted, which fails too
      assert.equal(auth.sessionForToken(token), null);
    } finally {
      auth.close();
    }
  });
});

function jpeg(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size).fill(seed & 0xff);
  b.set([0xff, 0xd8], 0);
  b.set([0xff, 0xd9], size - 2);
  return b;
}

Deno.test({
  name:
    "Store on a full disk: retention frees room files first, the real error is logged, storage resumes",
  ignore,
}, async () => {
  await withTmpfs(4, async (dir) => {
    const data = join(dir, "data");
    const lines: string[] = [];
    const store = Store.open(data, {
      log: (l) => lines.push(l),
      watchMs: 100,
      reserveBytes: 128 * 1024,
    });
    try {
      const t0 = Date.UTC(2026, 11, 1);
      const ids: number[] = [];
      for (let e = 0; e < 4; e++) { // 4 closed events of 5 × 40 KB
        const id = store.startEvent("cam1", t0 + e * 10_000);
        for (let i = 0; i < 5; i++) {
          store.addFrame(id, "cam1", t0 + e * 10_000 + i * 100, jpeg(40_000, i), [[1, 2, 3, 4]], 1);
        }
        store.endEvent(id, t0 + e * 10_000 + 400);
        ids.push(id);
      }
      await store.flush();
      await fillDisk(join(dir, "filler"));
      // A new event on the full disk: nothing throws, health says so, and room is made.
      const open = store.startEvent("cam1", t0 + 60_000);
      for (let i = 0; i < 5; i++) {
        store.addFrame(open, "cam1", t0 + 60_000 + i * 100, jpeg(40_000, i), [[1, 2, 3, 4]], 1);
      }
      await store.flush();
      await until(
        "disk full noticed",
        () => store.health().status === "degraded" || lines.some((l) => /disk full/.test(l)),
        5000,
      );
      await until("room made and storage resumed", () => store.health().status === "ok", 10_000);
      assert.ok(lines.some((l) => /disk full/.test(l)), lines.join("\n"));
      assert.ok(!lines.some((l) => /cannot rollback/.test(l)), lines.join("\n"));
      // Oldest first: the first event went, the newest closed one may stay.
      assert.equal(store.getEvent(ids[0]), null);
      await assert.rejects(Deno.stat(join(data, "cam1", "2026-12-01", String(ids[0]))));
      // Frames are stored again, and the event open while full closes normally.
      store.addFrame(open, "cam1", t0 + 61_000, jpeg(10_000, 9), [[1, 2, 3, 4]], 2);
      store.endEvent(open, t0 + 61_000);
      await store.flush();
      const ev = store.getEvent(open)!;
      assert.equal(ev.end, t0 + 61_000);
      assert.ok(ev.frames >= 1);
      // The WAL was cut back after retention.
      const wal = await Deno.stat(join(data, "vigil.db-wal")).then((s) => s.size, () => 0);
      assert.ok(wal <= 1024 * 1024, `WAL ${wal} bytes`);
    } finally {
      await store.close();
    }
  });
});

Deno.test("Store keeps the quota within one event's size between retention runs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil_quota_" });
  const store = Store.open(dir, { maxBytes: 200_000, log: () => {} });
  try {
    const t0 = Date.UTC(2026, 11, 1);
    // 20 events of 50 KB, no timer: only the writes themselves can enforce the quota.
    for (let e = 0; e < 20; e++) {
      const id = store.startEvent("cam1", t0 + e * 1000);
      for (let i = 0; i < 5; i++) {
        store.addFrame(id, "cam1", t0 + e * 1000 + i * 10, jpeg(10_000, i), [[1, 2, 3, 4]], 1);
      }
      store.endEvent(id, t0 + e * 1000 + 40);
      await store.flush();
      assert.ok(
        store.storedBytes() <= 200_000 + 50_000,
        `after event ${e}: ${store.storedBytes()} bytes stored for a 200000-byte quota`,
      );
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "Store without statfs (no --allow-sys): a failed write says disk full, freed space resumes",
  ignore,
}, async () => {
  await withTmpfs(4, async (dir) => {
    const data = join(dir, "data");
    const lines: string[] = [];
    const store = Store.open(data, {
      log: (l) => lines.push(l),
      watchMs: 100,
      reserveBytes: 128 * 1024,
      freeBytes: () => Infinity, // free space unknown: only failing writes tell
    });
    try {
      const t0 = Date.UTC(2026, 11, 1);
      await until("the reserve files", () => {
        try {
          return Deno.statSync(join(data, ".vigil-reserve-start")).size > 0;
        } catch {
          return false;
        }
      }, 5000);
      await fillDisk(join(dir, "filler"));
      const id = store.startEvent("cam1", t0);
      for (let i = 0; i < 5; i++) {
        store.addFrame(id, "cam1", t0 + i * 100, jpeg(40_000, i), [[1, 2, 3, 4]], 1);
      }
      store.endEvent(id, t0 + 400);
      await store.flush();
      assert.equal(store.health().status, "degraded", lines.join("\n"));
      await sleep(500);
      assert.equal(store.health().status, "degraded", "no room yet: stays degraded");
      await Deno.remove(join(dir, "filler"));
      await until("storage resumed", () => store.health().status === "ok", 5000);
      const next = store.startEvent("cam1", t0 + 10_000);
      store.addFrame(next, "cam1", t0 + 10_000, jpeg(10_000, 1), [[1, 2, 3, 4]], 1);
      store.endEvent(next, t0 + 10_000);
      await store.flush();
      assert.equal(store.getEvent(next)?.frames, 1);
      assert.equal(store.getEvent(id)?.end, t0 + 400, "the event from the full disk is closed");
    } finally {
      await store.close();
    }
  });
});
