/**
 * Browser tests of the viewer with several cameras (headless Debian chromium, playwright-core),
 * against the real pages, the real `/ws` and snapshot routes, and synthetic frames on the bus:
 * the grid's tiles, a tile lighting up on motion, a tile opening its camera, detect mode showing
 * a picture before any motion, an old motion frame marked as old, full screen, and the
 * connection-lost countdown. Screenshots of the grid and the single view, at 1366×800 and
 * 390×844, go to $VIGIL_SCREENSHOTS/viewer (default /tmp/vigil-shots/viewer).
 */
import assert from "node:assert/strict";
import { DESKTOP, launchChromium, PHONE, screenshots, watchErrors } from "./helpers/browser.ts";
import { makeFixture, makeJpeg } from "./browser_fixtures.ts";
import * as ws from "../routes/ws.ts";
import * as staticFiles from "../routes/static.ts";
import { buildIslands } from "../lib/web/build.ts";

const SHOTS = `${Deno.env.get("VIGIL_SCREENSHOTS") ?? "/tmp/vigil-shots"}/viewer`;

const CAMERAS = [
  { id: "front", name: "Front door", width: 320, height: 240 },
  { id: "yard", name: "Back yard", width: 320, height: 240 },
  { id: "garage", name: "Garage", width: 320, height: 240 },
];

Deno.test({
  name: "[browser] three cameras: a grid of tiles, motion lights one, a tile opens its camera",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn(t) {
    await buildIslands();
    const fx = await makeFixture({
      cameras: CAMERAS,
      extra: (app, ctx) => {
        staticFiles.register(app, ctx);
        ws.register(app, ctx, { heartbeatMs: 500 });
      },
    });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fx.app.fetch);
    const url = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchChromium();
    const jpegs = {
      front: await makeJpeg(320, 240, "0x335577"),
      yard: await makeJpeg(320, 240, "0x2f5d34"),
      garage: await makeJpeg(320, 240, "0x6b4f2a"),
    };
    // Every camera sends frames without motion (what snapshots are made of), 5 a second.
    const still = (camera: keyof typeof jpegs) =>
      fx.ctx.bus.publish({
        type: "frame",
        camera,
        ts: Date.now(),
        jpeg: jpegs[camera],
        boxes: [],
        motion: false,
        eventId: null,
        score: 0,
      });
    const pusher = setInterval(() => {
      still("front");
      still("yard");
      still("garage");
    }, 200);
    const motion = (camera: string, eventId: number) => {
      const ts = Date.now();
      const boxes: [number, number, number, number][] = [[80, 60, 160, 120]];
      fx.ctx.bus.publish({
        type: "frame",
        camera,
        ts,
        jpeg: jpegs.front,
        boxes,
        motion: true,
        eventId,
        score: 0.4,
      });
      fx.ctx.bus.publish({ type: "motion", camera, ts, eventId, score: 0.4, boxes, zones: [] });
    };
    try {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      const errors = watchErrors(page, /WebSocket|ERR_CONNECTION|status of 503/);

      await t.step("the grid has a tile per camera, with its name, state and picture", async () => {
        await page.goto(`${url}/`);
        await page.waitForSelector('[data-island="CameraGrid"][data-hydrated="true"]');
        const tiles = page.locator('[data-testid="tile"]');
        assert.equal(await tiles.count(), 3);
        assert.deepEqual(await page.locator(".tile-name").allTextContents(), [
          "Front door",
          "Back yard",
          "Garage",
        ]);
        assert.deepEqual(await page.locator('[data-testid="tile-state"]').allTextContents(), [
          "running",
          "running",
          "running",
        ]);
        // every tile gets its camera's picture (a snapshot: no JavaScript video in the grid)
        await page.waitForFunction(() =>
          document.querySelectorAll('.tile img.frame[src^="blob:"]').length === 3
        );
        await page.waitForFunction(() =>
          [...document.querySelectorAll<HTMLImageElement>(".tile img.frame")]
            .every((img) => img.complete && img.naturalWidth === 320)
        );
        await page.waitForFunction(() =>
          document.querySelector('[data-testid="online"]')?.textContent === "Connected"
        );
      });

      await t.step("motion lights its tile up, with the boxes on the picture", async () => {
        const yard = page.locator('.tile[data-camera="yard"]');
        assert.ok(!(await yard.getAttribute("class"))?.includes("tile-motion"));
        fx.ctx.bus.publish({
          type: "event",
          phase: "start",
          camera: "yard",
          eventId: 5,
          ts: Date.now(),
        });
        motion("yard", 5);
        await page.waitForSelector('.tile[data-camera="yard"].tile-motion');
        await page.waitForSelector('.tile[data-camera="yard"] .boxes rect.box');
        // the lit tile has a red border (once its short transition is over)
        await page.waitForFunction(() =>
          getComputedStyle(document.querySelector('.tile[data-camera="yard"]')!)
            .borderTopColor === "rgb(248, 81, 73)"
        );
        assert.equal(await page.locator(".tile-motion").count(), 1, "only the yard is lit");
        assert.match(
          await yard.locator('[data-testid="tile-last-motion"]').textContent() ?? "",
          /Motion \d\d:\d\d:\d\d/,
        );
        await screenshots(page, SHOTS, "grid");
        fx.ctx.bus.publish({
          type: "event",
          phase: "end",
          camera: "yard",
          eventId: 5,
          ts: Date.now(),
        });
        await page.waitForSelector('.tile[data-camera="yard"]:not(.tile-motion)', {
          timeout: 8000,
        });
      });

      await t.step("without JavaScript the grid is a list of links to the cameras", async () => {
        const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
        const p = await nojs.newPage();
        await p.goto(`${url}/`);
        const hrefs = await p.locator("a.tile-link").evaluateAll((as) =>
          as.map((a) => a.getAttribute("href"))
        );
        assert.deepEqual(hrefs, ["/?camera=front", "/?camera=yard", "/?camera=garage"]);
        await nojs.close();
      });

      await t.step("clicking a tile opens that camera alone, with the mode switch", async () => {
        // anywhere on the tile, the picture included: the tile is one link
        await page.locator('.tile[data-camera="garage"] img.frame').click({ force: true });
        await page.waitForURL(`${url}/?camera=garage`);
        await page.waitForSelector('[data-island="Viewer"][data-hydrated="true"]');
        assert.equal(await page.locator('[data-testid="tile"]').count(), 0);
        assert.equal(await page.getAttribute('[data-mode="detect"]', "aria-pressed"), "true");
        assert.equal(await page.inputValue(".camera-select select"), "garage");
        assert.equal(await page.getAttribute('[data-testid="all-cameras"]', "href"), "/");
      });

      await t.step(
        "detect mode shows the camera's picture at once, before any motion",
        async () => {
          // No motion on the garage: the picture is its latest frame, marked as a snapshot.
          await page.waitForSelector('.viewer img.frame[src^="blob:"]', { timeout: 5000 });
          assert.match(await page.textContent('[data-testid="frame-time"]') ?? "", /snapshot/);
          assert.equal(await page.locator(".stage-empty").count(), 0, "no 'waiting' text");
          assert.equal(await page.locator(".boxes rect.box").count(), 0);
          const src = await page.getAttribute(".viewer img.frame", "src");
          // refreshed every few seconds while nothing moves
          await page.waitForFunction(
            (s) => document.querySelector(".viewer img.frame")?.getAttribute("src") !== s,
            src,
            { timeout: 8000 },
          );
          await page.waitForFunction(() =>
            document.querySelector('[data-testid="online"]')?.textContent === "Connected"
          );
          assert.match(await page.textContent('[data-testid="camera-state"]') ?? "", /running/);
          await screenshots(page, SHOTS, "single");
        },
      );

      await t.step("a motion frame that is no longer fresh is marked old", async () => {
        await page.goto(`${url}/?camera=front`);
        await page.waitForSelector('[data-island="Viewer"][data-hydrated="true"]');
        await page.waitForFunction(() =>
          document.querySelector('[data-testid="online"]')?.textContent === "Connected"
        );
        motion("front", 9);
        await page.waitForSelector(".viewer .boxes rect.box");
        assert.equal(await page.locator(".stage-old").count(), 0, "fresh: not dimmed");
        // nothing moves any more: after 2 s the frame is dimmed with its age on it
        await page.waitForSelector(".viewer .stage.stage-old", { timeout: 6000 });
        assert.match(
          await page.textContent('[data-testid="frame-age"]') ?? "",
          /^Motion \d+ s ago$/,
        );
        const opacity = await page.locator(".viewer img.frame").evaluate((el) =>
          Number(getComputedStyle(el).opacity)
        );
        assert.ok(opacity < 1, `dimmed (opacity ${opacity})`);
        await page.screenshot({ path: `${SHOTS}/single-old-motion-desktop.png` });
      });

      await t.step("full screen shows the picture letterboxed, boxes in place", async () => {
        const supported = await page.evaluate(() => document.fullscreenEnabled);
        const button = page.locator('.viewer [data-testid="fullscreen"]');
        assert.equal(await button.isVisible(), supported);
        if (!supported) return;
        await button.click();
        await page.waitForFunction(() =>
          document.fullscreenElement?.classList.contains("stage") === true
        );
        await page.waitForTimeout(300);
        // the 4:3 picture fits the screen's height, centred; the box [80,60,160,120] of the
        // 320×240 frame is its middle quarter
        const { vw, vh, box } = await page.evaluate(() => {
          const r = document.querySelector(".viewer .boxes rect.box")!.getBoundingClientRect();
          return {
            vw: innerWidth,
            vh: innerHeight,
            box: { x: r.x, y: r.y, width: r.width, height: r.height },
          };
        });
        const h = Math.min(vh, (vw * 3) / 4), w = (h * 4) / 3;
        const x0 = (vw - w) / 2, y0 = (vh - h) / 2;
        const near = (a: number, b: number) => Math.abs(a - b) < 4;
        assert.ok(
          near(box.x, x0 + w / 4) && near(box.y, y0 + h / 4) && near(box.width, w / 2) &&
            near(box.height, h / 2),
          `box ${JSON.stringify(box)} in a ${w}×${h} picture at ${x0},${y0}`,
        );
        await page.screenshot({ path: `${SHOTS}/single-fullscreen-desktop.png` });
        await page.evaluate(() => document.exitFullscreen());
        await page.waitForFunction(() => document.fullscreenElement === null);
      });

      await t.step("when the server goes away, the page says so and counts down", async () => {
        const grid = await context.newPage();
        await grid.goto(`${url}/`);
        await grid.waitForFunction(() =>
          document.querySelector('[data-testid="online"]')?.textContent === "Connected"
        );
        clearInterval(pusher);
        await server.shutdown();
        await page.waitForSelector('[data-testid="conn-lost"]', { timeout: 10_000 });
        assert.equal(await page.textContent('[data-testid="online"]'), "Disconnected");
        // the countdown goes down second by second until the next try
        const seen: number[] = [];
        for (let i = 0; i < 50; i++) {
          const text = await page.textContent('[data-testid="conn-lost"]') ?? "";
          assert.match(text, /^Lost connection to Vigil — (retrying in \d+ s|reconnecting…)$/);
          const n = Number(text.match(/in (\d+) s/)?.[1]);
          if (n && seen.at(-1) !== n) seen.push(n);
          if (seen.some((v, j) => j > 0 && seen[j - 1] === v + 1 && v >= 2)) break;
          await page.waitForTimeout(250);
        }
        assert.ok(
          seen.some((v, j) => j > 0 && seen[j - 1] === v + 1),
          `counted down one second at a time: ${seen.join(", ")}`,
        );
        const body = await page.textContent("main") ?? "";
        assert.doesNotMatch(body, /Camera (stopped|failed)/, "not blamed on the camera");
        assert.match(await page.textContent('[data-testid="camera-state"]') ?? "", /unknown/);
        await page.screenshot({ path: `${SHOTS}/single-lost-desktop.png` });
        // the grid says it once for all its cameras, whose states are now unknown
        await grid.waitForSelector('[data-testid="conn-lost"]', { timeout: 10_000 });
        assert.match(
          await grid.textContent('[data-testid="conn-lost"]') ?? "",
          /^Lost connection to Vigil — /,
        );
        assert.equal(await grid.locator('[data-testid="conn-lost"]').count(), 1);
        assert.deepEqual(await grid.locator('[data-testid="tile-state"]').allTextContents(), [
          "unknown",
          "unknown",
          "unknown",
        ]);
        await grid.screenshot({ path: `${SHOTS}/grid-lost-desktop.png` });
        await grid.close();
      });

      assert.deepEqual(errors, []);
    } finally {
      clearInterval(pusher);
      await browser.close();
      await server.shutdown().catch(() => {});
      await fx.close();
    }
  },
});
