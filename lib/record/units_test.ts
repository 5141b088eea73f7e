import assert from "node:assert/strict";
import { join } from "node:path";
import { parseRange } from "./range.ts";
import { serveFile } from "./range.ts";
import { parseRecordSettings } from "./settings.ts";
import { parseSegmentLine, recordArgs } from "./args.ts";
import { parseFramecrc } from "./probe.ts";
import { RecordingIndex } from "./index.ts";
import { Recordings } from "./recordings.ts";
import { DEFAULT_RECORD_SETTINGS } from "./settings.ts";
import { Store } from "../store/mod.ts";
import type { EventRow } from "../store/mod.ts";
import { ConfigError, loadConfig } from "../config/mod.ts";
import type { VigilConfig } from "../config/mod.ts";

Deno.test("parseRange() reads one byte range and refuses ranges past the end", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=500-", 1000), { start: 500, end: 999 });
  assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 999 });
  assert.deepEqual(parseRange("bytes=900-5000", 1000), { start: 900, end: 999 });
  assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
  assert.equal(parseRange(null, 1000), null);
  assert.equal(parseRange("bytes=0-1,5-6", 1000), null, "several ranges: the whole file");
  assert.equal(parseRange("items=0-1", 1000), null);
  assert.equal(parseRange("bytes=50-10", 1000), null, "an invalid range is ignored");
});

Deno.test("serveFile() answers 200, 206 with Content-Range, 416, and HEAD", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "f.bin");
  const data = new Uint8Array(200_000).map((_, i) => i % 251);
  await Deno.writeFile(path, data);
  try {
    const get = (range?: string, method = "GET") =>
      serveFile(
        new Request("http://x/", { method, headers: range ? { range } : {} }),
        path,
        { "Content-Type": "video/mp4" },
      );
    let r = await get();
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), data);
    r = await get("bytes=100000-100009");
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), "bytes 100000-100009/200000");
    assert.equal(r.headers.get("content-length"), "10");
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), data.subarray(100000, 100010));
    r = await get("bytes=70000-");
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), data.subarray(70000));
    r = await get("bytes=300000-");
    assert.equal(r.status, 416);
    assert.equal(r.headers.get("content-range"), "bytes */200000");
    r = await get("bytes=0-9", "HEAD");
    assert.equal(r.status, 206);
    assert.equal(r.body, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseRecordSettings() merges over the defaults and names the bad key", () => {
  assert.deepEqual(parseRecordSettings(undefined), DEFAULT_RECORD_SETTINGS);
  const s = parseRecordSettings({ mode: "continuous", retainDays: 2 });
  assert.equal(s.mode, "continuous");
  assert.equal(s.preCapture, 5);
  assert.equal(parseRecordSettings({ preCapture: 1 }, s).mode, "continuous");
  assert.throws(
    () => parseRecordSettings({ mode: "always" }),
    /record\.mode: "always" is not one of events, continuous, off/,
  );
  assert.throws(
    () => parseRecordSettings({ preCapture: -1 }),
    /record\.preCapture: must be between 0 and 300/,
  );
  assert.throws(
    () => parseRecordSettings({ prebuffer: 1 }),
    /record\.prebuffer: unknown recording setting "prebuffer" \(known: mode, /,
  );
  assert.throws(() => parseRecordSettings({ width: 640 }), /both width and height/);
  assert.throws(() => parseRecordSettings("events"), TypeError);
});

Deno.test("loadConfig() applies the top-level record settings to every camera, a camera's own over them", () => {
  const file = JSON.stringify({
    record: { mode: "continuous", retainDays: 3 },
    cameras: [
      { id: "a", source: "demo" },
      { id: "b", source: "demo", record: { mode: "off" } },
    ],
  });
  const deps = { readTextFile: () => file, exists: () => false };
  const config = loadConfig(["--config", "x.json"], {}, deps) as VigilConfig;
  assert.equal(config.cameras[0].record!.mode, "continuous");
  assert.equal(config.cameras[0].record!.retainDays, 3);
  assert.equal(config.cameras[1].record!.mode, "off");
  assert.equal(config.cameras[1].record!.retainDays, 3);
  const bad = JSON.stringify({
    cameras: [{ id: "a", source: "demo", record: { postCapture: "5" } }],
  });
  assert.throws(
    () => loadConfig(["--config", "x.json"], {}, { readTextFile: () => bad, exists: () => false }),
    (err) =>
      err instanceof ConfigError &&
      /^cameras\[0\]\.record\.postCapture: must be a number between 0 and 300$/.test(err.message),
  );
  // defaults when nothing is said: events, 5 s, 5 s, 7 days
  const plain = loadConfig([], {}, { readTextFile: () => "", exists: () => false }) as VigilConfig;
  const r = plain.cameras[0].record!;
  assert.deepEqual([r.mode, r.preCapture, r.postCapture, r.retainDays], ["events", 5, 5, 7]);
});

Deno.test("recordArgs(): H.264 sources are copied (no encoder), others encoded by libx264 with keyframes", () => {
  const settings = { ...DEFAULT_RECORD_SETTINGS, segmentSeconds: 4 };
  const copy = recordArgs({
    mode: "copy",
    input: ["-rtsp_transport", "tcp", "-i", "rtsp://cam/s"],
    dir: "/d",
    prefix: "1",
    settings,
  });
  const s = copy.join(" ");
  assert.match(s, /-map 0:v:0 -c:v copy -an -sn -dn -f segment -segment_time 4 /);
  assert.match(
    s,
    /-segment_format mp4 -segment_format_options movflags=\+frag_keyframe\+empty_moov/,
  );
  assert.match(s, /-segment_list pipe:1 -segment_list_type csv \/d\/1-%05d\.mp4/);
  assert.ok(!s.includes("libx264"), "no re-encoding");
  const enc = recordArgs({ mode: "encode", dir: "/d", prefix: "1", epochMs: 1000, settings })
    .join(" ");
  assert.match(enc, /-f mpjpeg -i pipe:0/);
  assert.match(enc, /setpts=\(RTCTIME-1000000\)\/\(TB\*1000000\)/);
  assert.match(enc, /-c:v libx264 -preset veryfast -crf 28/);
  assert.match(
    enc,
    /-force_key_frames expr:if\(isnan\(prev_forced_t\),1,gte\(t,prev_forced_t\+1\)\)/,
  );
});

Deno.test("parseSegmentLine() and parseFramecrc() read ffmpeg's stdout lines", () => {
  assert.deepEqual(parseSegmentLine("1796-00003.mp4,12.000000,16.040000"), {
    name: "1796-00003.mp4",
    start: 12,
    end: 16.04,
  });
  assert.equal(parseSegmentLine("0,  1024,  2048,  1024,  4231, 0xa393243e, F=0x0"), null);
  const tb = 1 / 15360;
  assert.deepEqual(parseFramecrc("0,      -2048,          0,     1024,     8721, 0x75a78198", tb), {
    dts: -2048 * tb * 1000,
    pts: 0,
    duration: 1024 * tb * 1000,
    key: true,
  });
  assert.equal(parseFramecrc("0,  1024,  2048,  1024,  4231, 0xa393243e, F=0x0", tb)!.key, false);
});

Deno.test("Recordings.enforceRetention(): events mode keeps segments inside events ± pre/post and recent ones, drops the rest and what is past retainDays", async () => {
  const dir = await Deno.makeTempDir();
  const now = Date.UTC(2026, 11, 1, 12);
  const events: EventRow[] = [
    {
      id: 1,
      camera: "c",
      start: now - 600_000,
      end: now - 590_000,
      frames: 1,
      score: 1,
      thumbnail: null,
    },
    { id: 2, camera: "c", start: now - 100_000, end: null, frames: 1, score: 1, thumbnail: null },
  ];
  const source = {
    getEvent: (id: number) => events.find((e) => e.id === id) ?? null,
    listEvents: () => events,
  };
  const r = await Recordings.open({
    dataDir: dir,
    cameras: [{ id: "c", source: "demo", record: { ...DEFAULT_RECORD_SETTINGS, retainDays: 1 } }],
    events: source,
    now: () => now,
    log: () => {},
  });
  try {
    const add = async (start: number) => {
      const path = `recordings/c/day/${start}.mp4`;
      await Deno.mkdir(join(dir, "recordings/c/day"), { recursive: true });
      await Deno.writeFile(join(dir, path), new Uint8Array(10));
      r.index.add({ camera: "c", start, end: start + 4000, path, bytes: 10 });
    };
    const starts = [
      now - 2 * 86_400_000, // past retainDays
      now - 700_000, // before event 1 - preCapture: deleted
      now - 606_000, // overlaps event 1 - preCapture (5 s): kept
      now - 588_000, // overlaps event 1 + postCapture: kept
      now - 300_000, // between events: deleted
      now - 100_000, // the open event: kept
      now - 30_000, // recent: not decided yet
    ];
    for (const s of starts) await add(s);
    await r.enforceRetention(now);
    const left = r.index.all().map((s) => s.start);
    assert.deepEqual(left, [now - 606_000, now - 588_000, now - 100_000, now - 30_000]);
    for (const s of starts) {
      const exists = await Deno.stat(join(dir, `recordings/c/day/${s}.mp4`)).then(
        () => true,
        () => false,
      );
      assert.equal(exists, left.includes(s), `file of ${s}`);
    }
  } finally {
    await r.stop();
    r.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RecordingIndex.overlapping() finds the segments of a span, oldest first", () => {
  const index = new RecordingIndex(":memory:");
  index.add({ camera: "a", start: 0, end: 4000, path: "0", bytes: 1 });
  index.add({ camera: "a", start: 4000, end: 8000, path: "1", bytes: 1 });
  index.add({ camera: "b", start: 4000, end: 8000, path: "2", bytes: 1 });
  assert.deepEqual(index.overlapping("a", 3000, 5000).map((s) => s.path), ["0", "1"]);
  assert.deepEqual(index.overlapping("a", 4000, 5000).map((s) => s.path), ["1"]);
  assert.deepEqual(index.overlapping("a", 8000, 9000), []);
  index.close();
});

/** Retention as main.ts runs it every minute. */
async function runRetention(store: Store, r: Recordings, now: number): Promise<void> {
  await store.enforceRetention(now);
  await r.enforceRetention(now);
}

Deno.test("disk quota: stills and recordings together, strictly oldest first; never the last 15 minutes or an open event's segments", async () => {
  const dir = await Deno.makeTempDir();
  const now = Date.now();
  const min = 60_000;
  const store = Store.open(dir, { maxBytes: 1000, log: () => {} });
  const r = await Recordings.open({
    dataDir: dir,
    cameras: [{
      id: "c",
      source: "demo",
      record: { ...DEFAULT_RECORD_SETTINGS, mode: "continuous" },
    }],
    events: store,
    now: () => now,
    log: () => {},
  });
  store.shareQuota(r.quotaShare()); // as main.ts does
  const still = (start: number, open = false) => {
    const id = store.startEvent("c", start);
    store.addFrame(id, "c", start, new Uint8Array(200).fill(0xff), [[0, 0, 1, 1]], 1);
    if (!open) store.endEvent(id, start);
    return id;
  };
  const segment = async (start: number, bytes = 200) => {
    const path = `recordings/c/d/${start}.mp4`;
    await Deno.mkdir(join(dir, "recordings/c/d"), { recursive: true });
    await Deno.writeFile(join(dir, path), new Uint8Array(bytes));
    r.index.add({ camera: "c", start, end: start + 4000, path, bytes });
  };
  // What is left, oldest first: "s-60" a segment that started 60 min ago, "e-55" an event.
  const left = () =>
    [
      ...r.index.all().map((s) => ({ t: s.start, name: `s${Math.round((s.start - now) / min)}` })),
      ...store.listEvents({ limit: 100 }).map((e) => ({
        t: e.start,
        name: `e${Math.round((e.start - now) / min)}${e.end === null ? "(open)" : ""}`,
      })),
    ].sort((a, b) => a.t - b.t).map((x) => x.name);
  try {
    // 4 events × 200 B (one open since 20 min) = 800 B of stills, written under the quota
    for (const ago of [55, 45, 35]) still(now - ago * min);
    const open = still(now - 20 * min, true);
    await store.flush();
    // 5 segments × 200 B: one overlaps the open event's pre-capture, one is recent
    for (const ago of [60, 50, 40, 5]) await segment(now - ago * min);
    await segment(now - 20 * min - 2000);
    assert.deepEqual(left(), [
      "s-60",
      "e-55",
      "s-50",
      "e-45",
      "s-40",
      "e-35",
      "s-20",
      "e-20(open)",
      "s-5",
    ]);
    await runRetention(store, r, now); // 1800 B > 1000 B: the 4 oldest go, whatever their kind
    assert.deepEqual(left(), ["s-40", "e-35", "s-20", "e-20(open)", "s-5"]);
    assert.equal(store.storedBytes() + r.index.totalBytes(), 1000);
    for (const ago of [60, 50]) {
      await assert.rejects(Deno.stat(join(dir, `recordings/c/d/${now - ago * min}.mp4`)));
    }
    // A still written past the quota (recordings counted) deletes the oldest deletable: s-40
    still(now - 1 * min);
    await store.flush(); // (waits for the retention the write started)
    assert.deepEqual(left(), ["e-35", "s-20", "e-20(open)", "s-5", "e-1"]);
    // Far past the quota: all that may go goes, the open event, its segment and recent ones stay
    await segment(now - 1 * min, 1000);
    await runRetention(store, r, now);
    assert.deepEqual(left(), ["s-20", "e-20(open)", "s-5", "s-1"]);
    store.endEvent(open, now);
  } finally {
    await r.stop();
    await store.close();
    r.close();
    await Deno.remove(dir, { recursive: true });
  }
});
