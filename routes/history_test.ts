import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN, makeFixture, makeJpeg, storeEvent } from "../tests/browser_fixtures.ts";
import { demoFrame, storeDemoEvent } from "../tests/history_fixtures.ts";
import { Thumbnails, thumbRelPath } from "../lib/store/mod.ts";
import { dayBounds, serverZone } from "../lib/web/mod.ts";
import { jpegSize } from "../lib/jpeg.ts";
import * as frames from "./frames.ts";

const CAMERAS = [
  { id: "front", name: "Front door" },
  { id: "yard", name: "Back yard" },
];

function islandProps(html: string, name: string): Record<string, unknown> {
  const id = html.match(new RegExp(`data-island="${name}" id="(island-\\d+)"`))?.[1];
  assert.ok(id, `island ${name} rendered`);
  const json = html.match(
    new RegExp(`<script type="application/json" id="${id}-props">(.*?)</script>`),
  )
    ?.[1];
  return JSON.parse(json!.replaceAll("\\u003c", "<"));
}

/** The event ids of the cards, in page order. */
function cards(html: string): number[] {
  return [...html.matchAll(/<a href="\/history\/(\d+)" class="event-link">/g)].map((m) =>
    Number(m[1])
  );
}

Deno.test("GET /history shows camera names and filters by camera, timeline and paging included", async () => {
  const fx = await makeFixture({ cameras: CAMERAS });
  try {
    const jpeg = await makeJpeg(64, 48);
    const t0 = Date.now() - 3_600_000;
    const front: number[] = [], yard: number[] = [];
    for (let i = 0; i < 30; i++) {
      yard.push(await storeEvent(fx.ctx.store, "yard", t0 + i * 60_000, 3, jpeg));
      if (i >= 27) {
        front.push(await storeEvent(fx.ctx.store, "front", t0 + i * 60_000 + 1, 1, jpeg));
      }
    }
    const gone = await storeEvent(fx.ctx.store, "garage", t0 + 45 * 60_000, 1, jpeg);

    const all = await (await fx.app.request("/history")).text();
    assert.match(all, /<span class="tag" title="camera front">Front door<\/span>/);
    assert.match(all, /<span class="tag" title="camera yard">Back yard<\/span>/);
    assert.match(
      all,
      /<span class="tag" title="camera garage">garage<\/span>/,
      "a camera no longer configured shows its id",
    );
    assert.ok(cards(all).includes(gone));
    assert.ok(front.every((id) => cards(all).includes(id)));
    // the filter form: cameras by name, a day input, works as a plain GET form
    assert.match(all, /<form class="filter" method="get" action="\/history"/);
    assert.match(all, /<option value="yard">Back yard<\/option>/);
    assert.match(all, /<input type="date" name="date" value min="1970-01-01"/);

    const res = await fx.app.request("/history?camera=yard");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.deepEqual(cards(html), yard.slice(-24).reverse());
    assert.match(html, /<option value="yard" selected>Back yard<\/option>/);
    const timeline = islandProps(html, "Timeline");
    const buckets = timeline.buckets as { frames: number }[];
    assert.equal(buckets.reduce((s, b) => s + b.frames, 0), 90, "only the yard's frames");
    assert.equal(timeline.query, "camera=yard");
    const older = html.match(/<a class="btn" href="([^"]+)" rel="next">/)?.[1];
    assert.ok(older?.startsWith("/history?camera=yard&amp;before="), String(older));
    const page2 = await (await fx.app.request(older!.replaceAll("&amp;", "&"))).text();
    assert.deepEqual(cards(page2), yard.slice(0, 6).reverse());
    assert.match(page2, /href="\/history\?camera=yard">« Newest/);

    const empty = await (await fx.app.request("/history?camera=attic")).text();
    assert.match(empty, /No motion events stored for attic\./);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history?date= lists that day's events, in the zone `tz` names, else the server's", async () => {
  const fx = await makeFixture({ cameras: CAMERAS });
  try {
    const jpeg = await makeJpeg(64, 48);
    const at = (iso: string) => storeEvent(fx.ctx.store, "front", Date.parse(iso), 2, jpeg);
    const a = await at("2026-12-02T14:00:00Z"); // Tokyo: 2 Dec 23:00
    const b = await at("2026-12-02T16:00:00Z"); // Tokyo: 3 Dec 01:00
    const c = await at("2026-12-03T10:00:00Z"); // Tokyo: 3 Dec 19:00
    const d = await at("2026-12-03T20:00:00Z"); // Tokyo: 4 Dec 05:00

    const tokyo = await (await fx.app.request("/history?date=2026-12-03&tz=Asia/Tokyo")).text();
    assert.deepEqual(cards(tokyo), [c, b]);
    assert.match(tokyo, /Events of 2026-12-03/);
    assert.match(tokyo, /\(a day in Asia\/Tokyo\)/);
    assert.match(tokyo, /Motion on 2026-12-03/);
    const tl = islandProps(tokyo, "Timeline");
    assert.deepEqual([tl.since, tl.until], dayBounds("2026-12-03", "Asia/Tokyo"));
    assert.equal((tl.buckets as unknown[]).length, 96);
    assert.equal(tl.query, "date=2026-12-03&tz=Asia%2FTokyo", "bars keep the filters");
    const filter = islandProps(tokyo, "HistoryFilter");
    assert.equal(filter.date, "2026-12-03");
    assert.equal(filter.tz, "Asia/Tokyo");

    const utc = await (await fx.app.request("/history?date=2026-12-03&tz=UTC")).text();
    assert.deepEqual(cards(utc), [d, c]);

    // without tz (no JavaScript): the server's zone, said on the page
    const [s, e] = dayBounds("2026-12-02", serverZone())!;
    const expected = [d, c, b, a].filter((id) => {
      const t = fx.ctx.store.getEvent(id)!;
      return t.end! >= s && t.start < e;
    });
    const plain = await (await fx.app.request("/history?date=2026-12-02")).text();
    assert.deepEqual(cards(plain), expected);
    assert.ok(plain.includes(`(a day in ${serverZone()})`));

    const none = await (await fx.app.request("/history?date=2027-01-01&camera=yard")).text();
    assert.match(none, /No motion events stored for Back yard on 2027-01-01\./);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history?date= pages within the day and keeps the filters in every link", async () => {
  const fx = await makeFixture({ cameras: CAMERAS });
  try {
    const jpeg = await makeJpeg(64, 48);
    const [s] = dayBounds("2026-12-03", "Asia/Tokyo")!;
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(await storeEvent(fx.ctx.store, "yard", s + i * 60_000, 1, jpeg));
    }
    await storeEvent(fx.ctx.store, "yard", s - 60_000, 1, jpeg); // the day before
    const html = await (await fx.app.request(
      "/history?camera=yard&date=2026-12-03&tz=Asia/Tokyo&range=7d",
    )).text();
    assert.deepEqual(cards(html), ids.slice(-24).reverse());
    const older = html.match(/<a class="btn" href="([^"]+)" rel="next">/)![1].replaceAll(
      "&amp;",
      "&",
    );
    assert.match(
      older,
      /^\/history\?camera=yard&date=2026-12-03&tz=Asia%2FTokyo&range=7d&before=\d+$/,
    );
    const page2 = await (await fx.app.request(older)).text();
    assert.deepEqual(cards(page2), ids.slice(0, 6).reverse(), "not the day before");
    assert.doesNotMatch(page2, /rel="next"/);
    assert.match(
      page2,
      /href="\/history\?camera=yard&amp;date=2026-12-03&amp;tz=Asia%2FTokyo&amp;range=7d">« Newest/,
    );
    // the range buttons leave the day view (they show the last hours up to now)
    assert.match(
      page2,
      /<a class="seg" href="\/history\?camera=yard&amp;range=1h" aria-pressed="false"/,
    );
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history answers a bad day or zone with the 400 page", async () => {
  const fx = await makeFixture();
  try {
    for (
      const q of [
        "date=2026-02-30",
        "date=yesterday",
        "date=2026-1-5",
        "date=%3Cscript%3E",
        "date=2026-12-03&tz=Mars%2FOlympus",
        "date=2026-12-03&tz=%3Cscript%3E",
        "tz=..%2F..%2Fetc",
      ]
    ) {
      const res = await fx.app.request(`/history?${q}`);
      assert.equal(res.status, 400, q);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/, q);
      const html = await res.text();
      assert.match(html, /<header/, `${q}: the shell's error page`);
      assert.match(html, /(date must be a day written YYYY-MM-DD|tz must be a time zone name)/, q);
      assert.doesNotMatch(html, /<script>/, q);
    }
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history and /history/:id write times as <time> for the browser and explain the score", async () => {
  const fx = await makeFixture({ cameras: CAMERAS });
  try {
    const jpeg = await makeJpeg(64, 48);
    const start = Date.now() - 60_000;
    const id = await storeEvent(fx.ctx.store, "yard", start, 3, jpeg);
    const list = await (await fx.app.request("/history")).text();
    const zone = serverZone();
    assert.ok(
      list.includes(`data-ts="${start}" data-format="datetime" title="${zone}"`),
      "the card's time, rewritten in the browser's zone",
    );
    assert.match(
      list,
      /<span class="score" title="At its peak, 0\.12 % of the watched picture was moving[^"]*">motion 0\.12 %<\/span>/,
    );
    assert.doesNotMatch(list, /score \d/, "no bare score");
    // the timeline's span too
    const tl = islandProps(list, "Timeline");
    assert.ok(list.includes(`data-ts="${tl.since}"`) && list.includes(`data-ts="${tl.until}"`));

    const page = await (await fx.app.request(`/history/${id}`)).text();
    assert.match(page, /<span class="tag" title="camera yard">Back yard<\/span>/);
    assert.ok(page.includes(`data-ts="${start}" data-format="datetime"`));
    assert.ok(page.includes(`data-ts="${start}" data-format="clock"`), "the frame's time");
    assert.match(page, /motion 0\.12 %/);
    assert.match(
      page,
      /title="0\.10 % of the watched picture was moving in this frame">motion 0\.10 %/,
    );
    // the delete confirmation names the camera
    const confirm = await (await fx.app.request(`/history/${id}/delete`)).text();
    assert.match(confirm, /Its 3 frames from Back yard are deleted/);
  } finally {
    await fx.close();
  }
});

Deno.test("history cards show the small thumbnail once made; /frames serves it and deleting drops it", async () => {
  const fx = await makeFixture({
    cameras: CAMERAS,
    extra: (app, ctx) => frames.register(app, ctx),
  });
  const thumbs = new Thumbnails(fx.ctx.store);
  fx.ctx.thumbnails = thumbs;
  try {
    const shots = await Promise.all([2.6, 3.2, 3.8].map((t) => demoFrame(t)));
    const id = await storeDemoEvent(fx.ctx.store, "front", Date.now() - 60_000, shots, 1);
    const event = fx.ctx.store.getEvent(id)!;
    const rel = thumbRelPath(event)!;

    // first list: the full best frame, and the thumbnail is made in the background
    const first = await (await fx.app.request("/history")).text();
    assert.ok(first.includes(`<img class="thumb" src="${event.thumbnail}"`), "best frame first");
    await thumbs.idle();
    const second = await (await fx.app.request("/history")).text();
    assert.ok(
      second.includes(
        `<img class="thumb" src="/frames/${rel}" alt="Event ${id}" width="160" height="120" loading="lazy" decoding="async"/>`,
      ),
      "then the thumbnail, lazy, with its size",
    );

    const res = await fx.app.request(`/frames/${rel}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/jpeg");
    const body = new Uint8Array(await res.arrayBuffer());
    assert.ok(jpegSize(body)!.width <= 320);
    assert.ok(body.length * 3 < shots[1].length, `${body.length} B vs ${shots[1].length} B`);

    // only the exact name is served; nothing beside it or outside
    const dir = rel.slice(0, rel.lastIndexOf("/"));
    await Deno.writeTextFile(join(fx.dataDir, dir, "thumb.jpg.tmp"), "x");
    for (
      const bad of [
        `${dir}/thumb.jpg.tmp`,
        `${dir}/THUMB.jpg`,
        `${dir}/thumb.png`,
        `${dir}/%74humb.jpg`,
        `${dir}/../thumb.jpg`,
        `${dir}/..%2fthumb.jpg`,
        `front/thumb.jpg`,
        `thumb.jpg`,
        `front/2026-12-03/0/thumb.jpg`,
      ]
    ) {
      assert.equal((await fx.app.request(`/frames/${bad}`)).status, 404, bad);
    }
    // a thumb.jpg that is a symlink out of the data folder is not served
    const outside = await Deno.makeTempFile({ suffix: ".jpg" });
    const other = await storeDemoEvent(fx.ctx.store, "front", Date.now() - 30_000, [shots[0]]);
    const otherRel = thumbRelPath(fx.ctx.store.getEvent(other)!)!;
    await Deno.symlink(outside, join(fx.dataDir, otherRel));
    assert.equal((await fx.app.request(`/frames/${otherRel}`)).status, 404, "symlink out");
    await Deno.remove(outside);

    fx.user = null;
    assert.equal((await fx.app.request(`/frames/${rel}`)).status, 401, "signed out");
    fx.user = ADMIN;
    const audited: string[] = [];
    Object.assign(fx.ctx.auth, { audit: (what: string) => audited.push(what) });

    const del = await fx.app.request(`/history/${id}/delete`, { method: "POST" });
    assert.equal(del.status, 303);
    assert.deepEqual(audited, ["event_deleted"]);
    assert.equal(await Deno.stat(join(fx.dataDir, rel)).then(() => true, () => false), false);
    assert.equal((await fx.app.request(`/frames/${rel}`)).status, 404);
  } finally {
    await thumbs.close();
    await fx.close();
  }
});

Deno.test("GET /history stays light with 100 events: 24 lazy thumbnails a page", async () => {
  const fx = await makeFixture({
    cameras: CAMERAS,
    extra: (app, ctx) => frames.register(app, ctx),
  });
  const thumbs = new Thumbnails(fx.ctx.store);
  fx.ctx.thumbnails = thumbs;
  try {
    const jpeg = await demoFrame(3.2);
    const t0 = Date.now() - 20 * 3_600_000;
    for (let i = 0; i < 100; i++) {
      await storeDemoEvent(fx.ctx.store, i % 3 ? "front" : "yard", t0 + i * 720_000, [jpeg, jpeg]);
    }
    await (await fx.app.request("/history")).text();
    await thumbs.idle();
    const res = await fx.app.request("/history");
    const html = await res.text();
    const bytes = new TextEncoder().encode(html).length;
    const imgs = [...html.matchAll(/<img class="thumb" src="([^"]+)"[^>]*loading="lazy"/g)];
    assert.equal(imgs.length, 24);
    assert.ok(imgs.every((m) => m[1].endsWith("/thumb.jpg")), "every card shows its thumbnail");
    let thumbBytes = 0;
    for (const [, src] of imgs) {
      thumbBytes += (await (await fx.app.request(src)).arrayBuffer()).byteLength;
    }
    console.log(
      `/history with 100 events: ${bytes} B of HTML, 24 thumbnails ${thumbBytes} B ` +
        `(full frames would be ${24 * jpeg.length} B)`,
    );
    assert.ok(bytes < 64 * 1024, `${bytes} B`);
  } finally {
    await thumbs.close();
    await fx.close();
  }
});
