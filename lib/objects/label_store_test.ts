import assert from "node:assert/strict";
import { Store } from "../store/mod.ts";
import { LabelStore } from "./label_store.ts";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 0xff, 0xd9]);

Deno.test("LabelStore: labels filter lib/store's events, make the picture, go with their event", async () => {
  const dir = await Deno.makeTempDir();
  const store = Store.open(dir);
  const labels = LabelStore.open(dir, () => {});
  try {
    const a = store.startEvent("cam1", 1000);
    store.addFrame(a, "cam1", 1000, JPEG, [[0, 0, 10, 10]], 9); // most motion
    store.addFrame(a, "cam1", 1100, JPEG, [[0, 0, 5, 5]], 1);
    const b = store.startEvent("cam1", 5000);
    store.addFrame(b, "cam1", 5000, JPEG, [[0, 0, 10, 10]], 3);
    labels.record(
      a,
      1100,
      [{ label: "dog", score: 0.7, box: [0, 0, 5, 5] }],
      new Map([["dog", 0.7]]),
      true,
    );
    // the best object frame is the picture, and later motion frames do not take it back
    store.addFrame(a, "cam1", 1200, JPEG, [[0, 0, 20, 20]], 50);
    assert.match(store.getEvent(a)!.thumbnail!, /\/1100\.jpg$/);
    assert.match(store.getEvent(b)!.thumbnail!, /\/5000\.jpg$/);
    store.endEvent(a, 1200);
    store.endEvent(b, 5000);
    assert.deepEqual(store.listEvents({ label: "dog" }).map((e) => e.id), [a]);
    assert.deepEqual(store.listEvents({ label: "person" }), []);
    assert.deepEqual(labels.labelsOf([a, b]), new Map([[a, ["dog"]]]));
    const bars = (label?: string) =>
      store.motionHistogram({ since: 0, until: 10_000, bucketMs: 10_000, label })[0].frames;
    assert.equal(bars(), 4);
    assert.equal(bars("dog"), 3);
    assert.equal(bars("cat"), 0);
    while (store.pendingWrites > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await store.deleteEvent(a), "deleted");
    assert.deepEqual(labels.labels(a), []);
    assert.equal(labels.objects(a).size, 0);
  } finally {
    labels.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
