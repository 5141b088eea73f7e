import assert from "node:assert/strict";
import { join } from "node:path";
import { Bus } from "../bus/mod.ts";
import { jpegSize } from "../jpeg.ts";
import { Store } from "./store.ts";
import { THUMB_PATH, Thumbnails, thumbnailUrl, thumbRelPath, withThumbnail } from "./thumbnails.ts";
import { demoFrame, storeDemoEvent } from "../../tests/history_fixtures.ts";

async function withStore(fn: (store: Store, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-thumbs-" });
  const store = Store.open(dir, { log: () => {} });
  try {
    await fn(store, dir);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const isFile = (path: string) => Deno.stat(path).then((s) => s.isFile, () => false);

Deno.test("thumbRelPath() names thumb.jpg in the event's folder, and only there", () => {
  assert.equal(
    thumbRelPath({ thumbnail: "/frames/cam1/2026-11-22/12/1795334401100.jpg" }),
    "cam1/2026-11-22/12/thumb.jpg",
  );
  assert.equal(thumbRelPath({ thumbnail: null }), null);
  assert.equal(thumbRelPath({ thumbnail: "/frames/x.jpg" }), null);
  assert.equal(thumbRelPath({ thumbnail: "/frames/../../etc/12/1.jpg" }), null);
  assert.ok(THUMB_PATH.test("cam-1/2026-11-22/12/thumb.jpg"));
  for (
    const bad of [
      "cam1/2026-11-22/12/thumb.jpg.tmp",
      "cam1/2026-11-22/0/thumb.jpg",
      "cam1/2026-11-22/12/THUMB.jpg",
      "cam1/2026-11-22/12/../thumb.jpg",
      "../2026-11-22/12/thumb.jpg",
      "thumb.jpg",
    ]
  ) assert.ok(!THUMB_PATH.test(bad), bad);
});

Deno.test("Thumbnails.make() scales the best frame of a real event to ≤ 320 px, much smaller", async () => {
  await withStore(async (store, dir) => {
    const frames = await Promise.all([2.6, 3.2, 3.8].map((t) => demoFrame(t)));
    const id = await storeDemoEvent(store, "cam1", Date.now() - 60_000, frames, 1);
    const event = store.getEvent(id)!;
    assert.match(event.thumbnail!, /\/\d+\.jpg$/);
    assert.equal(thumbnailUrl(dir, event), event.thumbnail, "the full frame until it is made");

    const thumbs = new Thumbnails(store, { log: (l) => assert.fail(l) });
    const rel = await thumbs.make(id);
    assert.equal(rel, `cam1/${event.thumbnail!.split("/")[3]}/${id}/thumb.jpg`);
    const thumb = await Deno.readFile(join(dir, rel!));
    const full = frames[1];
    const size = jpegSize(thumb)!;
    assert.deepEqual(jpegSize(full), { width: 640, height: 480 });
    assert.deepEqual(size, { width: 320, height: 240 });
    assert.ok(thumb.length * 3 < full.length, `thumb ${thumb.length} B vs frame ${full.length} B`);
    console.log(`demo scene: frame ${full.length} B, thumbnail ${thumb.length} B`);

    // lists now point at it; a second make() leaves it alone
    assert.equal(thumbnailUrl(dir, event), `/frames/${rel}`);
    assert.equal(withThumbnail(event, store).thumbnail, `/frames/${rel}`);
    const mtime = (await Deno.stat(join(dir, rel!))).mtime;
    assert.equal(await thumbs.make(id), rel);
    assert.deepEqual((await Deno.stat(join(dir, rel!))).mtime, mtime);

    // deleting the event deletes its thumbnail with its folder
    assert.equal(await store.deleteEvent(id), "deleted");
    assert.equal(await isFile(join(dir, rel!)), false);
    await thumbs.close();
  });
});

Deno.test("Thumbnails: a small frame is not enlarged; open, frameless and unknown events get none", async () => {
  await withStore(async (store) => {
    const thumbs = new Thumbnails(store);
    const small = await demoFrame(3, 160, 120);
    const id = await storeDemoEvent(store, "cam1", Date.now() - 10_000, [small]);
    const rel = await thumbs.make(id);
    assert.deepEqual(jpegSize(await Deno.readFile(join(store.dataDir, rel!))), {
      width: 160,
      height: 120,
    });
    const open = store.startEvent("cam1", Date.now());
    store.addFrame(open, "cam1", Date.now(), small, [], 1);
    assert.equal(await thumbs.make(open), null, "open: its best frame may still change");
    const empty = store.startEvent("cam1", Date.now());
    store.endEvent(empty, Date.now());
    assert.equal(await thumbs.make(empty), null);
    assert.equal(await thumbs.make(99999), null);
    await thumbs.close();
    await store.flush();
  });
});

Deno.test("Thumbnails: made when the bus says an event ended; retention deletes them", async () => {
  await withStore(async (store, dir) => {
    const bus = new Bus();
    const thumbs = new Thumbnails(store);
    thumbs.watch(bus);
    const jpeg = await demoFrame(3);
    const old = Date.now() - 3 * 86_400_000;
    const id = await storeDemoEvent(store, "cam1", old, [jpeg]);
    bus.publish({ type: "event", phase: "end", camera: "cam1", eventId: id, ts: old });
    const rel = thumbRelPath(store.getEvent(id)!)!;
    const until = Date.now() + 10_000;
    while (!(await isFile(join(dir, rel))) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await thumbs.idle();
    assert.ok(await isFile(join(dir, rel)), "made after the end message");

    const retained = Store.open(dir, { log: () => {}, maxAgeMs: 86_400_000 });
    try {
      assert.equal(await retained.enforceRetention(Date.now()), 1);
      assert.equal(await isFile(join(dir, rel)), false, "retention took the thumbnail too");
      assert.deepEqual([...Deno.readDirSync(join(dir, "cam1"))], [], "no folder left behind");
    } finally {
      await retained.close();
    }
    await thumbs.close();
    assert.equal(bus.size, 0, "close() unsubscribes");
  });
});

Deno.test("Thumbnails: without ffmpeg, lists keep the full frame and the failure is logged once", async () => {
  await withStore(async (store) => {
    const lines: string[] = [];
    const thumbs = new Thumbnails(store, {
      ffmpeg: "/nonexistent/ffmpeg",
      log: (l) => lines.push(l),
    });
    const jpeg = await demoFrame(3, 160, 120);
    const a = store.getEvent(await storeDemoEvent(store, "cam1", Date.now() - 9000, [jpeg]))!;
    const b = store.getEvent(await storeDemoEvent(store, "cam1", Date.now() - 5000, [jpeg]))!;
    assert.equal(thumbs.url(a), a.thumbnail);
    assert.equal(thumbs.url(b), b.thumbnail);
    await thumbs.idle();
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /no thumbnail for event \d+: .*ffmpeg was not found/);
    // not retried for the same event
    assert.equal(thumbs.url(a), a.thumbnail);
    await thumbs.idle();
    assert.equal(lines.length, 1);
    await thumbs.close();
  });
});

Deno.test("Thumbnails: an event deleted while its thumbnail is made leaves no file behind", async () => {
  await withStore(async (store, dir) => {
    const thumbs = new Thumbnails(store);
    const jpeg = await demoFrame(3);
    const id = await storeDemoEvent(store, "cam1", Date.now() - 9000, [jpeg]);
    const making = thumbs.make(id);
    assert.equal(await store.deleteEvent(id), "deleted");
    assert.equal(await making, null);
    assert.equal(store.getEvent(id), null);
    assert.deepEqual([...Deno.readDirSync(join(dir, "cam1"))], [], "no folder left behind");
    await thumbs.close();
  });
});
