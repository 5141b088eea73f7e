/**
 * Browser tests in headless Debian chromium (playwright-core).
 *
 * 1. Against a small app with the real pages, the real `/ws` route and synthetic frames pushed on
 *    the bus: a motion frame appears with its box at the right place, online/offline follows the
 *    connection, and the mode switch reaches the server.
 * 2. Against the real server (`startVigil`, demo scene): log in, see motion frames with boxes in
 *    detect mode, open the history and step frames (with and without JavaScript), fire the alarm.
 *
 * Screenshots go to $VIGIL_SCREENSHOTS (default /tmp) as vigil-<page>-<phone|desktop>.png.
 */
import assert from "node:assert/strict";
import { launchChromium, type Page, watchErrors } from "./helpers/browser.ts";
import { makeFixture, makeJpeg } from "./browser_fixtures.ts";
import * as ws from "../routes/ws.ts";
import * as staticFiles from "../routes/static.ts";
import { buildIslands } from "../lib/web/build.ts";
import { startVigil } from "./helpers/server.ts";

const SHOTS = Deno.env.get("VIGIL_SCREENSHOTS") ?? "/tmp";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function shot(page: Page, name: string): Promise<void> {
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: `${SHOTS}/vigil-${name}-${label}.png`, fullPage: true });
  }
}

Deno.test({
  name: "[browser] the viewer draws a pushed motion frame with its box where it belongs",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn() {
    await buildIslands();
    const fx = await makeFixture({
      cameras: [
        { id: "front", name: "Front door", width: 320, height: 240 },
        { id: "yard", name: "Yard", width: 320, height: 240 },
      ],
      extra: (app, ctx) => {
        staticFiles.register(app, ctx);
        ws.register(app, ctx, { heartbeatMs: 500 });
      },
    });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fx.app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium();
    const jpeg = await makeJpeg(320, 240, "0x335577");
    let ts = Date.now();
    const pusher = setInterval(() => {
      ts += 200;
      fx.ctx.bus.publish({
        type: "frame",
        camera: "front",
        ts,
        jpeg,
        boxes: [[80, 60, 160, 120]],
        motion: true,
        eventId: 7,
        score: 0.4,
      });
      fx.ctx.bus.publish({
        type: "motion",
        camera: "front",
        ts,
        eventId: 7,
        score: 0.4,
        boxes: [[80, 60, 160, 120]],
        zones: [],
      });
    }, 200);
    try {
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = watchErrors(page, /WebSocket|ERR_CONNECTION|status of (40[13]|503)/);
      // two cameras: "/" is their grid; one of them alone is "/?camera=ID"
      await page.goto(`${url}/?camera=front`);
      await page.waitForSelector('[data-island="Viewer"][data-hydrated="true"]');
      await page.waitForSelector('img.frame[src^="blob:"]');
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="online"]')?.textContent?.includes("Connected")
      );
      const img = (await page.locator("img.frame").boundingBox())!;
      const box = (await page.locator(".boxes rect.box").first().boundingBox())!;
      // [80,60,160,120] in a 320×240 frame: a quarter in from the left and top, half the size
      const near = (a: number, b: number) => Math.abs(a - b) < 3;
      assert.ok(near(box.x - img.x, img.width / 4), `box x ${box.x - img.x} vs ${img.width / 4}`);
      assert.ok(near(box.y - img.y, img.height / 4), `box y ${box.y - img.y} vs ${img.height / 4}`);
      assert.ok(near(box.width, img.width / 2), `box w ${box.width} vs ${img.width / 2}`);
      assert.ok(near(box.height, img.height / 2), `box h ${box.height} vs ${img.height / 2}`);
      assert.match(await page.textContent('[data-testid="last-motion"]') ?? "", /\d\d:\d\d:\d\d/);
      // only one blob URL is alive at a time (old ones are revoked): the image keeps changing
      const src1 = await page.getAttribute("img.frame", "src");
      await page.waitForFunction(
        (s) => document.querySelector("img.frame")?.getAttribute("src") !== s,
        src1,
      );

      // the mode switch reaches the server (the client registry shows it)
      await page.click('[data-mode="live"]');
      await page.waitForFunction(() => location.search.includes("mode=live"));
      for (let i = 0; i < 50 && fx.ctx.clients.list()[0]?.mode !== "live"; i++) {
        await page.waitForTimeout(50);
      }
      assert.equal(fx.ctx.clients.list()[0]?.mode, "live");
      await page.click('[data-mode="off"]');
      await page.waitForSelector(".stage-empty");

      // another camera: the viewer reconnects for it (no frames are pushed for the yard)
      await page.selectOption(".camera-select select", "yard");
      await page.waitForFunction(() => location.search.includes("camera=yard"));
      for (let i = 0; i < 50 && fx.ctx.clients.list()[0]?.camera !== "yard"; i++) {
        await page.waitForTimeout(50);
      }
      assert.deepEqual(
        fx.ctx.clients.list().map((c) => [c.camera, c.mode]),
        [["yard", "off"]],
        "one connection, for the yard, still in off mode",
      );
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="online"]')?.textContent === "Connected"
      );
      await page.click('[data-mode="detect"]');
      await page.waitForSelector(".stage-empty");
      assert.equal(await page.locator(".boxes rect.box").count(), 0);

      // the connection goes away: the indicator turns to Disconnected
      await server.shutdown().catch(() => {});
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="online"]')?.textContent?.includes("Disconnected"),
        undefined,
        { timeout: 10_000 },
      );
      assert.deepEqual(errors, []);
    } finally {
      clearInterval(pusher);
      await browser.close();
      await server.shutdown().catch(() => {});
      await fx.close();
    }
  },
});

Deno.test({
  name: "[browser] log in, watch motion, step through history and fire the alarm (real server)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const vigil = await startVigil();
    const browser = await launchChromium();
    try {
      const ctx = await browser.newContext({ viewport: PHONE });
      const page = await ctx.newPage();
      const errors = watchErrors(page, /WebSocket|ERR_CONNECTION|status of (40[13]|503)/);

      await t.step("log in", async () => {
        await page.goto(`${vigil.url}/`);
        assert.match(page.url(), /\/login/);
        await page.fill('input[name="username"]', "admin");
        await page.fill('input[name="password"]', vigil.password);
        await Promise.all([page.waitForURL(`${vigil.url}/`), page.click('button[type="submit"]')]);
      });

      await t.step("the viewer shows a motion frame with its box in detect mode", async () => {
        await page.waitForSelector('[data-island="Viewer"][data-hydrated="true"]');
        await page.waitForFunction(
          () => document.querySelector('[data-testid="online"]')?.textContent === "Connected",
        );
        assert.equal(await page.getAttribute('[data-mode="detect"]', "aria-pressed"), "true");
        await page.waitForSelector('img.frame[src^="blob:"]', { timeout: 30_000 });
        await page.waitForSelector(".boxes rect.box", { timeout: 30_000 });
        // both measured at once (a new frame may move the box); the stroke may stick out a little
        // at the frame's edge, where the object enters and leaves
        const [box, img] = await page.evaluate(() =>
          [".boxes rect.box", "img.frame"].map((sel) => {
            const r = document.querySelector(sel)!.getBoundingClientRect();
            return { x: r.x, y: r.y, width: r.width, height: r.height };
          })
        );
        assert.ok(box.width > 2 && box.height > 2, "the box has a size");
        assert.ok(
          box.x >= img.x - 4 && box.x + box.width <= img.x + img.width + 4,
          `the box ${JSON.stringify(box)} lies within the frame ${JSON.stringify(img)}`,
        );
        assert.match(await page.textContent('[data-testid="last-motion"]') ?? "", /\d\d:\d\d:\d\d/);
        await shot(page, "viewer");
        await page.setViewportSize(PHONE);
        // live mode: every frame arrives (the demo runs at 15 fps), with or without motion, whole
        // in the image; with the data saver, as keyframes and changed tiles on the canvas
        await page.click('[data-mode="live"]');
        for (const saver of [false, true]) {
          const seen = new Set<string>();
          for (let i = 0; i < 100 && seen.size < 10; i++) {
            seen.add(await page.getAttribute('[data-testid="frame-time"]', "data-ts") ?? "");
            await page.waitForTimeout(50);
          }
          assert.ok(seen.size >= 10, `live frames keep coming (${seen.size} seen)`);
          assert.equal(await page.isVisible('[data-testid="live-canvas"]'), saver, "the canvas");
          assert.equal(await page.isVisible("img.frame"), !saver, "the image");
          if (!saver) {
            await page.click('[data-testid="delta-toggle"]');
            const pressed = await page.getAttribute('[data-testid="delta-toggle"]', "aria-pressed");
            assert.equal(pressed, "true");
            await page.waitForSelector('[data-testid="live-canvas"]:not([hidden])');
          }
        }
        await page.click('[data-testid="delta-toggle"]'); // off again (the browser remembers it)
        await page.click('[data-mode="detect"]');
        assert.equal(await page.getAttribute('[data-mode="detect"]', "aria-pressed"), "true");
      });

      let eventUrl = "";
      await t.step(
        "the history lists the event; its frames step first/prev/next/last",
        async () => {
          // wait until an event with at least 3 stored frames exists
          for (let i = 0; i < 60 && !eventUrl; i++) {
            await page.goto(`${vigil.url}/history`);
            for (const el of await page.locator(".event-link").all()) {
              const text = await el.textContent() ?? "";
              const n = Number(text.match(/(\d+) frames/)?.[1] ?? 0);
              if (n >= 3) {
                eventUrl = vigil.url + (await el.getAttribute("href"));
                break;
              }
            }
            if (!eventUrl) await page.waitForTimeout(1000);
          }
          assert.ok(eventUrl, "an event with 3+ frames was stored");
          await page.waitForSelector('[data-island="Timeline"][data-hydrated="true"]');
          await page.waitForSelector(".timeline .uplot canvas");
          await shot(page, "history");
          // clicking a bar of the chart opens that bar's event
          const tl = JSON.parse(
            await page.textContent('[data-island="Timeline"] + script[type="application/json"]') ??
              "{}",
          );
          const bar = tl.buckets.findLast((b: { frames: number }) => b.frames > 0);
          const over = (await page.locator(".timeline .u-over").boundingBox())!;
          const x = over.x +
            ((bar.t + tl.bucketMs / 2 - tl.since) / (tl.until - tl.since)) * over.width;
          await page.mouse.move(x - 5, over.y + over.height - 4);
          await Promise.all([
            page.waitForURL(`${vigil.url}/history/${bar.eventId}`),
            page.mouse.click(x, over.y + over.height - 4),
          ]);

          await page.goto(eventUrl);
          await page.waitForSelector('[data-island="FrameViewer"][data-hydrated="true"]');
          const count = () => page.textContent('[data-testid="frame-count"]');
          const total = Number((await count())!.match(/\/ (\d+)/)![1]);
          assert.ok(total >= 3);
          assert.equal(await count(), `1 / ${total}`);
          assert.ok(await page.locator(".frame-viewer rect.box").count() > 0, "boxes on the frame");
          await page.click('[data-nav="next"]');
          assert.equal(await count(), `2 / ${total}`);
          assert.match(page.url(), /\?frame=2$/);
          await page.click('[data-nav="last"]');
          assert.equal(await count(), `${total} / ${total}`);
          await page.click('[data-nav="prev"]');
          assert.equal(await count(), `${total - 1} / ${total}`);
          await page.click('[data-nav="first"]');
          assert.equal(await count(), `1 / ${total}`);
          await page.keyboard.press("ArrowRight");
          assert.equal(await count(), `2 / ${total}`);
          await page.keyboard.press("End");
          assert.equal(await count(), `${total} / ${total}`);
          await page.keyboard.press("Home");
          await page.waitForFunction(() =>
            (document.querySelector("img.frame") as HTMLImageElement)?.complete
          );
          await shot(page, "frames");
          await page.setViewportSize(PHONE);
        },
      );

      await t.step("without JavaScript the history and the frame links still work", async () => {
        const nojs = await browser.newContext({
          javaScriptEnabled: false,
          viewport: PHONE,
          storageState: await ctx.storageState(),
        });
        const p = await nojs.newPage();
        await p.goto(`${vigil.url}/history`);
        assert.ok(await p.locator(".event-link").count() > 0);
        await p.goto(eventUrl);
        await p.click('[data-nav="next"]');
        await p.waitForURL(/\?frame=2$/);
        assert.match(await p.textContent('[data-testid="frame-count"]') ?? "", /^2 \/ \d+$/);
        // the event may still be growing: "Last" goes to the last frame as of that page
        const lastHref = await p.getAttribute('[data-nav="last"]', "href");
        const lastN = Number(lastHref?.match(/^\?frame=(\d+)$/)?.[1]);
        assert.ok(lastN >= 3, `last link ${lastHref}`);
        await p.click('[data-nav="last"]');
        await p.waitForURL(new RegExp(`\\?frame=${lastN}$`));
        assert.match(
          await p.textContent('[data-testid="frame-count"]') ?? "",
          new RegExp(`^${lastN} / `),
        );
        await p.click('[data-nav="first"]');
        await p.waitForURL(/\?frame=1$/);
        assert.match(await p.textContent('[data-testid="frame-count"]') ?? "", /^1 \/ \d+$/);
        await nojs.close();
      });

      await t.step("the alarm fires on test and on real motion, and resets", async () => {
        await page.goto(`${vigil.url}/alarm`);
        await page.waitForSelector('[data-island="Alarm"][data-hydrated="true"]');
        await page.waitForFunction(() =>
          document.querySelector('[data-testid="online"]')?.textContent === "Watching"
        );
        // the demo scene's object comes by every few seconds: a real motion alarm follows
        await page.waitForFunction(
          () => Number(document.querySelector('[data-testid="alarm-count"]')?.textContent) >= 1,
          undefined,
          { timeout: 30_000 },
        );
        const alarming = () => page.evaluate(() => document.body.classList.contains("alarming"));
        assert.ok(await alarming(), "the page flashes");
        assert.match(await page.textContent('[data-testid="alarm-detail"]') ?? "", /Motion on/);
        await shot(page, "alarm");
        await page.setViewportSize(PHONE);
        await page.click('[data-testid="alarm-silence"]');
        assert.ok(!await alarming(), "silenced");
        // reset zeroes the counter; the event in progress does not alarm again
        await page.click('[data-testid="alarm-reset"]');
        assert.equal(await page.textContent('[data-testid="alarm-count"]'), "0");
        await page.click('[data-testid="alarm-test"]');
        assert.equal(await page.textContent('[data-testid="alarm-count"]'), "1");
        assert.ok(await alarming());
        assert.equal(await page.textContent('[data-testid="alarm-detail"]'), "Test alarm");
        await page.click('[data-testid="alarm-reset"]');
        assert.equal(await page.textContent('[data-testid="alarm-count"]'), "0");
        assert.ok(!await alarming());
      });

      await t.step("the admin page lists this browser's connection", async () => {
        await page.goto(`${vigil.url}/alarm`);
        await page.waitForFunction(() =>
          document.querySelector('[data-testid="online"]')?.textContent === "Watching"
        );
        const ua = await page.evaluate(() => navigator.userAgent);
        const p2 = await ctx.newPage();
        await p2.goto(`${vigil.url}/admin/clients`);
        // one row per connection: user, address, camera, mode, since, user agent
        const rows = await p2.$$eval(
          '[data-testid="clients"] tbody tr',
          (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
        );
        assert.ok(
          rows.some((r) =>
            // the alarm page asks for events only: mode "off"
            r[0] === "admin" && r[1] === "127.0.0.1" && r[2] === "cam1" && r[3] === "off" &&
            /\d\d:\d\d/.test(r[4] ?? "") && r[5] === ua
          ),
          `no row for this browser (${ua}) in ${JSON.stringify(rows)}`,
        );
        await shot(p2, "clients");
        await p2.close();
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await vigil.close();
    }
  },
});

Deno.test({
  name: "[browser] the camera's problem is shown; the alarm fires on motion and on connection loss",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await buildIslands();
    const fx = await makeFixture({
      cameras: [{
        id: "front",
        name: "Front door",
        state: "failed",
        message: "ffmpeg not found: sudo apt install ffmpeg",
        error: ["spawn ffmpeg: No such file or directory (os error 2)"],
      }],
      extra: (app, ctx) => {
        staticFiles.register(app, ctx);
        ws.register(app, ctx, { heartbeatMs: 500 });
      },
    });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fx.app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: PHONE });
      const errors = watchErrors(page, /WebSocket|ERR_CONNECTION|status of (40[13]|503)/);
      await page.goto(`${url}/`);
      await page.waitForSelector('[data-island="Viewer"][data-hydrated="true"]');
      assert.match(
        await page.textContent('[data-testid="stage-problem"]') ?? "",
        /Camera failed.*ffmpeg not found: sudo apt install ffmpeg/,
      );
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="online"]')?.textContent === "Connected"
      );
      // ffmpeg's own words, folded away under the advice
      await page.click('[data-testid="ffmpeg-error"] summary');
      assert.match(
        await page.textContent('[data-testid="ffmpeg-error"]') ?? "",
        /What ffmpeg said.*No such file or directory/,
      );
      await page.screenshot({ path: `${SHOTS}/vigil-viewer-failed-phone.png` });
      fx.ctx.bus.publish({
        type: "status",
        camera: "front",
        state: "running",
        message: "running: 640x480",
        ts: Date.now(),
      });
      await page.waitForSelector('[data-testid="stage-problem"]', { state: "detached" });
      assert.match(await page.textContent('[data-testid="camera-state"]') ?? "", /running/);

      await page.goto(`${url}/alarm`);
      await page.waitForSelector('[data-island="Alarm"][data-hydrated="true"]');
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="online"]')?.textContent === "Watching"
      );
      const count = () => page.textContent('[data-testid="alarm-count"]');
      const alarming = () => page.evaluate(() => document.body.classList.contains("alarming"));
      assert.equal(await count(), "0");
      assert.ok(!await alarming());
      const motion = (eventId: number) =>
        fx.ctx.bus.publish({
          type: "motion",
          camera: "front",
          ts: Date.now(),
          eventId,
          score: 0.5,
          boxes: [[1, 2, 3, 4]],
          zones: [],
        });
      motion(42);
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="alarm-count"]')?.textContent === "1"
      );
      assert.ok(await alarming());
      assert.match(
        await page.textContent('[data-testid="alarm-detail"]') ?? "",
        /Motion on Front door/,
      );
      await page.click('[data-testid="alarm-silence"]');
      assert.ok(!await alarming());
      motion(42); // same event: no new alarm
      fx.ctx.bus.publish({
        type: "event",
        phase: "start",
        camera: "front",
        eventId: 43,
        ts: Date.now(),
      });
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="alarm-count"]')?.textContent === "2"
      );
      assert.ok(await alarming());
      await page.click('[data-testid="alarm-silence"]');

      // the server goes away: the alarm fires for the lost connection (not counted as motion)
      await server.shutdown();
      await page.waitForFunction(
        () => document.body.classList.contains("alarming"),
        undefined,
        { timeout: 10_000 },
      );
      assert.match(
        await page.textContent('[data-testid="alarm-detail"]') ?? "",
        /Lost the connection to Front door/,
      );
      assert.equal(await count(), "2");
      assert.equal(await page.textContent('[data-testid="online"]'), "Not connected");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.shutdown().catch(() => {});
      await fx.close();
    }
  },
});
