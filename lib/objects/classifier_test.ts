import assert from "node:assert/strict";
import { ObjectClassifier } from "./classifier.ts";
import { DEFAULT_OBJECT_SETTINGS } from "./settings.ts";
import { LabelStore } from "./label_store.ts";
import { ObjectService } from "./service.ts";
import type { Box } from "../protocol.ts";

const FIXTURES = new URL("../../tests/fixtures/objects/", import.meta.url);
const PEDESTRIANS = await Deno.readFile(new URL("pedestrians_in000500.jpg", FIXTURES));
const WALKER: Box[] = [[161, 36, 40, 85]];
const settings = { ...DEFAULT_OBJECT_SETTINGS };

Deno.test("ObjectClassifier: a missing or corrupt model is one log line and objects off", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, RegExp][] = [];
    // missing
    cases.push([`${dir}/none.json`, /cannot load the object model .*none\.json: .*No such file/]);
    // not JSON
    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    cases.push([`${dir}/bad.json`, /bad\.json: not valid JSON/]);
    // the real topology with its weights cut short
    const real = new URL("./model/", import.meta.url);
    await Deno.copyFile(new URL("nanodet.json", real), `${dir}/nanodet.json`);
    const bin = await Deno.readFile(new URL("nanodet.bin", real));
    await Deno.writeFile(`${dir}/nanodet.bin`, bin.subarray(0, 100_000));
    cases.push([`${dir}/nanodet.json`, /cannot load the object model .*nanodet\.json: /]);
    for (const [path, re] of cases) {
      const lines: string[] = [];
      const c = await ObjectClassifier.start({ model: path, log: (l) => lines.push(l) });
      try {
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.match(lines[0], /^vigil: objects off: /);
        assert.match(lines[0], re);
        assert.match(lines[0], /\(motion detection goes on\)$/);
        assert.ok(!lines[0].includes("\n"));
        assert.equal(c.ready, false);
        assert.ok(c.error);
        assert.equal(
          c.offer({ camera: "a", eventId: 1, ts: 1, jpeg: PEDESTRIANS, boxes: WALKER, settings }),
          "off",
        );
      } finally {
        c.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ObjectClassifier: classifies in its Worker, drops work when busy, keeps to fps", async () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const c = await ObjectClassifier.start({ now: () => now, log: (l) => lines.push(l) });
  try {
    assert.ok(c.ready, c.error ?? "");
    const results: { camera: string; labels: string[] }[] = [];
    let done!: () => void;
    c.onResult = (r) => {
      results.push({ camera: r.camera, labels: r.objects.map((o) => o.label) });
      done();
    };
    const job = (camera: string, jpeg = PEDESTRIANS) => ({
      camera,
      eventId: 1,
      ts: now,
      jpeg,
      boxes: WALKER,
      settings: { ...settings, fps: 1 },
    });
    let finished = new Promise<void>((r) => done = r);
    // The event loop stays free while the Worker works: timers keep firing.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    assert.equal(c.offer(job("a")), "accepted");
    assert.equal(c.busy, true);
    assert.equal(c.offer(job("b")), "busy"); // another camera, while the Worker is busy: dropped
    await finished;
    const elapsed = performance.now() - t0;
    clearInterval(ticker);
    assert.ok(ticks >= elapsed / 5 / 4, `timer fired ${ticks} times in ${elapsed.toFixed(0)} ms`);
    assert.deepEqual(results[0].camera, "a");
    assert.ok(results[0].labels.includes("person"), JSON.stringify(results));
    assert.equal(c.counters.busy, 1);
    assert.equal(c.counters.classified, 1);
    // camera a spent its 1 crop per second; b did not
    assert.equal(c.offer(job("a")), "rate");
    assert.equal(c.counters.rate, 1);
    now += 1000;
    // a broken JPEG: skipped, counted and logged once
    finished = new Promise<void>((r) => done = r);
    const failedBefore = c.counters.failed;
    assert.equal(c.offer(job("a", new Uint8Array([0xff, 0xd8, 1, 2, 3]))), "accepted");
    const t = Date.now();
    while (c.busy && Date.now() - t < 10_000) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.counters.failed, failedBefore + 1);
    assert.equal(lines.filter((l) => l.includes("could not be classified")).length, 1);
    // and it goes on working
    assert.equal(c.offer(job("b")), "accepted");
    await finished;
    assert.equal(results.at(-1)?.camera, "b");
  } finally {
    c.close();
  }
});

Deno.test("ObjectService: event labels (vehicles also as vehicle), stored, best frame as picture", async () => {
  const dir = await Deno.makeTempDir();
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(`${dir}/vigil.db`);
  db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, camera TEXT, start INTEGER, end INTEGER,
    frames INTEGER DEFAULT 0, score REAL DEFAULT 0, thumb TEXT, thumb_score REAL DEFAULT -1,
    bytes INTEGER DEFAULT 0, dir TEXT);
    CREATE TABLE frames (id INTEGER PRIMARY KEY, event_id INTEGER, ts INTEGER, file TEXT);
    INSERT INTO events (id, camera, start, dir, thumb, thumb_score) VALUES (7, 'a', 1, 'd', 'd/1.jpg', 5);
    INSERT INTO frames (event_id, ts, file) VALUES (7, 1, 'd/1.jpg'), (7, 2, 'd/2.jpg');`);
  const store = LabelStore.open(dir, () => {});
  const fake = { onResult: (_: unknown) => {}, ready: true, offer: () => "accepted", close() {} };
  const service = new ObjectService({
    classifier: fake as never,
    store,
    settingsFor: () => settings,
  });
  try {
    assert.equal(service.offer("a", 7, 2, PEDESTRIANS, WALKER), "accepted");
    fake.onResult({
      camera: "a",
      eventId: 7,
      ts: 2,
      objects: [
        { label: "person", score: 0.8, box: [1, 2, 3, 4] },
        { label: "car", score: 0.6, box: [5, 6, 7, 8] },
      ],
      regions: [],
      ms: 1,
    });
    assert.deepEqual(service.labels(7), ["person", "car", "vehicle"]);
    assert.deepEqual(store.labels(7), ["person", "car", "vehicle"]);
    assert.deepEqual(store.labelsOf([7, 8]).get(7), ["person", "car", "vehicle"]);
    assert.equal(store.objects(7).get(2)?.[0].label, "person");
    assert.equal(db.prepare("SELECT thumb FROM events WHERE id = 7").get()?.thumb, "d/2.jpg");
    assert.equal(service.latestObjects("a", 7)?.length, 2);
    assert.deepEqual(service.endEvent(7), ["person", "car", "vehicle"]);
    assert.deepEqual(service.labels(7), []);
  } finally {
    service.close();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
