/**
 * Objects in headless chromium (issue 12), on the real server with the real model: the alarm
 * with `"alertOn": ["person"]` stays quiet while the demo scene's block crosses and rings for
 * people walking (vtest.avi); the event page draws labelled object boxes. Screenshots go to
 * $VIGIL_SHOTS (default /tmp/vigil-shots/objects).
 */
import assert from "node:assert/strict";
import { launchChromium } from "./helpers/browser.ts";
import { login, startVigil } from "./helpers/server.ts";

const SHOTS = Deno.env.get("VIGIL_SHOTS") ?? "/tmp/vigil-shots/objects";
const VTEST = new URL("../../shared/data/vtest.avi", import.meta.url);

/** A server whose only camera rings for people only. */
async function serve(source: string) {
  const dir = await Deno.makeTempDir({ prefix: "vigil-objects-" });
  await Deno.writeTextFile(
    `${dir}/vigil.json`,
    JSON.stringify({
      objects: { alertOn: ["person"] },
      cameras: [{ id: "door", name: "Front door", source }],
    }),
  );
  const vigil = await startVigil({ source: null, args: ["--config", `${dir}/vigil.json`] });
  return {
    vigil,
    close: async () => {
      await vigil.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name: "[browser] alertOn person: the alarm stays quiet for the demo block, rings for people",
  ignore: !(await Deno.stat(VTEST).catch(() => null)),
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(SHOTS, { recursive: true });
    const browser = await launchChromium();
    try {
      for (const [source, rings] of [["demo", false], [VTEST.pathname, true]] as const) {
        const { vigil, close } = await serve(source);
        try {
          const cookie = await login(vigil.url, vigil.password);
          const [name, value] = cookie.split("=");
          const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
          await ctx.addCookies([{ name, value, domain: new URL(vigil.url).hostname, path: "/" }]);
          const page = await ctx.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          // the model must be loaded for /alarm to get alertOn (without it every motion rings)
          for (let i = 0; i < 100; i++) {
            const st = await (await fetch(`${vigil.url}/api/stats`, { headers: { cookie } }))
              .json();
            if (st.objects.state === "on") break;
            await new Promise((r) => setTimeout(r, 100));
          }
          await page.goto(`${vigil.url}/alarm`);
          assert.equal(
            await page.textContent('[data-testid="alarm-only"]'),
            "Rings only for: person",
          );
          const count = page.locator('[data-testid="alarm-count"]');
          if (rings) {
            await page.waitForFunction(
              () => document.querySelector('[data-testid="alarm-count"]')?.textContent !== "0",
              undefined,
              { timeout: 20_000 },
            );
            assert.match(
              (await page.textContent('[data-testid="alarm-detail"]')) ?? "",
              /^Person on Front door at /,
            );
            await page.screenshot({ path: `${SHOTS}/alarm-person-phone.png` });
            // the event page draws the objects with their labels
            const events = await (await fetch(`${vigil.url}/api/events?label=person`, {
              headers: { cookie },
            })).json();
            const frames = await (await fetch(`${vigil.url}/api/events/${events[0].id}/frames`, {
              headers: { cookie },
            })).json();
            assert.equal(events[0].alert, true);
            const n = frames.findIndex((f: { objects?: unknown[] }) => f.objects?.length) + 1;
            await page.setViewportSize({ width: 1366, height: 800 });
            await page.goto(`${vigil.url}/history/${events[0].id}?frame=${n}`);
            const label = page.locator("svg.boxes .obj-person text").first();
            assert.match((await label.textContent()) ?? "", /^person \d+%$/);
            await page.screenshot({ path: `${SHOTS}/event-objects-desktop.png` });
          } else {
            // two crossings of the block (every 11 s, the first at 2 s), motion but no person
            await page.waitForTimeout(15_000);
            const events = await (await fetch(`${vigil.url}/api/events`, { headers: { cookie } }))
              .json();
            assert.ok(events.length >= 1, "the demo block made a motion event");
            assert.deepEqual(events.flatMap((e: { labels: string[] }) => e.labels), []);
            // the API says so too: under alertOn, these events are no alerts
            assert.ok(events.every((e: { alert: boolean }) => e.alert === false));
            assert.equal(await count.textContent(), "0");
            await page.screenshot({ path: `${SHOTS}/alarm-quiet-phone.png` });
          }
          assert.deepEqual(errors, []);
          await ctx.close();
        } finally {
          await close();
        }
      }
    } finally {
      await browser.close();
    }
  },
});
