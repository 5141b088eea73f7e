/**
 * The history pages in headless chromium, with the browser in another time zone than the server:
 * every time shown is the viewer's, the day filter takes the viewer's day, and the pages are
 * screenshotted at desktop and phone sizes to $VIGIL_SHOTS (default /tmp/vigil-shots/history).
 */
import assert from "node:assert/strict";
import { DESKTOP, launchChromium, screenshots, watchErrors } from "./helpers/browser.ts";
import { makeFixture } from "./browser_fixtures.ts";
import { demoFrame, storeDemoEvent } from "./history_fixtures.ts";
import * as staticFiles from "../routes/static.ts";
import * as frames from "../routes/frames.ts";
import { buildIslands } from "../lib/web/build.ts";
import { serverZone } from "../lib/web/mod.ts";
import { Thumbnails } from "../lib/store/mod.ts";

const SHOTS = Deno.env.get("VIGIL_SHOTS") ?? "/tmp/vigil-shots/history";
const ZONE = serverZone() === "Asia/Tokyo" ? "America/New_York" : "Asia/Tokyo";

/** `YYYY-MM-DD HH:MM:SS` of `ts` in `zone`, as components/format.ts writes local times. */
function inZone(ts: number, zone: string): string {
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(ts);
}

Deno.test({
  name: `[browser] /history and /history/:id show times in the viewer's zone (${ZONE})`,
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn() {
    await buildIslands();
    const fx = await makeFixture({
      cameras: [
        { id: "front", name: "Front door", width: 640, height: 480 },
        { id: "yard", name: "Back yard", width: 640, height: 480 },
      ],
      extra: (app, ctx) => {
        staticFiles.register(app, ctx);
        frames.register(app, ctx);
      },
    });
    const thumbs = new Thumbnails(fx.ctx.store);
    fx.ctx.thumbnails = thumbs;
    const times = [2.4, 2.9, 3.4, 3.9, 4.4, 4.9, 5.4];
    const shots = await Promise.all(times.map((t) => demoFrame(t)));
    const now = Date.now();
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const first = i % 4;
      ids.push(
        await storeDemoEvent(
          fx.ctx.store,
          i % 3 ? "front" : "yard",
          // 61 minutes apart: no calendar day holds more than a page (24) of them, whatever
          // the hour the test runs (47 minutes put 26 in one day late in Tokyo's evening)
          now - 90_000 - i * 61 * 60_000,
          shots.slice(first, first + 4),
          1,
          times.slice(first, first + 4),
        ),
      );
    }
    const latest = fx.ctx.store.getEvent(ids[0])!;
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fx.app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium();
    try {
      // the server writes its own zone; the test is only meaningful when the two differ
      const raw = await (await fetch(`${url}/history`)).text();
      assert.ok(raw.includes(`>${inZone(latest.start, serverZone())}</time>`));
      assert.notEqual(inZone(latest.start, serverZone()), inZone(latest.start, ZONE));
      await thumbs.idle(); // the first list asked for the thumbnails

      const context = await browser.newContext({ timezoneId: ZONE, viewport: DESKTOP });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${url}/history`);
      await page.waitForSelector('[data-island="Timeline"][data-hydrated="true"]');
      await page.waitForSelector('[data-island="HistoryFilter"][data-hydrated="true"]');
      const card = page.locator(".event-time time").first();
      assert.equal(await card.textContent(), inZone(latest.start, ZONE));
      assert.equal(await card.getAttribute("title"), ZONE, "the zone in the tooltip");
      const span = page.locator(".timeline-span time");
      const since = Number(await span.first().getAttribute("data-ts"));
      assert.equal(await span.first().textContent(), inZone(since, ZONE));
      assert.equal(await span.first().getAttribute("title"), ZONE);
      // every thumbnail is the small one
      const srcs = await page.locator("img.thumb").evaluateAll((els) =>
        els.map((e) => (e as HTMLImageElement).getAttribute("src"))
      );
      assert.equal(srcs.length, 24);
      assert.ok(srcs.every((s) => s?.endsWith("/thumb.jpg")), srcs.join(" "));
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>("img.thumb")].slice(0, 4)
          .every((i) => i.complete && i.naturalWidth === 320)
      );
      // the filter form carries the browser's zone
      assert.equal(await page.locator('input[name="tz"]').inputValue(), ZONE);
      await page.waitForFunction(() => document.querySelector(".timeline .uplot") !== null);
      await screenshots(page, SHOTS, "history");

      // the viewer's day: pick the day (in the browser's zone) of an event of yesterday or so
      const pick = fx.ctx.store.getEvent(ids[25])!;
      const day = inZone(pick.start, ZONE).slice(0, 10);
      await page.fill('input[name="date"]', day);
      await Promise.all([
        page.waitForURL(/\/history\?.*date=/),
        page.click('form.filter button[type="submit"]'),
      ]);
      assert.match(page.url(), new RegExp(`date=${day}&tz=${encodeURIComponent(ZONE)}`));
      await page.waitForSelector('[data-island="Timeline"][data-hydrated="true"]');
      const listed = await page.locator(".event-time time").allTextContents();
      assert.ok(listed.length > 0);
      const expected = ids.map((id) => fx.ctx.store.getEvent(id)!)
        .filter((e) =>
          inZone(e.start, ZONE).startsWith(day) || inZone(e.end!, ZONE).startsWith(day)
        )
        .map((e) => inZone(e.start, ZONE));
      assert.deepEqual(listed, expected, "exactly the events of that day in the viewer's zone");
      assert.match(await page.locator(".zone-note").textContent() ?? "", new RegExp(ZONE));
      await screenshots(page, SHOTS, "history-day");

      // the event page: summary and frame times in the viewer's zone
      await page.goto(`${url}/history/${latest.id}`);
      await page.waitForSelector('[data-island="FrameViewer"][data-hydrated="true"]');
      assert.equal(
        await page.locator(".event-summary time").textContent(),
        inZone(latest.start, ZONE),
      );
      assert.equal(await page.locator(".event-summary .tag").first().textContent(), "Back yard");
      const frameTime = page.locator(".frame-time time");
      assert.equal(await frameTime.textContent(), inZone(latest.start, ZONE).slice(11));
      assert.equal(await frameTime.getAttribute("title"), ZONE);
      await page.click('[data-nav="next"]');
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="frame-count"]')?.textContent?.startsWith("2 /")
      );
      assert.equal(await frameTime.textContent(), inZone(latest.start + 200, ZONE).slice(11));
      assert.match(await page.locator(".frame-meta .score").textContent() ?? "", /^motion 4\.2 %$/);
      assert.match(
        await page.locator(".event-summary .score").getAttribute("title") ?? "",
        /watched picture/,
      );
      await screenshots(page, SHOTS, "event");
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await browser.close();
      await server.shutdown();
      await thumbs.close();
      await fx.close();
    }
  },
});
