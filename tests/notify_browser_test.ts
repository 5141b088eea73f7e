/**
 * The notification pages in headless chromium: `/alarm` shows "Notify this device" (the service
 * worker registers from /static/sw.js under the CSP) and `/admin/notifications` the MQTT state,
 * the armed switch (a form) and the deliveries; both without page errors, on a phone and a
 * desktop (screenshots in $VIGIL_SCREENSHOTS, default /tmp).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchChromium, type Page } from "./helpers/browser.ts";
import { startVigil } from "./helpers/server.ts";
import { freePort, startBroker } from "./helpers/mosquitto.ts";
import { waitFor } from "./helpers/wait.ts";

const SHOTS = Deno.env.get("VIGIL_SCREENSHOTS") ?? "/tmp";
const SIZES = [["phone", { width: 390, height: 844 }], ["desktop", {
  width: 1366,
  height: 800,
}]] as const;

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/WebSocket|ERR_CONNECTION/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  return errors;
}

Deno.test({
  name:
    "[browser] /alarm offers Web Push (service worker registers); /admin/notifications shows MQTT and deliveries",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const dir = await Deno.makeTempDir({ prefix: "vigil-notify-browser-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        cameras: [{ id: "door", name: "Front door", source: "demo" }],
        mqtt: { url: broker.url },
        // a receiver nobody listens on: the log shows failed deliveries
        webhooks: [{ url: `http://127.0.0.1:${freePort()}/hook`, retries: 0, timeoutMs: 500 }],
        notify: { rules: [{ cooldownSeconds: 0 }] },
      }),
    );
    const vigil = await startVigil({ source: null, args: ["--config", config] });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: SIZES[1][1] });
      await context.grantPermissions(["notifications"], { origin: vigil.url });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${vigil.url}/login?next=/alarm`);
      await page.fill("input[name=username]", "admin");
      await page.fill("input[name=password]", vigil.password);
      await page.click("button[type=submit]");
      await page.waitForURL(`${vigil.url}/alarm`);
      const toggle = page.locator("[data-testid=push-toggle]");
      await waitFor(
        async () => (await toggle.getAttribute("data-state")) === "off",
        10_000,
        "push toggle off",
      );
      assert.equal(await page.locator("text=Notify this device").count(), 1);
      // the service worker file loads under the CSP and registers with its scope
      const scope = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.register("/static/sw.js", { scope: "/static/" });
        return reg.scope;
      });
      assert.equal(scope, `${vigil.url}/static/`);
      for (const [label, size] of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(150);
        await page.screenshot({ path: `${SHOTS}/vigil-notify-alarm-${label}.png`, fullPage: true });
      }

      // wait for an event's failed webhook delivery, then the admin page
      await waitFor(
        async () => {
          const html = await (await page.request.get(`${vigil.url}/admin/notifications`)).text();
          return html.includes('data-testid="deliveries"');
        },
        30_000,
        "a delivery in the log",
      );
      await page.goto(`${vigil.url}/admin/notifications`);
      assert.match(await page.locator("[data-testid=mqtt-state]").innerText(), /connected/);
      assert.equal(await page.locator("[data-testid=armed]").innerText(), "armed");
      assert.match(await page.locator("[data-testid=deliveries]").innerText(), /webhook/);
      assert.equal(
        await page.locator("nav.subnav a[aria-current=page]").innerText(),
        "Notifications",
      );
      for (const [label, size] of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(150);
        await page.screenshot({ path: `${SHOTS}/vigil-notify-admin-${label}.png`, fullPage: true });
      }
      // the switch works without JavaScript: a form post
      await page.click("text=Disarm");
      await page.waitForURL(/done=disarmed/);
      assert.equal(await page.locator("[data-testid=armed]").innerText(), "disarmed");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await vigil.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
