/**
 * The settings page (/settings) in headless chromium against the real server and the demo
 * camera: zones drawn with mouse clicks and with touch taps at phone size land in the config
 * file in camera pixels; a dragged point moves; a double-click and a long-press delete a point;
 * a bad value's error shows next to its field; someone else's save gives the reload message;
 * the tuning view draws the detector's mask. Screenshots of the page and the polygon editor at
 * desktop and phone size go to $VIGIL_SCREENSHOTS (else a new temporary folder, printed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Browser,
  DESKTOP,
  launchChromium,
  type Page,
  PHONE,
  screenshots,
  watchErrors,
} from "./helpers/browser.ts";
import { startVigil, type VigilProcess } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

/** The demo camera's size: the camera pixels the polygons are stored in. */
const CAMERA = { width: 640, height: 480 };

type Point = [number, number];
interface Zone {
  name: string;
  polygon: Point[];
}

async function login(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(`${url}/login?next=/settings`);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/login")),
    page.click("button[type=submit]"),
  ]);
}

/** Opens /settings and waits for the island and the camera's picture under the editor. */
async function openSettings(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/settings`);
  await page.waitForSelector('[data-island="Settings"][data-hydrated="true"]');
  await page.waitForSelector("[data-camera=door] .zone-stage img.frame", { timeout: 30_000 });
}

const editor = (page: Page) => page.locator("[data-camera=door] [data-testid=poly-editor]");

/** The editor's box on screen and the camera size it maps to (its viewBox). */
async function geometry(page: Page) {
  const el = editor(page);
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  assert.ok(box, "the polygon editor is on screen");
  const width = Number(await el.getAttribute("data-width"));
  const height = Number(await el.getAttribute("data-height"));
  assert.deepEqual({ width, height }, CAMERA, "the editor works in the camera's pixels");
  /** Screen position of a fraction of the picture, and the camera pixel it must become. */
  const at = (fx: number, fy: number) => {
    const x = box.x + fx * box.width, y = box.y + fy * box.height;
    const cam: Point = [
      Math.round((x - box.x) * width / box.width),
      Math.round((y - box.y) * height / box.height),
    ];
    return { x, y, cam };
  };
  return { box, at };
}

/** Clicks Save and waits for the server's answer to show. */
async function save(page: Page, expect: RegExp = /Saved/): Promise<void> {
  await page.click("[data-testid=save]");
  await waitFor(
    async () => expect.test(await page.locator("[data-testid=save-status]").innerText()),
    15_000,
    `save status ${expect}`,
  );
}

async function readFile(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

async function zonesIn(path: string): Promise<Zone[]> {
  const file = await readFile(path) as { cameras: { detector?: { zones?: Zone[] } }[] };
  return file.cameras[0].detector?.zones ?? [];
}

/** Each point within two camera pixels of the expected one (the display scales by ~1-2). */
function assertNear(actual: Point[], expected: Point[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${JSON.stringify(actual)}`);
  actual.forEach((p, i) => {
    const ok = Math.abs(p[0] - expected[i][0]) <= 2 && Math.abs(p[1] - expected[i][1]) <= 2;
    assert.ok(ok, `${what}: point ${i} is ${p}, expected about ${expected[i]}`);
  });
}

/** The n-th handle's centre on screen. */
async function handleCenter(page: Page, n: number): Promise<{ x: number; y: number }> {
  const b = await page.locator("[data-camera=door] [data-testid=handle]").nth(n).boundingBox();
  assert.ok(b, `handle ${n} is on screen`);
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

Deno.test({
  name: "[browser] /settings: zones drawn by mouse and touch are saved in camera pixels; " +
    "errors land next to their field; the tuning view shows the mask",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn(t) {
    const shots = Deno.env.get("VIGIL_SCREENSHOTS") ??
      await Deno.makeTempDir({ prefix: "vigil-settings-shots-" });
    console.log(`screenshots: ${shots}`);
    const dir = await Deno.makeTempDir({ prefix: "vigil-settings-browser-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        cameras: [{ id: "door", name: "Front door", source: "demo", fps: 10, ...CAMERA }],
      }),
    );
    let vigil: VigilProcess | null = null;
    let browser: Browser | null = null;
    try {
      vigil = await startVigil({ source: null, args: ["--config", config] });
      const url = vigil.url;
      browser = await launchChromium();
      const desktop = await browser.newPage({ viewport: DESKTOP });
      // on purpose: the bad value (400), the stale save (409), the bad source (422), and a new
      // camera's snapshot before its first frame (503, asked again)
      const onPurpose = /status of (400|409|422|503)/;
      const errors = watchErrors(desktop, onPurpose);
      await login(desktop, url, "admin", vigil.password);
      assert.equal(
        await desktop.locator("nav.nav a[href='/settings']").innerText(),
        "Settings",
        "admins have Settings in the navigation",
      );
      await openSettings(desktop, url);

      let drawn: Point[] = [];
      await t.step("an admin draws a 4-point zone with mouse clicks, names it, saves", async () => {
        const { at } = await geometry(desktop);
        const spots = [at(0.1, 0.15), at(0.45, 0.12), at(0.5, 0.5), at(0.12, 0.45)];
        for (const s of spots) await desktop.mouse.click(s.x, s.y);
        assert.equal(await desktop.locator("[data-camera=door] [data-testid=handle]").count(), 4);
        await desktop.locator("[data-camera=door] [data-testid=zone-name]").fill("porch");
        await save(desktop);
        const zones = await zonesIn(config);
        assert.equal(zones.length, 1);
        assert.equal(zones[0].name, "porch");
        drawn = spots.map((s) => s.cam);
        assertNear(zones[0].polygon, drawn, "the clicked zone");
      });

      await t.step("dragging a point with the mouse moves it in the saved polygon", async () => {
        const { at } = await geometry(desktop);
        const from = await handleCenter(desktop, 2);
        const to = at(0.6, 0.62);
        await desktop.mouse.move(from.x, from.y);
        await desktop.mouse.down();
        await desktop.mouse.move(to.x, to.y, { steps: 8 });
        await desktop.mouse.up();
        await save(desktop);
        drawn = drawn.map((p, i) => i === 2 ? to.cam : p);
        assertNear((await zonesIn(config))[0].polygon, drawn, "the dragged zone");
      });

      await t.step("a double-click deletes a point", async () => {
        const h = await handleCenter(desktop, 3);
        await desktop.mouse.dblclick(h.x, h.y);
        assert.equal(await desktop.locator("[data-camera=door] [data-testid=handle]").count(), 3);
        await save(desktop);
        assertNear((await zonesIn(config))[0].polygon, drawn.slice(0, 3), "after the delete");
        // the fourth point back, where it was, for the pictures
        const { at } = await geometry(desktop);
        await desktop.mouse.click(at(0.12, 0.45).x, at(0.12, 0.45).y);
        await save(desktop);
        assertNear((await zonesIn(config))[0].polygon, drawn, "the point added back");
      });

      await t.step("the keyboard moves a focused point (Shift+arrow: ten steps)", async () => {
        await desktop.locator("[data-camera=door] [data-testid=handle]").nth(1).focus();
        await desktop.keyboard.press("Shift+ArrowRight");
        await save(desktop);
        const moved: Point[] = drawn.map((p, i) => i === 1 ? [p[0] + 10, p[1]] : p);
        assertNear((await zonesIn(config))[0].polygon, moved, "after Shift+ArrowRight");
        await desktop.locator("[data-camera=door] [data-testid=handle]").nth(1).focus();
        await desktop.keyboard.press("Shift+ArrowLeft");
        await save(desktop);
        assertNear((await zonesIn(config))[0].polygon, drawn, "and back");
      });

      await t.step("the tuning view draws the detector's mask over the picture", async () => {
        await desktop.click("[data-camera=door] [data-testid=tune-toggle]");
        const mask = desktop.locator("[data-camera=door] [data-testid=tune-mask]");
        await mask.waitFor({ timeout: 20_000 });
        assert.match(await mask.getAttribute("href") ?? "", /^data:image\/png;base64,iVBOR/);
        await waitFor(
          async () => /score/.test(await desktop.locator("[data-testid=tune-readout]").innerText()),
          10_000,
          "the tuning score",
        );
        // pictures with motion in them when the demo scene gives some soon (not a pass/fail)
        await waitFor(
          async () => Number(await desktop.locator("[data-testid=tune-score]").innerText()) > 0,
          15_000,
          "motion",
        ).catch(() => {});
        await desktop.evaluate(() => scrollTo(0, 0));
        await screenshots(desktop, shots, "settings-page");
        for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
          await desktop.setViewportSize(size);
          await desktop.waitForTimeout(300);
          const card = desktop.locator("[data-camera=door] .zone-editor");
          await card.scrollIntoViewIfNeeded();
          await card.screenshot({ path: `${shots}/settings-editor-${label}.png` });
        }
        await desktop.setViewportSize(DESKTOP);
        await desktop.click("[data-camera=door] [data-testid=tune-toggle]");
        assert.equal(await mask.count(), 0, "tuning off: no mask");
      });

      await t.step(
        "a bad value's error shows next to its field, and nothing is saved",
        async () => {
          const before = await Deno.readTextFile(config);
          const field = desktop.locator('[data-field="detector.minArea"]');
          await field.locator("input").fill("500");
          await desktop.click("[data-testid=save]");
          const error = field.locator("[data-testid=field-error]");
          await error.waitFor({ timeout: 10_000 });
          assert.match(await error.innerText(), /minArea/);
          assert.match(
            await desktop.locator("[data-testid=settings-error]").innerText(),
            /minArea/,
          );
          assert.equal(await Deno.readTextFile(config), before, "the file is unchanged");
          await field.screenshot({ path: `${shots}/settings-field-error-desktop.png` });
          await field.locator("input").fill("");
          assert.equal(
            await desktop.locator("[data-testid=save-status]").innerText(),
            "No changes",
          );
        },
      );

      await t.step(
        "Test this source shows ffmpeg's error, then a frame, before saving",
        async () => {
          const card = desktop.locator("[data-camera=door]");
          const source = card.locator('[data-field="cameras[0].source"] input');
          const test = card.locator("[data-testid=test-source]");
          await source.fill(join(dir, "no-such-video.mp4"));
          await test.locator("button").click();
          await desktop.waitForSelector(
            "[data-camera=door] [data-testid=test-source][data-state=failed]",
            {
              timeout: 20_000,
            },
          );
          assert.match(
            await test.locator(".test-error").innerText(),
            /no-such-video|No such file/i,
          );
          await source.fill("demo");
          await test.locator("button").click();
          await desktop.waitForSelector(
            "[data-camera=door] [data-testid=test-source][data-state=ok]",
            {
              timeout: 20_000,
            },
          );
          const size = await test.locator("img").evaluate((img: HTMLImageElement) =>
            img.naturalWidth
          );
          assert.ok(size > 0, "the frame is a picture");
          assert.equal(
            await desktop.locator("[data-testid=save-status]").innerText(),
            "No changes",
          );
        },
      );

      await t.step(
        "a camera added and saved starts and shows its picture; removed, it goes",
        async () => {
          await desktop.click("[data-testid=add-camera]");
          const card = desktop.locator("[data-camera=cam2]");
          await card.locator('[data-field="cameras[1].width"] input').fill("160");
          await card.locator('[data-field="cameras[1].height"] input').fill("120");
          await card.locator('[data-field="cameras[1].fps"] input').fill("2");
          await save(desktop);
          let file = await readFile(config) as { cameras: { id: string; source: string }[] };
          assert.deepEqual(file.cameras.map((c) => [c.id, c.source]), [["door", "demo"], [
            "cam2",
            "demo",
          ]]);
          await desktop.waitForSelector("[data-camera=cam2] .zone-stage img.frame", {
            timeout: 30_000,
          });
          assert.equal(
            await card.locator("[data-testid=poly-editor]").getAttribute("data-width"),
            "160",
          );
          await card.locator("text=Remove camera").click();
          await card.locator("button.btn-danger", { hasText: "Remove" }).click();
          assert.equal(await desktop.locator("[data-camera=cam2]").count(), 0);
          await save(desktop);
          file = await readFile(config) as { cameras: { id: string; source: string }[] };
          assert.deepEqual(file.cameras.map((c) => c.id), ["door"]);
        },
      );

      await t.step(
        "touch at phone size: taps draw a zone, a drag moves a point, a long press deletes one",
        async () => {
          const context = await browser!.newContext({
            viewport: PHONE,
            hasTouch: true,
            isMobile: true,
          });
          const phone = await context.newPage();
          const phoneErrors = watchErrors(phone, onPurpose);
          await login(phone, url, "admin", vigil!.password);
          await openSettings(phone, url);
          const { box, at } = await geometry(phone);
          assert.ok(box.width < 380, `the picture fits the phone (${box.width} px)`);
          const spots = [at(0.65, 0.6), at(0.92, 0.62), at(0.9, 0.92), at(0.62, 0.9)];
          for (const s of spots) await phone.touchscreen.tap(s.x, s.y);
          await phone.locator("[data-camera=door] [data-testid=zone-name]").nth(1).fill("drive");
          await save(phone);
          let zones = await zonesIn(config);
          assert.deepEqual(zones.map((z) => z.name), ["porch", "drive"]);
          let expected = spots.map((s) => s.cam);
          assertNear(zones[1].polygon, expected, "the tapped zone");

          // a finger drags the first point (CDP touch events: start, moves, end)
          const cdp = await context.newCDPSession(phone);
          const touch = (type: "touchStart" | "touchMove" | "touchEnd", x?: number, y?: number) =>
            cdp.send("Input.dispatchTouchEvent", {
              type,
              touchPoints: x === undefined ? [] : [{ x, y: y! }],
            });
          const to = (await geometry(phone)).at(0.7, 0.7); // typing the name scrolled the page
          const from = await handleCenter(phone, 0);
          await touch("touchStart", from.x, from.y);
          for (let i = 1; i <= 6; i++) {
            await touch(
              "touchMove",
              from.x + (to.x - from.x) * i / 6,
              from.y + (to.y - from.y) * i / 6,
            );
          }
          await touch("touchEnd");
          // a long press on the last point deletes it
          const last = await handleCenter(phone, 3);
          await touch("touchStart", last.x, last.y);
          await phone.waitForTimeout(900);
          await touch("touchEnd");
          await save(phone);
          zones = await zonesIn(config);
          expected = [to.cam, expected[1], expected[2]];
          assertNear(zones[1].polygon, expected, "the zone after a drag and a long press");
          assertNear(zones[0].polygon, drawn, "the mouse's zone is untouched");
          await phone.evaluate(() => scrollTo(0, 0));
          await screenshots(phone, shots, "settings-phone-touch");
          assert.deepEqual(phoneErrors, []);
          await context.close();
        },
      );

      await t.step("someone else's save meanwhile: 409, the page says reload", async () => {
        // the desktop page still holds the version before the phone's saves
        await desktop.locator('[data-field="retention.maxAgeDays"] input').fill("12");
        await desktop.click("[data-testid=save]");
        const conflict = desktop.locator("[data-testid=settings-conflict]");
        await conflict.waitFor({ timeout: 10_000 });
        assert.match(await conflict.innerText(), /Someone else changed the settings; reload/);
        const file = await readFile(config) as { retention?: unknown };
        assert.equal(file.retention, undefined, "the stale save changed nothing");
      });

      await t.step("a setting only a restart applies: saved, and the page says so", async () => {
        const page = await browser!.newPage({ viewport: DESKTOP });
        await login(page, url, "admin", vigil!.password);
        await openSettings(page, url);
        await page.locator('[data-field="tlsCert"] input').fill(join(dir, "cert.pem"));
        await save(page);
        const notice = page.locator("[data-testid=restart-needed]");
        assert.match(await notice.innerText(), /Restart Vigil for\s*tlsCert/);
        assert.equal((await readFile(config)).tlsCert, join(dir, "cert.pem"));
        await page.close();
      });

      await t.step("a viewer has no Settings link and gets the 403 page", async () => {
        const admin = await browser!.newPage({ viewport: DESKTOP });
        await login(admin, url, "admin", vigil!.password);
        await admin.goto(`${url}/admin/users`);
        await admin.fill("form[action='/admin/users'] input[name=username]", "watcher");
        await admin.fill("form[action='/admin/users'] input[name=password]", "watcher-password-1");
        await admin.click("form[action='/admin/users'] button[type=submit]");
        await admin.waitForURL(/done=added/);
        const viewer = await browser!.newPage({ viewport: DESKTOP });
        await login(viewer, url, "watcher", "watcher-password-1");
        assert.equal(await viewer.locator("nav.nav a[href='/settings']").count(), 0);
        const res = await viewer.goto(`${url}/settings`);
        assert.equal(res?.status(), 403);
        assert.match(await viewer.locator("h1").innerText(), /Forbidden/);
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await vigil?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
