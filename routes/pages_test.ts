import assert from "node:assert/strict";
import { ADMIN, makeFixture, makeJpeg, storeEvent, VIEWER } from "../tests/browser_fixtures.ts";

function islandProps(html: string, name: string): Record<string, unknown> {
  const m = html.match(
    new RegExp(
      `data-island="${name}" id="(island-\\d+)"[\\s\\S]*?<script type="application/json" id="\\1-props">([\\s\\S]*?)</script>`,
    ),
  );
  assert.ok(m, `island ${name} with props not found in:\n${html.slice(0, 2000)}`);
  return JSON.parse(m[2]);
}

function bootScripts(html: string): string[] {
  return [...html.matchAll(/<script type="module"[^>]*>/g)].map((m) => m[0]);
}

Deno.test("GET / renders the Viewer island with its props and one nonce'd boot script", async () => {
  const fx = await makeFixture({
    cameras: [
      { id: "front", name: "Front door", lastMotion: 1_700_000_000_000 },
      {
        id: "yard",
        name: "Yard",
        state: "failed",
        message: "ffmpeg not found: sudo apt install ffmpeg",
      },
    ],
  });
  try {
    const res = await fx.app.request("/?camera=yard&mode=live");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    const html = await res.text();
    assert.ok(html.startsWith("<!DOCTYPE html>"));
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1"/);
    assert.match(html, /<link rel="stylesheet" href="\/static\/app.css"/);
    const props = islandProps(html, "Viewer");
    assert.equal(props.camera, "yard");
    assert.equal(props.mode, "live");
    assert.equal((props.cameras as unknown[]).length, 2);
    const boots = bootScripts(html);
    assert.equal(boots.length, 1);
    assert.match(boots[0], /nonce="test-nonce-123"/);
    // the state message is rendered server side, and both cameras can be chosen
    assert.match(html, /ffmpeg not found: sudo apt install ffmpeg/);
    assert.match(html, /<option value="front"[^>]*>Front door<\/option>/);
    // mode links work without JavaScript
    assert.match(html, /href="\/\?camera=yard&amp;mode=detect"/);
    assert.match(
      html,
      /data-mode="live" aria-pressed="true"|aria-pressed="true"[^>]*data-mode="live"/,
    );
    // no inline style attributes (the CSP would block them)
    assert.doesNotMatch(html, /\sstyle="/);
    // navigation: admin sees Admin, logout is a POST form
    assert.match(html, /<a href="\/admin\/users"/);
    assert.match(html, /<form class="logout" method="post" action="\/logout">/);
    assert.match(html, /<a href="\/" aria-current="page">Live<\/a>/);
  } finally {
    await fx.close();
  }
});

Deno.test("GET / falls back to detect mode and the first camera for unknown query values", async () => {
  const fx = await makeFixture();
  try {
    fx.user = VIEWER;
    const html = await (await fx.app.request("/?camera=nope&mode=bogus")).text();
    const props = islandProps(html, "Viewer");
    assert.equal(props.camera, "front");
    assert.equal(props.mode, "detect");
    assert.doesNotMatch(html, /href="\/admin\/clients"/, "viewers get no Admin link");
  } finally {
    await fx.close();
  }
});

Deno.test("GET / without cameras says how to add one and ships no script", async () => {
  const fx = await makeFixture({ cameras: [] });
  try {
    const html = await (await fx.app.request("/")).text();
    assert.match(html, /No camera configured/);
    assert.equal(bootScripts(html).length, 0);
    assert.doesNotMatch(html, /data-island=/);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history lists stored events with thumbnails and pages with ?before=", async () => {
  const fx = await makeFixture();
  try {
    const jpeg = await makeJpeg();
    const t0 = Date.now() - 3_600_000;
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(await storeEvent(fx.ctx.store, "front", t0 + i * 60_000, 2, jpeg));
    }
    const res = await fx.app.request("/history");
    assert.equal(res.status, 200);
    const html = await res.text();
    const listed = [...html.matchAll(/<a href="\/history\/(\d+)" class="event-link">/g)].map((m) =>
      Number(m[1])
    );
    assert.equal(listed.length, 24);
    assert.deepEqual(listed, ids.slice(-24).reverse(), "newest first");
    assert.match(html, /<img class="thumb" src="\/frames\/front\/\d{4}-\d\d-\d\d\/\d+\/\d+\.jpg"/);
    const older = html.match(/<a class="btn" href="(\/history\?before=\d+)" rel="next">/);
    assert.ok(older, "an Older link");
    const timeline = islandProps(html, "Timeline");
    const buckets = timeline.buckets as { frames: number; eventId: number | null }[];
    assert.equal(
      buckets.reduce((s, b) => s + b.frames, 0),
      60,
      "every stored frame is in the timeline",
    );
    assert.ok(buckets.some((b) => b.eventId === ids[0]));
    // the server-rendered bars are links to their events (works without JavaScript)
    assert.match(html, new RegExp(`<a href="/history/${ids[0]}"><rect class="bar"`));
    assert.match(html, /href="\/static\/islands\/lib\/web\/uplot_css.css"/);

    const page2 = await (await fx.app.request(older[1])).text();
    const listed2 = [...page2.matchAll(/<a href="\/history\/(\d+)" class="event-link">/g)].map((
      m,
    ) => Number(m[1]));
    assert.deepEqual(listed2, ids.slice(0, 6).reverse());
    assert.doesNotMatch(page2, /rel="next"/, "no Older link on the last page");
    assert.match(page2, /href="\/history">« Newest</);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history answers 400 to bad parameters", async () => {
  const fx = await makeFixture();
  try {
    for (
      const q of [
        "?before=abc",
        "?before=-5",
        "?camera=../etc",
        "?range=1y",
        "?camera=%3Cscript%3E",
      ]
    ) {
      const res = await fx.app.request(`/history${q}`);
      assert.equal(res.status, 400, q);
      assert.doesNotMatch(await res.text(), /<script>/, q);
    }
    assert.equal((await fx.app.request("/history?range=7d")).status, 200);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /history/:id shows a frame with its boxes and first/prev/next/last links", async () => {
  const fx = await makeFixture({ cameras: [{ id: "front", width: 0, height: 0 }] });
  try {
    const jpeg = await makeJpeg(320, 240);
    const id = await storeEvent(fx.ctx.store, "front", Date.now() - 5000, 5, jpeg);
    const first = await (await fx.app.request(`/history/${id}`)).text();
    assert.match(first, /data-testid="frame-count">1 \/ 5</);
    assert.match(first, /<span class="btn btn-disabled" aria-disabled="true">« First/);
    assert.match(first, /<a class="btn" href="\?frame=2" rel="next" data-nav="next">/);
    assert.match(first, /<a class="btn" href="\?frame=5" rel="last" data-nav="last">/);
    // camera size unknown: the viewBox comes from the stored JPEG's header
    assert.match(first, /<svg class="boxes" viewBox="0 0 320 240"/);
    assert.match(first, /<rect class="box" x="20" y="40" width="60" height="80"/);

    const third = await (await fx.app.request(`/history/${id}?frame=3`)).text();
    assert.match(third, /data-testid="frame-count">3 \/ 5</);
    assert.match(third, /<rect class="box" x="80" y="40" width="60" height="80"/);
    assert.match(third, /href="\?frame=2" rel="prev"/);
    assert.match(third, /href="\?frame=1" rel="first"/);
    const props = islandProps(third, "FrameViewer");
    assert.equal(props.index, 2);
    assert.equal((props.frames as unknown[]).length, 5);

    const past = await (await fx.app.request(`/history/${id}?frame=99`)).text();
    assert.match(past, /data-testid="frame-count">5 \/ 5</, "clamped to the last frame");
    assert.match(past, /<span class="btn btn-disabled" aria-disabled="true">Next/);

    assert.equal((await fx.app.request(`/history/${id}?frame=x`)).status, 400);
    assert.equal((await fx.app.request("/history/999999")).status, 404);
    assert.equal((await fx.app.request("/history/abc")).status, 404);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /alarm renders the alarm panel with test, silence and reset buttons", async () => {
  const fx = await makeFixture();
  try {
    const html = await (await fx.app.request("/alarm")).text();
    const props = islandProps(html, "Alarm");
    assert.deepEqual(props.cameras, [{ id: "front", name: "Front door" }]);
    for (const b of ["alarm-test", "alarm-silence", "alarm-reset", "alarm-count"]) {
      assert.match(html, new RegExp(`data-testid="${b}"`));
    }
    assert.match(html, /data-testid="alarm-count">0</);
  } finally {
    await fx.close();
  }
});

Deno.test("GET /admin/clients lists connected clients to admins only", async () => {
  const fx = await makeFixture();
  try {
    fx.ctx.clients.add({
      id: "c1",
      user: "alice",
      address: "192.168.1.20",
      userAgent: "Mozilla/5.0 <b>Phone</b>",
      since: Date.now() - 65_000,
      mode: "detect",
      camera: "front",
    });
    fx.user = ADMIN;
    const res = await fx.app.request("/admin/clients");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<td data-label="User">alice<\/td>/);
    assert.match(html, /<code>192.168.1.20<\/code>/);
    assert.match(html, /Mozilla\/5.0 &lt;b>Phone&lt;\/b>/, "user agent is escaped");
    assert.match(html, /<span class="tag mode-detect">detect<\/span>/);
    assert.match(html, /\(1 min ago\)/);
    // one boot script, only to show the times in the browser's zone
    assert.equal(bootScripts(html).length, 1);
    assert.match(html, /<time datetime="[^"]+" data-ts="\d+" data-format="datetime"/);
    assert.match(html, /<nav class="subnav" aria-label="Admin">/, "the admin tabs");

    fx.user = VIEWER;
    assert.equal((await fx.app.request("/admin/clients")).status, 403);
  } finally {
    await fx.close();
  }
});
