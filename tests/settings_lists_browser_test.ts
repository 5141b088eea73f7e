/**
 * The settings page's list editors in headless chromium against the real server: an admin adds
 * a webhook (url, secret, events), a notification rule (a camera, the label person, a night
 * window, a cooldown), an allowed host and an alert label, saves, and the config file holds
 * exactly those; a masked webhook secret sent back keeps the stored one; a bad webhook url's
 * error shows next to it; a secret the server could no longer match is refused before sending;
 * the shared detector's zones and masks show dashed over the camera; at phone size nothing
 * scrolls sideways. Screenshots go to $VIGIL_SCREENSHOTS (else a new temporary folder, printed).
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

const STORED_SECRET = "stored-secret-1234";
/** A closed port: the webhooks' deliveries fail quietly, which is not what is tested here. */
const HOOK_A = "http://127.0.0.1:9/hook-a";
const HOOK_B = "http://127.0.0.1:9/hook-b";

async function login(page: Page, url: string, password: string): Promise<void> {
  await page.goto(`${url}/login?next=/settings`);
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/login")),
    page.click("button[type=submit]"),
  ]);
}

async function openSettings(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/settings`);
  await page.waitForSelector('[data-island="Settings"][data-hydrated="true"]');
}

async function save(page: Page): Promise<void> {
  await page.click("[data-testid=save]");
  await waitFor(
    async () => /Saved/.test(await page.locator("[data-testid=save-status]").innerText()),
    15_000,
    "saved",
  );
}

// deno-lint-ignore no-explicit-any
type Json = any;
async function readFile(path: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(path));
}

const field = (page: Page, path: string) => page.locator(`[data-field="${path}"]`);

Deno.test({
  name: "[browser] /settings lists: webhooks, notification rules, allowed hosts and alert " +
    "labels are edited and saved exactly; masked secrets are kept; errors land in the list",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn(t) {
    const shots = Deno.env.get("VIGIL_SCREENSHOTS") ??
      await Deno.makeTempDir({ prefix: "vigil-settings-lists-shots-" });
    console.log(`screenshots: ${shots}`);
    const dir = await Deno.makeTempDir({ prefix: "vigil-settings-lists-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        cameras: [{
          id: "door",
          name: "Front door",
          source: "demo",
          fps: 5,
          width: 640,
          height: 480,
        }],
        detector: {
          zones: [{ name: "street", polygon: [[0, 300], [640, 300], [640, 480], [0, 480]] }],
          masks: [[[500, 0], [640, 0], [640, 120], [500, 120]]],
        },
        webhooks: [{ url: HOOK_A, secret: STORED_SECRET }],
      }),
    );
    let vigil: VigilProcess | null = null;
    let browser: Browser | null = null;
    try {
      vigil = await startVigil({ source: null, args: ["--config", config] });
      const url = vigil.url;
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: DESKTOP });
      const errors = watchErrors(page, /status of (400|503)/); // the bad url on purpose
      await login(page, url, vigil.password);
      await openSettings(page, url);

      await t.step("the stored webhook shows with its secret masked", async () => {
        const secret = field(page, "webhooks[0].secret").locator("input");
        assert.equal(await secret.getAttribute("type"), "password");
        assert.equal(await secret.inputValue(), "********");
        assert.equal(await field(page, "webhooks[0].url").locator("input").inputValue(), HOOK_A);
      });

      await t.step(
        "an admin adds a webhook, a rule, a host and an alert label; saves",
        async () => {
          // the stored webhook is sent back (masked) with one change of its own
          await page.locator("[data-testid=webhook][data-index='0'] summary").click();
          await field(page, "webhooks[0].retries").locator("input").fill("2");

          await page.click("[data-testid=add-webhook]");
          await field(page, "webhooks[1].url").locator("input").fill(HOOK_B);
          await field(page, "webhooks[1].secret").locator("input").fill("new-secret-5678");
          await field(page, "webhooks[1].events").locator("input[value=start]").check();
          await field(page, "webhooks[1].events").locator("input[value=offline]").check();

          await page.click("[data-testid=add-rule]");
          await field(page, "notify.rules[0].cameras").locator("input[value=door]").check();
          await field(page, "notify.rules[0].labels").locator("input[value=person]").check();
          await page.locator("[data-testid=rule] [data-testid=add-window]").click();
          await field(page, "notify.rules[0].schedule[0].from").locator("input").fill("21:15");
          await field(page, "notify.rules[0].schedule[0].to").locator("input").fill("05:45");
          await field(page, "notify.rules[0].cooldownSeconds").locator("input").fill("300");

          await page.click("[data-testid='add-allowedHosts']");
          await field(page, "allowedHosts[0]").locator("input").fill("vigil.example.com");

          await page.locator("details.settings-fold", {
            has: page.locator("code", { hasText: /^objects$/ }),
          })
            .locator("summary").click();
          await field(page, "objects.alertOn").locator("input[value=person]").check();

          await save(page);
          const file = await readFile(config);
          assert.deepEqual(file.webhooks, [
            { url: HOOK_A, secret: STORED_SECRET, retries: 2 },
            { url: HOOK_B, secret: "new-secret-5678", events: ["start", "offline"] },
          ]);
          assert.deepEqual(file.notify, {
            rules: [{
              cameras: ["door"],
              labels: ["person"],
              schedule: [{ from: "21:15", to: "05:45" }],
              cooldownSeconds: 300,
            }],
          });
          assert.deepEqual(file.allowedHosts, ["vigil.example.com"]);
          assert.deepEqual(file.objects, { alertOn: ["person"] });
          assert.equal(
            await field(page, "webhooks[1].secret").locator("input").inputValue(),
            "********",
            "after saving, the page holds the mask, not the secret",
          );
        },
      );

      await t.step(
        "time inputs are stored as the file's HH:MM: the night 22:00-06:00",
        async () => {
          await field(page, "notify.rules[0].schedule[0].from").locator("input").fill("22:00");
          await field(page, "notify.rules[0].schedule[0].to").locator("input").fill("06:00");
          await save(page);
          const file = await readFile(config);
          assert.deepEqual(file.notify.rules[0].schedule, [{ from: "22:00", to: "06:00" }]);
          // both secrets went back masked and are still the stored ones
          assert.equal(file.webhooks[0].secret, STORED_SECRET);
          assert.equal(file.webhooks[1].secret, "new-secret-5678");
        },
      );

      await t.step("a window from 22:00 to 22:00: the server's error is next to `to`", async () => {
        const to = field(page, "notify.rules[0].schedule[0].to");
        await to.locator("input").fill("22:00");
        await page.click("[data-testid=save]");
        const error = to.locator("[data-testid=field-error]");
        await error.waitFor({ timeout: 10_000 });
        assert.match(await error.innerText(), /from and to are the same time/);
        await to.locator("input").fill("06:00");
        assert.equal(await page.locator("[data-testid=save-status]").innerText(), "No changes");
      });

      await t.step("a bad webhook url shows its 400 error next to that field", async () => {
        const before = await Deno.readTextFile(config);
        await page.click("[data-testid=add-webhook]");
        await field(page, "webhooks[2].url").locator("input").fill("ftp://nope.example");
        await page.click("[data-testid=save]");
        const error = field(page, "webhooks[2].url").locator("[data-testid=field-error]");
        await error.waitFor({ timeout: 10_000 });
        assert.match(await error.innerText(), /http:\/\/ or https:\/\//);
        assert.equal(await Deno.readTextFile(config), before, "nothing is saved");
        await page.locator("[data-testid=webhook][data-index='2']").screenshot({
          path: `${shots}/settings-webhook-error-desktop.png`,
        });
        await page.locator("[data-testid=webhook][data-index='2']").getByText("Remove webhook")
          .click();
      });

      await t.step(
        "a masked secret whose webhook changed url is refused before sending",
        async () => {
          const before = await Deno.readTextFile(config);
          await field(page, "webhooks[0].url").locator("input").fill("http://127.0.0.1:9/moved");
          await page.click("[data-testid=save]");
          const error = field(page, "webhooks[0].secret").locator("[data-testid=field-error]");
          await error.waitFor({ timeout: 10_000 });
          assert.match(await error.innerText(), /type this webhook's secret again/);
          assert.equal(await Deno.readTextFile(config), before);
          await page.getByRole("button", { name: "Discard" }).click();
          assert.equal(await page.locator("[data-testid=save-status]").innerText(), "No changes");
        },
      );

      await t.step("the shared detector's zone and mask show dashed over the camera", async () => {
        await page.waitForSelector("[data-camera=door] .zone-stage img.frame", { timeout: 30_000 });
        const shared = page.locator("[data-camera=door] [data-testid=shared-shape]");
        assert.equal(await shared.count(), 2);
        assert.match(
          await page.locator("[data-camera=door] [data-testid=shared-note]").innerText(),
          /shared detector's zones and masks/,
        );
        const editor = page.locator("[data-camera=door] .zone-editor");
        await editor.scrollIntoViewIfNeeded();
        await editor.screenshot({ path: `${shots}/settings-shared-zones-desktop.png` });
      });

      await t.step("desktop and phone: the list sections fit; screenshots", async () => {
        await page.evaluate(() => scrollTo(0, 0));
        await screenshots(page, shots, "settings-lists-page");
        const phone = await browser!.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
        const phoneErrors = watchErrors(phone, /status of 503/);
        await login(phone, url, vigil!.password);
        await openSettings(phone, url);
        await phone.locator("[data-testid=webhook][data-index='0'] summary").click();
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= PHONE.width, `no sideways scrolling at phone size (${width} px)`);
        // the sticky header would cover the top of each section's picture
        const unstick = () =>
          document.querySelector<HTMLElement>(".top")!.style.position = "static";
        await phone.evaluate(unstick);
        await page.evaluate(unstick);
        const server = page.locator("section.card", {
          has: page.locator("[data-field=allowedHosts]"),
        });
        await server.screenshot({ path: `${shots}/settings-server-hosts-desktop.png` });
        for (
          const [name, sel] of [["rules", "[data-testid=rules]"], [
            "webhooks",
            "[data-testid=webhooks]",
          ]]
        ) {
          await phone.locator(sel).screenshot({ path: `${shots}/settings-${name}-phone.png` });
          await page.locator(sel).screenshot({ path: `${shots}/settings-${name}-desktop.png` });
        }
        await phone.waitForSelector("[data-camera=door] .zone-stage img.frame", {
          timeout: 30_000,
        });
        await phone.locator("[data-camera=door] .zone-editor").screenshot({
          path: `${shots}/settings-shared-zones-phone.png`,
        });
        assert.deepEqual(phoneErrors, []);
        await phone.close();
      });
      await t.step("per camera: recording mode, an alert label and ffmpeg options", async () => {
        const card = page.locator("[data-camera=door]");
        await card.locator("[data-testid=camera-record] summary").click();
        await field(page, "cameras[0].record.mode").locator("select").selectOption("off");
        await card.locator("[data-testid=camera-objects] summary").click();
        await field(page, "cameras[0].objects.minScore.person").locator("input").fill("0.7");
        await field(page, "cameras[0].objects.alertOn").locator("input[value=dog]").check();
        await card.locator("summary", { hasText: "Capture options" }).click();
        const args = field(page, "cameras[0].inputArgs");
        await args.getByRole("button", { name: "Add option" }).click();
        await args.getByRole("button", { name: "Add option" }).click();
        await field(page, "cameras[0].inputArgs[0]").locator("input").fill("-thread_queue_size");
        await field(page, "cameras[0].inputArgs[1]").locator("input").fill("512");
        await save(page);
        const cam = (await readFile(config)).cameras[0];
        assert.deepEqual(cam.record, { mode: "off" });
        assert.deepEqual(cam.objects, { minScore: { person: 0.7 }, alertOn: ["dog"] });
        assert.deepEqual(cam.inputArgs, ["-thread_queue_size", "512"]);
        // the opened per-camera folds fit a phone too
        await page.evaluate(() =>
          document.querySelector<HTMLElement>(".top")!.style.position = "static"
        );
        for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
          await page.setViewportSize(size);
          await page.waitForTimeout(200);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= size.width, `no sideways scrolling at ${label} size (${width} px)`);
          await card.locator("[data-testid=camera-objects]").screenshot({
            path: `${shots}/settings-camera-objects-${label}.png`,
          });
        }
        await page.setViewportSize(DESKTOP);
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      await vigil?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
