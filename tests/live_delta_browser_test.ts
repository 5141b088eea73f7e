/**
 * Browser test of live mode's delta stream (headless chromium against the real server and its
 * demo camera): the viewer draws keyframes and changed tiles on a canvas, and what the canvas
 * shows stays within 35 dB PSNR of the real frame. The real frames come from a second, plain
 * `/ws` connection in the same page (full JPEGs, as old clients get them); the page decodes both
 * with the browser's own JPEG decoder. Screenshots of live mode at 1366×800 and 390×844 go to
 * $VIGIL_SCREENSHOTS/live (default /tmp/vigil-shots/live).
 */
import assert from "node:assert/strict";
import { DESKTOP, launchChromium, screenshots, watchErrors } from "./helpers/browser.ts";
import { login, startVigil } from "./helpers/server.ts";

const SHOTS = `${Deno.env.get("VIGIL_SCREENSHOTS") ?? "/tmp/vigil-shots"}/live`;

/** One comparison made in the page: the canvas's frame against the real one. */
interface Sample {
  ts: number;
  key: boolean;
  psnr: number | null;
}

Deno.test({
  name: "[browser] live mode: the canvas shows delta frames within 35 dB of the real frames",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn() {
    const vigil = await startVigil();
    const browser = await launchChromium();
    try {
      const cookie = await login(vigil.url, vigil.password);
      const [name, value] = cookie.split("=");
      const context = await browser.newContext({ viewport: DESKTOP });
      await context.addCookies([{ name, value, domain: new URL(vigil.url).hostname, path: "/" }]);
      const page = await context.newPage();
      const errors = watchErrors(page, /status of 503/);
      await page.goto(`${vigil.url}/?mode=live&delta=1`);
      // The real frames, by capture time: a plain live connection, as an old client has.
      await page.evaluate(() => {
        const full = new Map<number, Blob>();
        (globalThis as unknown as { fullFrames: typeof full }).fullFrames = full;
        const ws = new WebSocket(`ws://${location.host}/ws?mode=live`);
        ws.binaryType = "arraybuffer";
        ws.onmessage = (e) => {
          if (typeof e.data === "string") return;
          const bytes = new Uint8Array(e.data);
          const n = new DataView(e.data).getUint32(0);
          const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
          if (header.delta) throw new Error("a plain client got a delta frame");
          full.set(header.ts, new Blob([bytes.subarray(4 + n)], { type: "image/jpeg" }));
          for (const ts of full.keys()) if (full.size > 200) full.delete(ts);
        };
      });
      const canvas = page.locator('[data-testid="live-canvas"]');
      await canvas.waitFor({ state: "visible", timeout: 20_000 });
      assert.equal(await page.locator("img.frame").isHidden(), true, "the image gives way");

      // Every 400 ms for 13 s: more than one period of the demo scene (its block crosses).
      const samples: Sample[] = [];
      for (let i = 0; i < 32; i++) {
        await page.waitForTimeout(400);
        samples.push(
          await page.evaluate(async () => {
            const c = document.querySelector<HTMLCanvasElement>('[data-testid="live-canvas"]')!;
            // Read synchronously: the canvas and its data-ts change together.
            const ts = Number(c.dataset.ts), key = c.dataset.key === "1";
            const shown = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
            const full = (globalThis as unknown as { fullFrames: Map<number, Blob> }).fullFrames;
            for (let t = 0; t < 20 && !full.has(ts); t++) {
              await new Promise((r) => setTimeout(r, 50));
            }
            const blob = full.get(ts);
            if (!blob) return { ts, key, psnr: null };
            const bmp = await createImageBitmap(blob);
            const off = new OffscreenCanvas(bmp.width, bmp.height);
            const ctx = off.getContext("2d")!;
            ctx.drawImage(bmp, 0, 0);
            const real = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
            if (real.length !== shown.length) return { ts, key, psnr: -1 };
            let sse = 0;
            for (let p = 0; p < real.length; p += 4) {
              for (let k = 0; k < 3; k++) sse += (real[p + k] - shown[p + k]) ** 2;
            }
            const mse = sse / (real.length / 4 * 3);
            return { ts, key, psnr: mse === 0 ? 999 : 10 * Math.log10(255 * 255 / mse) };
          }),
        );
      }
      const compared = samples.filter((s) => s.psnr !== null);
      const deltas = compared.filter((s) => !s.key);
      console.log(
        `compared ${compared.length}/${samples.length} (${deltas.length} after deltas); ` +
          `min PSNR ${Math.min(...compared.map((s) => s.psnr!)).toFixed(1)} dB`,
      );
      assert.ok(deltas.length >= 10, `too few delta frames compared: ${JSON.stringify(samples)}`);
      for (const s of compared) {
        assert.ok(s.psnr! >= 35, `frame ${s.ts}: PSNR ${s.psnr} dB < 35 (key: ${s.key})`);
      }
      // Boxes are still data drawn over the picture, and the facts still follow the frames.
      await page.waitForSelector('[data-testid="frame-time"]:not(:text("—"))');
      await screenshots(page, SHOTS, "live");
      assert.deepEqual(errors, []);
      await context.close();
    } finally {
      await browser.close();
      await vigil.close();
    }
  },
});
