import assert from "node:assert/strict";
import { join } from "node:path";
import { rawGet, USER_HEADER, withServer } from "./api_fixture.ts";
import type { TestServer } from "./api_fixture.ts";
import type { Store } from "../lib/store/mod.ts";

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

function jpeg(n: number, fill: number): Uint8Array {
  const b = new Uint8Array(n).fill(fill);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
}

function record(store: Store, camera: string, start: number, scores: number[]): number {
  const id = store.startEvent(camera, start);
  scores.forEach((score, i) => {
    store.addFrame(id, camera, start + i * 100, jpeg(300 + i, i + 1), [[i, i, 10, 10]], score);
  });
  store.endEvent(id, start + (scores.length - 1) * 100);
  return id;
}

async function get(s: TestServer, path: string, user = true): Promise<Response> {
  return await s.app.request(path, { headers: user ? USER_HEADER : {} });
}

async function json(s: TestServer, path: string): Promise<{ status: number; body: unknown }> {
  const r = await get(s, path);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  return { status: r.status, body: await r.json() };
}

Deno.test("API routes and /frames answer 401 JSON without a user", async () => {
  await withServer(async (s) => {
    const id = record(s.store, "cam1", T0, [1]);
    const url = s.store.listFrames(id)[0].url;
    for (
      const path of [
        "/api/events",
        `/api/events/${id}`,
        `/api/events/${id}/frames`,
        "/api/timeline",
        url,
      ]
    ) {
      const r = await get(s, path, false);
      assert.equal(r.status, 401, path);
      assert.equal(typeof (await r.json()).error, "string");
    }
  });
});

Deno.test("GET /api/events lists events newest first in the contract's shape", async () => {
  await withServer(async (s) => {
    const a = record(s.store, "cam1", T0, [1, 5, 2]);
    const b = record(s.store, "cam2", T0 + 60_000, [3]);
    const { status, body } = await json(s, "/api/events");
    assert.equal(status, 200);
    const events = body as Record<string, unknown>[];
    assert.deepEqual(events.map((e) => e.id), [b, a]);
    assert.deepEqual(Object.keys(events[1]).sort(), [
      "alert",
      "camera",
      "clip", // CONTRACT "Recordings": the clip's URL, null without recordings
      "end",
      "frames",
      "id",
      "labels",
      "score",
      "start",
      "thumbnail",
    ]);
    assert.deepEqual(events[1], {
      id: a,
      camera: "cam1",
      start: T0,
      end: T0 + 200,
      frames: 3,
      score: 5,
      thumbnail: `/frames/cam1/2026-11-22/${a}/${T0 + 100}.jpg`,
      labels: [], // lib/objects: none seen (no objects in this server)
      alert: true, // no alertOn: any motion alerts
      clip: null,
    });
    // the thumbnail is served
    await s.store.flush();
    const thumb = await get(s, events[1].thumbnail as string);
    assert.equal(thumb.status, 200);
    assert.equal((await thumb.bytes()).length, 301);
  });
});

Deno.test("GET /api/events filters by camera, since, until and limit", async () => {
  await withServer(async (s) => {
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push(record(s.store, i % 2 ? "cam2" : "cam1", T0 + i * 1000, []));
    }
    const all = (await json(s, "/api/events")).body as { id: number; camera: string }[];
    assert.equal(all.length, 50, "default limit");
    assert.equal(all[0].id, ids[59]);
    assert.equal(((await json(s, "/api/events?limit=500")).body as unknown[]).length, 60);
    assert.equal(((await json(s, "/api/events?limit=3")).body as unknown[]).length, 3);
    const cam2 = (await json(s, "/api/events?camera=cam2&limit=500")).body as { camera: string }[];
    assert.equal(cam2.length, 30);
    assert.ok(cam2.every((e) => e.camera === "cam2"));
    const span = (await json(s, `/api/events?since=${T0 + 10_000}&until=${T0 + 12_000}`))
      .body as { id: number }[];
    assert.deepEqual(span.map((e) => e.id), [ids[12], ids[11], ids[10]]);
    assert.deepEqual((await json(s, "/api/events?camera=cam9")).body, []);
  });
});

Deno.test("GET /api/events answers bad parameters with 400 and a clear message", async () => {
  await withServer(async (s) => {
    const bad: [string, RegExp][] = [
      ["limit=0", /limit/],
      ["limit=501", /limit/],
      ["limit=-1", /limit/],
      ["limit=ten", /limit/],
      ["limit=1.5", /limit/],
      ["since=abc", /since/],
      ["since=-5", /since/],
      ["since=1e12", /since/],
      ["until=2026-11-22", /until/],
      ["until=99999999999999999999", /until/],
      ["camera=../etc", /camera/],
      ["camera=Cam1", /camera/],
      [`camera=${"a".repeat(33)}`, /camera/],
      ["since=20&until=10", /since/],
    ];
    for (const [q, re] of bad) {
      const { status, body } = await json(s, `/api/events?${q}`);
      assert.equal(status, 400, q);
      assert.match((body as { error: string }).error, re, q);
    }
  });
});

Deno.test("GET /api/events/:id and /frames: 200, 404 for unknown, 400 for non-integers", async () => {
  await withServer(async (s) => {
    const id = record(s.store, "cam1", T0, [2, 4]);
    const ev = await json(s, `/api/events/${id}`);
    assert.equal(ev.status, 200);
    assert.equal((ev.body as { frames: number }).frames, 2);

    const fr = await json(s, `/api/events/${id}/frames`);
    assert.equal(fr.status, 200);
    assert.deepEqual(fr.body, [
      { ts: T0, url: `/frames/cam1/2026-11-22/${id}/${T0}.jpg`, boxes: [[0, 0, 10, 10]], score: 2 },
      {
        ts: T0 + 100,
        url: `/frames/cam1/2026-11-22/${id}/${T0 + 100}.jpg`,
        boxes: [[1, 1, 10, 10]],
        score: 4,
      },
    ]);
    for (const path of [`/api/events/${id + 1}`, `/api/events/${id + 1}/frames`]) {
      const r = await json(s, path);
      assert.equal(r.status, 404, path);
      assert.match((r.body as { error: string }).error, /no event/);
    }
    for (const bad of ["abc", "0", "-1", "1.5", "1e3", "99999999999999999999", "%20"]) {
      for (const path of [`/api/events/${bad}`, `/api/events/${bad}/frames`]) {
        const r = await json(s, path);
        assert.equal(r.status, 400, path);
        assert.match((r.body as { error: string }).error, /event id/);
      }
    }
  });
});

Deno.test("GET /api/timeline returns motion frames per bucket", async () => {
  await withServer(async (s) => {
    const a = record(s.store, "cam1", T0, [1, 1, 1]);
    const b = record(s.store, "cam2", T0 + 65_000, [1, 1]);
    const r = await json(s, `/api/timeline?since=${T0}&until=${T0 + 180_000}&bucket=60000`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      since: T0,
      until: T0 + 180_000,
      bucket: 60_000,
      buckets: [
        { t: T0, frames: 3, eventId: a },
        { t: T0 + 60_000, frames: 2, eventId: b },
        { t: T0 + 120_000, frames: 0, eventId: null },
      ],
    });
    const cam1 = await json(
      s,
      `/api/timeline?camera=cam1&since=${T0}&until=${T0 + 120_000}&bucket=60000`,
    );
    assert.deepEqual(
      (cam1.body as { buckets: { frames: number }[] }).buckets.map((x) => x.frames),
      [3, 0],
    );
    // default: the last 24 h in at most 200 bars
    const def = (await json(s, "/api/timeline")).body as { buckets: unknown[]; bucket: number };
    assert.ok(def.buckets.length <= 200 && def.buckets.length > 0);
    assert.equal(def.bucket, 600_000);
    for (
      const q of [
        "bucket=10",
        "bucket=abc",
        `since=${T0}&until=${T0}`,
        `since=0&until=${T0}&bucket=1000`,
        "camera=A",
      ]
    ) {
      const bad = await json(s, `/api/timeline?${q}`);
      assert.equal(bad.status, 400, q);
    }
  });
});

Deno.test("GET /frames/… serves stored JPEGs from memory and disk with immutable caching", async () => {
  await withServer(async (s) => {
    const id = record(s.store, "cam1", T0, [1, 2]);
    await s.store.flush();
    const [f0] = s.store.listFrames(id);
    const r = await fetch(`${s.url}${f0.url}`, { headers: USER_HEADER });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "image/jpeg");
    assert.match(r.headers.get("cache-control") ?? "", /max-age=31536000.*immutable/);
    assert.deepEqual(await r.bytes(), jpeg(300, 1));
    const etag = r.headers.get("etag")!;
    const again = await fetch(`${s.url}${f0.url}`, {
      headers: { ...USER_HEADER, "If-None-Match": etag },
    });
    assert.equal(again.status, 304);
    await again.body?.cancel();
  }, { store: { cacheFrames: 64 } });

  await withServer(async (s) => {
    const id = record(s.store, "cam1", T0, [1, 2]);
    await s.store.flush();
    const f1 = s.store.listFrames(id)[1];
    assert.equal(s.store.cachedFrame(f1.url.slice(8)), undefined, "not cached: read from disk");
    const r = await fetch(`${s.url}${f1.url}`, { headers: USER_HEADER });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.bytes(), jpeg(301, 2));
    const missing = await fetch(`${s.url}/frames/cam1/2026-11-22/${id}/123.jpg`, {
      headers: USER_HEADER,
    });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  }, { store: { cacheFrames: 0 } });
});

Deno.test("GET /frames/… never serves anything outside the stored frames", async () => {
  await withServer(async (s) => {
    const id = record(s.store, "cam1", T0, [1]);
    await s.store.flush();
    const dir = `cam1/2026-11-22/${id}`;
    // A symlink planted inside the data folder that points outside it.
    const secret = await Deno.makeTempFile({ suffix: ".jpg" });
    try {
      await Deno.symlink(secret, join(s.dataDir, dir, "1.jpg"));
      await Deno.mkdir(join(s.dataDir, "cam1", "2026-11-23"));
      await Deno.symlink("/etc", join(s.dataDir, "cam1", "2026-11-23", "5"));
      const hostile = [
        "/frames/vigil.db",
        "/frames/../vigil.db",
        "/frames/%2e%2e/vigil.db",
        "/frames/%252e%252e/vigil.db",
        "/frames/cam1/..%2f..%2fvigil.db",
        "/frames/cam1/%2e%2e/%2e%2e/etc/passwd",
        "/frames/..%5c..%5cvigil.db",
        "/frames/cam1\\..\\vigil.db",
        `/frames/${dir}/${T0}.jpg%00`,
        `/frames/${dir}/${T0}.jpg%00.png`,
        `/frames/${dir}/${T0}.JPG`,
        `/frames/${dir}/${T0}.jpg.tmp`,
        `/frames/${dir}/%31.jpg`,
        `/frames/${dir}/1.jpg`, // symlink to a file outside
        "/frames/cam1/2026-11-23/5/1.jpg", // symlinked folder
        "/frames//etc/passwd",
        "/frames/",
        "/frames/vigil.db-wal",
      ];
      for (const path of hostile) {
        const r = await rawGet(s.port, path, USER_HEADER);
        assert.ok(r.status === 404 || r.status === 400, `${path} → ${r.status}`);
      }
      // the genuine frame still works over the same raw path (a "./" is normalised by the URL
      // parser before routing, so it names the same file)
      assert.equal((await rawGet(s.port, `/frames/${dir}/${T0}.jpg`, USER_HEADER)).status, 200);
      assert.equal((await rawGet(s.port, `/frames/${dir}/./${T0}.jpg`, USER_HEADER)).status, 200);
    } finally {
      await Deno.remove(secret);
    }
  });
});
