/**
 * Browser test of live H.264 video (`/ws?video=mse`) in the viewer, headless Debian chromium
 * against a real Vigil with an H.264 file camera and the demo camera: the video plays (its
 * time advances, its size is the camera's), the toggle goes back to JPEG frames and on again,
 * and JPEG frames stay, with the reason shown, for the demo camera, for a browser without
 * MediaSource and for one whose MediaSource cannot play the stream's codec. Screenshots at
 * 1366×800 and 390×844 go to $VIGIL_SCREENSHOTS/mse (default /tmp/vigil-shots/mse).
 */
import assert from "node:assert/strict";
import {
  type Browser,
  launchChromium,
  type Page,
  screenshots,
  watchErrors,
} from "./helpers/browser.ts";
import { login } from "./helpers/server.ts";
import { startH264Vigil } from "./mse_fixtures.ts";

const SHOTS = `${Deno.env.get("VIGIL_SCREENSHOTS") ?? "/tmp/vigil-shots"}/mse`;

async function open(
  browser: Browser,
  base: string,
  cookie: string,
  path: string,
  init?: string,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: base }]);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${base}${path}`);
  return { page, errors };
}

/** The live JPEG picture is showing frames (the image has loaded one). */
/** JPEG pictures on screen: a full frame in the image, or keyframes and tiles on the canvas. */
async function jpegShowing(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const img = document.querySelector(".stage img.frame") as HTMLImageElement | null;
      const canvas = document.querySelector(".stage canvas.frame") as HTMLCanvasElement | null;
      return (img !== null && !img.hidden && img.naturalWidth > 0) ||
        (canvas !== null && !canvas.hidden && canvas.width > 0);
    },
    undefined,
    { timeout: 30_000 },
  );
}

async function videoState(page: Page): Promise<{ current: number; w: number; h: number }> {
  return await page.$eval("[data-testid=live-video]", (v) => {
    const video = v as HTMLVideoElement;
    return { current: video.currentTime, w: video.videoWidth, h: video.videoHeight };
  });
}

Deno.test({
  name: "[browser] live H.264 video plays in the viewer; JPEG where it cannot",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn(t) {
    const { vigil, dir } = await startH264Vigil();
    const browser = await launchChromium();
    try {
      const cookie = await login(vigil.url, vigil.password);

      await t.step(
        "the H.264 camera plays as video, and the toggle switches to JPEG and back",
        async () => {
          const { page, errors } = await open(
            browser,
            vigil.url,
            cookie,
            "/?camera=h264&mode=live&video=mse",
          );
          await page.waitForSelector("[data-testid=video-state][data-video=mse]", {
            timeout: 30_000,
          });
          assert.match(
            await page.textContent("[data-testid=video-state]") ?? "",
            /H\.264 from the camera \(avc1\./,
          );
          await page.waitForFunction(
            () => {
              const v = document.querySelector("[data-testid=live-video]") as HTMLVideoElement;
              return v.videoWidth > 0 && v.currentTime > 0;
            },
            undefined,
            { timeout: 30_000 },
          );
          const a = await videoState(page);
          await page.waitForFunction(
            (t0) =>
              (document.querySelector("[data-testid=live-video]") as HTMLVideoElement).currentTime >
                t0 + 1,
            a.current,
            { timeout: 30_000 },
          );
          assert.deepEqual([a.w, a.h], [640, 360]);
          assert.equal(
            await page.$eval(".stage img.frame", (i) => (i as HTMLImageElement).hidden),
            true,
          );
          assert.match(await page.textContent("[data-testid=frame-time]") ?? "", /H\.264 video/);
          await screenshots(page, SHOTS, "live-video");

          await page.click("[data-testid=video-toggle]");
          assert.equal(
            await page.getAttribute("[data-testid=video-toggle]", "aria-pressed"),
            "false",
          );
          assert.match(page.url(), /mode=live$/);
          await jpegShowing(page);
          assert.equal(
            await page.$("[data-testid=video-state]"),
            null,
            "no video row once turned off",
          );
          await page.click("[data-testid=video-toggle]");
          assert.match(page.url(), /video=mse/);
          await page.waitForSelector("[data-testid=video-state][data-video=mse]", {
            timeout: 30_000,
          });
          assert.deepEqual(errors, []);
          await page.context().close();
        },
      );

      await t.step("the demo camera stays JPEG and says why", async () => {
        const { page, errors } = await open(
          browser,
          vigil.url,
          cookie,
          "/?camera=demo&mode=live&video=mse",
        );
        await page.waitForSelector("[data-testid=video-state] .state-msg", { timeout: 30_000 });
        assert.match(
          await page.textContent("[data-testid=video-state]") ?? "",
          /JPEG frames.*demo scene is not H\.264/,
        );
        assert.equal(await page.getAttribute("[data-testid=video-state]", "data-video"), "jpeg");
        await jpegShowing(page);
        await screenshots(page, SHOTS, "live-demo-fallback");
        assert.deepEqual(errors, []);
        await page.context().close();
      });

      await t.step("a browser without MediaSource gets JPEG frames and no toggle", async () => {
        const { page, errors } = await open(
          browser,
          vigil.url,
          cookie,
          "/?camera=h264&mode=live&video=mse",
          "delete window.MediaSource; delete window.ManagedMediaSource;",
        );
        await jpegShowing(page);
        assert.equal(await page.$("[data-testid=video-toggle]"), null);
        assert.match(
          await page.textContent("[data-testid=video-state]") ?? "",
          /no Media Source Extensions/,
        );
        assert.deepEqual(errors, []);
        await page.context().close();
      });

      await t.step(
        "a MediaSource that cannot play the codec falls back to JPEG frames",
        async () => {
          const { page, errors } = await open(
            browser,
            vigil.url,
            cookie,
            "/?camera=h264&mode=live&video=mse",
            "MediaSource.isTypeSupported = (t) => !/avc1/.test(t);",
          );
          await page.waitForSelector("[data-testid=video-state] .state-msg", { timeout: 30_000 });
          assert.match(
            await page.textContent("[data-testid=video-state]") ?? "",
            /cannot play avc1\.4d/,
          );
          await jpegShowing(page);
          assert.deepEqual(errors, []);
          await page.context().close();
        },
      );
    } finally {
      await browser.close();
      await vigil.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
