import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { FRAME_PATH, Store } from "./mod.ts";
import type { StoreOptions } from "./mod.ts";
import type { Box } from "../bus/mod.ts";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function jpeg(size: number, fill = 0xab): Uint8Array {
  const b = new Uint8Array(size).fill(fill);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil_store_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function quiet(lines: string[] = []): (line: string) => void {
  return (line) => lines.push(line);
}

/**
 * Runs `fn` with a Store (quiet unless `opts.log` is given) in a new temporary folder; closes
 * it, even when `fn` fails, and removes the folder.
 */
async function withStore(
  opts: StoreOptions,
  fn: (store: Store, dir: string) => Promise<void> | void,
): Promise<void> {
  await withTempDir(async (dir) => {
    const store = Store.open(dir, { log: quiet(), ...opts });
    try {
      await fn(store, dir);
    } finally {
      await store.close();
    }
  });
}

/** Records one event of `n` frames, 100 ms apart, `size` bytes each. */
function recordEvent(store: Store, camera: string, start: number, n: number, size = 1000): number {
  const id = store.startEvent(camera, start);
  for (let i = 0; i < n; i++) {
    store.addFrame(id, camera, start + i * 100, jpeg(size, i), [[i, 2, 3, 4]], i === 1 ? 9 : i);
  }
  store.endEvent(id, start + (n - 1) * 100);
  return id;
}

Deno.test("Store round-trips events and frames with boxes, scores and files", async () => {
  await withStore({}, async (store, dir) => {
    const boxes: Box[] = [[10, 20, 30, 40], [1, 2, 3, 4]];
    const id = store.startEvent("cam1", T0);
    store.addFrame(id, "cam1", T0, jpeg(500), boxes, 0.5);
    store.addFrame(id, "cam1", T0 + 66, jpeg(600), [[5, 5, 5, 5]], 2.5);
    store.addFrame(id, "cam1", T0 + 132, jpeg(700), [], 1);
    // open event is listed with end null
    assert.equal(store.getEvent(id)?.end, null);
    store.endEvent(id, T0 + 132);
    await store.flush();

    const ev = store.getEvent(id)!;
    assert.equal(ev.camera, "cam1");
    assert.equal(ev.start, T0);
    assert.equal(ev.end, T0 + 132);
    assert.equal(ev.frames, 3);
    assert.equal(ev.score, 2.5);
    assert.equal(ev.thumbnail, `/frames/cam1/2026-11-22/${id}/${T0 + 66}.jpg`);

    const frames = store.listFrames(id);
    assert.deepEqual(frames.map((f) => f.ts), [T0, T0 + 66, T0 + 132]);
    assert.deepEqual(frames[0].boxes, boxes);
    assert.deepEqual(frames[2].boxes, []);
    for (const f of frames) {
      const rel = f.url.slice("/frames/".length);
      assert.match(rel, FRAME_PATH);
      const onDisk = await Deno.readFile(join(dir, rel));
      assert.equal(onDisk[0], 0xff);
    }
    assert.equal((await Deno.stat(join(dir, frames[1].url.slice(8)))).size, 600);
    assert.equal(store.storedBytes(), 1800);
    assert.deepEqual(store.listFrames(9999), []);
    assert.equal(store.getEvent(9999), null);
  });
});

Deno.test("Store keeps frame names unique when two frames share a timestamp", async () => {
  await withStore({}, async (store) => {
    const id = store.startEvent("cam1", T0);
    store.addFrame(id, "cam1", T0, jpeg(10, 1), [], 1);
    store.addFrame(id, "cam1", T0, jpeg(10, 2), [], 1);
    await store.flush();
    const urls = store.listFrames(id).map((f) => f.url);
    assert.equal(new Set(urls).size, 2);
    for (const u of urls) assert.match(u.slice(8), FRAME_PATH);
  });
});

Deno.test("Store.listEvents() filters by camera and time, newest first, with a limit", async () => {
  await withStore({}, (store) => {
    const a = recordEvent(store, "cam1", T0, 2);
    const b = recordEvent(store, "cam2", T0 + 10_000, 2);
    const c = recordEvent(store, "cam1", T0 + 20_000, 2);
    assert.deepEqual(store.listEvents({}).map((e) => e.id), [c, b, a]);
    assert.deepEqual(store.listEvents({ camera: "cam1" }).map((e) => e.id), [c, a]);
    assert.deepEqual(store.listEvents({ limit: 1 }).map((e) => e.id), [c]);
    assert.deepEqual(store.listEvents({ since: T0 + 5000 }).map((e) => e.id), [c, b]);
    assert.deepEqual(store.listEvents({ until: T0 + 15_000 }).map((e) => e.id), [b, a]);
    // an event overlapping `since` is included
    assert.deepEqual(store.listEvents({ since: T0 + 50, until: T0 + 60 }).map((e) => e.id), [a]);
    assert.throws(() => store.listEvents({ camera: "../x" }), RangeError);
    assert.throws(() => store.listEvents({ limit: 0 }), RangeError);
  });
});

Deno.test("Store validates camera ids, event ids and arguments", async () => {
  await withStore({}, (store) => {
    for (const bad of ["", "Cam", "a/b", "..", "a".repeat(33), "x y"]) {
      assert.throws(() => store.startEvent(bad, T0), RangeError, bad);
    }
    const id = store.startEvent("cam_1-a", T0);
    assert.throws(() => store.addFrame(id, "other", T0, jpeg(5), [], 1), RangeError);
    assert.throws(() => store.addFrame(id + 1, "cam_1-a", T0, jpeg(5), [], 1), RangeError);
    assert.throws(() => store.addFrame(id, "cam_1-a", T0, new Uint8Array(0), [], 1), TypeError);
    assert.throws(
      () => store.addFrame(id, "cam_1-a", T0, jpeg(5), [[1, 2, 3]] as unknown as Box[], 1),
      TypeError,
    );
    assert.throws(() => store.addFrame(id, "cam_1-a", NaN, jpeg(5), [], 1), RangeError);
    assert.throws(() => store.getEvent(1.5), RangeError);
  });
});

Deno.test("Store survives a restart and closes events a crash left open", async () => {
  await withTempDir(async (dir) => {
    const first = Store.open(dir, { log: quiet() });
    const done = recordEvent(first, "cam1", T0, 3);
    const open = first.startEvent("cam1", T0 + 5000);
    first.addFrame(open, "cam1", T0 + 5000, jpeg(100), [[1, 1, 1, 1]], 3);
    first.addFrame(open, "cam1", T0 + 5400, jpeg(100), [[1, 1, 1, 1]], 4);
    await first.close(); // the event stays open, as after a crash

    const second = Store.open(dir, { log: quiet() });
    assert.equal(second.getEvent(done)?.frames, 3);
    const reopened = second.getEvent(open)!;
    assert.equal(reopened.end, T0 + 5400, "closed with its last frame's ts");
    assert.equal(reopened.frames, 2);
    assert.equal(second.listFrames(done).length, 3);
    // ids keep growing after a restart
    assert.ok(second.startEvent("cam1", T0 + 9000) > open);
    await second.close();
  });
});

Deno.test("Store at open drops frame rows whose JPEG was never written", async () => {
  await withTempDir(async (dir) => {
    const store = Store.open(dir, { log: quiet() });
    const id = recordEvent(store, "cam1", T0, 2);
    await store.close();
    // Simulate a crash between the row insert and the file write: mark the rows unwritten
    // and delete one file.
    const db = new DatabaseSync(join(dir, "vigil.db"));
    db.exec("UPDATE frames SET stored = 0");
    db.close();
    await Deno.remove(join(dir, `cam1/2026-11-22/${id}/${T0}.jpg`));
    const again = Store.open(dir, { log: quiet() });
    assert.deepEqual(again.listFrames(id).map((f) => f.ts), [T0 + 100]);
    assert.equal(again.getEvent(id)?.frames, 1);
    assert.equal(again.storedBytes(), 1000);
    await again.close();
  });
});

Deno.test("Store.enforceRetention() deletes events older than maxAgeMs, files included", async () => {
  const day = 86_400_000;
  await withStore({ maxAgeMs: 7 * day }, async (store, dir) => {
    const old = recordEvent(store, "cam1", T0 - 10 * day, 2);
    const recent = recordEvent(store, "cam1", T0 - day, 2);
    const open = store.startEvent("cam1", T0 - 20 * day); // open events are kept
    await store.flush();
    const oldDir = join(dir, "cam1", "2026-11-12", String(old));
    assert.ok((await Deno.stat(oldDir)).isDirectory);

    assert.equal(await store.enforceRetention(T0), 1);
    assert.equal(store.getEvent(old), null);
    assert.deepEqual(store.listFrames(old), []);
    await assert.rejects(Deno.stat(oldDir), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(join(dir, "cam1", "2026-11-12")), Deno.errors.NotFound);
    assert.ok(store.getEvent(recent));
    assert.ok(store.getEvent(open));
    assert.equal(store.storedBytes(), 2000);
  });
});

Deno.test("Store.setLimits() changes retention for the next pass (a settings change applied live)", async () => {
  const day = 86_400_000;
  await withStore({ maxAgeMs: 30 * day }, async (store) => {
    const old = recordEvent(store, "cam1", T0 - 10 * day, 2);
    await store.flush();
    assert.equal(await store.enforceRetention(T0), 0, "kept under 30 days");
    store.setLimits({ maxAgeMs: 7 * day, maxBytes: 1024 * 1024 });
    assert.deepEqual(store.limits, { maxAgeMs: 7 * day, maxBytes: 1024 * 1024 });
    assert.equal(await store.enforceRetention(T0), 1);
    assert.equal(store.getEvent(old), null);
    assert.throws(() => store.setLimits({ maxAgeMs: -1 }), RangeError);
  });
});

Deno.test("Store.deleteEvent() deletes a closed event with its files, never an open one", async () => {
  await withStore({}, async (store, dir) => {
    const done = recordEvent(store, "cam1", T0, 3);
    const kept = recordEvent(store, "cam1", T0 + 1000, 2);
    const open = store.startEvent("cam1", T0 + 5000);
    await store.flush();
    const doneDir = join(dir, "cam1", "2026-11-22", String(done));
    assert.ok((await Deno.stat(doneDir)).isDirectory);

    assert.equal(await store.deleteEvent(done), "deleted");
    assert.equal(store.getEvent(done), null);
    assert.deepEqual(store.listFrames(done), []);
    await assert.rejects(Deno.stat(doneDir), Deno.errors.NotFound);
    assert.equal(await store.deleteEvent(done), "missing");
    assert.equal(await store.deleteEvent(open), "open");
    assert.ok(store.getEvent(open));
    assert.equal(store.listFrames(kept).length, 2);
    assert.equal(store.storedBytes(), 2000);
    await assert.rejects(store.deleteEvent(0), RangeError);
  });
});

Deno.test("Store.enforceRetention() deletes the oldest events first past maxBytes", async () => {
  await withStore({ maxBytes: 5000 }, async (store, dir) => {
    // 4 events of 2 × 1000 bytes = 8000 bytes; inserted out of time order
    const e2 = recordEvent(store, "cam1", T0 + 2000, 2);
    const e1 = recordEvent(store, "cam2", T0 + 1000, 2);
    const e4 = recordEvent(store, "cam1", T0 + 4000, 2);
    const e3 = recordEvent(store, "cam2", T0 + 3000, 2);
    const e1File = join(dir, store.listFrames(e1)[0].url.slice(8));
    // The quota is checked as frames are written: retention has already run by itself.
    await store.flush();
    await store.enforceRetention(T0 + 5000);
    assert.deepEqual(store.listEvents({}).map((e) => e.id), [e4, e3]);
    assert.equal(store.getEvent(e2), null);
    assert.equal(store.storedBytes(), 4000);
    await assert.rejects(Deno.stat(e1File), Deno.errors.NotFound);
    // cached bytes of deleted events are forgotten too
    assert.equal(store.cachedFrame(e1File.slice(dir.length + 1)), undefined);
  });
});

Deno.test("Store.enforceRetention() leaves no file behind for frames still being written", async () => {
  await withStore({ maxAgeMs: 1000 }, async (store, dir) => {
    const id = recordEvent(store, "cam1", T0, 20, 20_000); // writes still queued
    assert.ok(store.pendingWrites > 0);
    assert.equal(await store.enforceRetention(T0 + 10_000), 1);
    await store.flush();
    assert.equal(store.getEvent(id), null);
    assert.equal(store.storedBytes(), 0);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      !n.startsWith("vigil.db") && !n.startsWith(".vigil-reserve")
    );
    const files: string[] = [];
    for (const name of left) {
      for (const e of Deno.readDirSync(join(dir, name))) files.push(`${name}/${e.name}`);
    }
    assert.deepEqual(files, []);
  });
});

Deno.test("Store serves recent frames from memory (LRU) and evicts the least recent", async () => {
  await withStore({ cacheFrames: 2 }, async (store) => {
    const id = store.startEvent("cam1", T0);
    for (let i = 0; i < 3; i++) store.addFrame(id, "cam1", T0 + i, jpeg(10, i + 1), [], 1);
    await store.flush();
    const rels = store.listFrames(id).map((f) => f.url.slice(8));
    assert.equal(store.cachedFrame(rels[0]), undefined);
    assert.equal(store.cachedFrame(rels[1])?.[2], 2);
    assert.equal(store.cachedFrame(rels[2])?.[2], 3);
  });
});

Deno.test("Store.motionHistogram() counts motion frames per bucket with the first event", async () => {
  await withStore({}, (store) => {
    const a = recordEvent(store, "cam1", T0, 3); // T0, +100, +200
    const b = recordEvent(store, "cam2", T0 + 1500, 2); // +1500, +1600
    const h = store.motionHistogram({ since: T0, until: T0 + 3000, bucketMs: 1000 });
    assert.deepEqual(h, [
      { t: T0, frames: 3, eventId: a },
      { t: T0 + 1000, frames: 2, eventId: b },
      { t: T0 + 2000, frames: 0, eventId: null },
    ]);
    const only2 = store.motionHistogram({
      camera: "cam2",
      since: T0,
      until: T0 + 2000,
      bucketMs: 1000,
    });
    assert.deepEqual(only2.map((x) => x.frames), [0, 2]);
    assert.throws(() => store.motionHistogram({ since: 0, until: 1e12, bucketMs: 1 }), RangeError);
  });
});

Deno.test("Store keeps running when JPEG writes fail, logging once per burst", async () => {
  const lines: string[] = [];
  await withStore({ log: quiet(lines) }, async (store, dir) => {
    // A plain file where the camera's folder should be: every mkdir under it fails (even as root).
    await Deno.writeTextFile(join(dir, "cam1"), "not a folder");
    const id = store.startEvent("cam1", T0);
    for (let i = 0; i < 5; i++) store.addFrame(id, "cam1", T0 + i, jpeg(100), [[1, 1, 1, 1]], 1);
    store.endEvent(id, T0 + 4);
    await store.flush();
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /not stored/);
    assert.deepEqual(store.listFrames(id), [], "rows of lost frames are dropped");
    assert.equal(store.getEvent(id)?.frames, 0);
    assert.equal(store.getEvent(id)?.thumbnail, null);

    // The disk comes back: writes work again and say so once.
    await Deno.remove(join(dir, "cam1"));
    const id2 = store.startEvent("cam1", T0 + 100);
    store.addFrame(id2, "cam1", T0 + 100, jpeg(100), [], 1);
    await store.flush();
    assert.equal(store.listFrames(id2).length, 1);
    assert.equal(lines.length, 2);
    assert.match(lines[1], /works again \(5 frames were lost\)/);
  });
});

Deno.test("Store.addFrame() never waits for the disk and skips frames past the queue bound", async () => {
  const lines: string[] = [];
  await withStore({ maxPendingWrites: 4, log: quiet(lines) }, async (store) => {
    const id = store.startEvent("cam1", T0);
    // addFrame() is synchronous and returns before any JPEG reaches the disk: right after the
    // calls, the first 4 wait in the queue and the others were skipped (how long the calls
    // take is measured by `deno task bench timings`, not asserted)
    for (let i = 0; i < 10; i++) {
      assert.equal(store.addFrame(id, "cam1", T0 + i, jpeg(50_000), [], 1), undefined);
    }
    assert.equal(store.pendingWrites, 4);
    // pending frames are served from memory before they reach the disk
    const first = store.listFrames(id)[0].url.slice(8);
    assert.ok(store.cachedFrame(first));
    await store.flush();
    assert.equal(store.listFrames(id).length, 4);
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0], /queue is full/);
    assert.match(lines[1], /works again \(6 frames were lost\)/);
  });
});
