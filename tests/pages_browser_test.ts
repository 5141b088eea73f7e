/**
 * Every page of the real server (main.ts, real auth, real cameras) in headless chromium, at a
 * desktop and a phone size: the same shell header as `/` (element and computed style), nothing
 * wider than the viewport, no button left in the browser's default style. Screenshots of each
 * go to a folder the test prints (VIGIL_SCREENSHOTS, else a new temporary one): look at them.
 */
import assert from "node:assert/strict";
import { type Browser, launchChromium, type Page } from "./helpers/browser.ts";
import { startVigil, type VigilProcess } from "./helpers/server.ts";

const SIZES = [
  { label: "desktop", width: 1366, height: 800 },
  { label: "phone", width: 390, height: 844 },
] as const;

/** The header's tag, classes and the computed styles that make it look like the shell's. */
async function headerLook(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const h = document.querySelector("body > header");
    if (!h) return "no header";
    const s = getComputedStyle(h);
    const brand = h.querySelector(".brand");
    return JSON.stringify({
      tag: h.tagName,
      cls: h.className,
      bg: s.backgroundColor,
      height: Math.round(h.getBoundingClientRect().height),
      font: s.fontFamily,
      brand: brand ? getComputedStyle(brand).color : null,
    });
  });
}

/** What on the page is wider than the viewport, or a button in the browser's default look. */
async function layoutProblems(page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const out: string[] = [];
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 1) {
      out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
    }
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      // Content inside a scrolling box (a wide table) may be wider: the box scrolls visibly.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden") clipped = true;
      }
      const r = el.getBoundingClientRect();
      if (!clipped && r.width > 0 && r.right > vw + 1) {
        out.push(`${el.tagName}.${el.className} ends at ${Math.round(r.right)} > ${vw}`);
      }
    }
    for (const b of document.querySelectorAll<HTMLElement>("button, input[type=submit]")) {
      const s = getComputedStyle(b);
      // Chromium's default button: light grey face, outset border, 13.33px system font.
      if (s.backgroundColor === "rgb(239, 239, 239)" || s.borderStyle === "outset") {
        out.push(`unstyled button "${b.textContent?.trim()}"`);
      }
    }
    return out.slice(0, 10);
  });
}

async function login(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/login")),
    page.click("button[type=submit]"),
  ]);
}

/** Cameras made by ffmpeg alone: small and slow, so three of them are cheap. */
async function threeCameraConfig(dir: string): Promise<string> {
  const file = `${dir}/vigil.json`;
  const cam = (id: string, name: string) => ({
    id,
    name,
    source: "demo",
    width: 320,
    height: 240,
    fps: 5,
  });
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      cameras: [cam("door", "Front door"), cam("yard", "Yard"), cam("garage", "Garage")],
    }),
  );
  return file;
}

async function waitForEvent(vigil: VigilProcess, page: Page): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await page.request.get(`${vigil.url}/api/events?limit=5`);
    const events = await res.json() as { id: number; end: number | null }[];
    const done = events.find((e) => e.end !== null);
    if (done) return done.id;
    await page.waitForTimeout(500);
  }
  throw new Error("the demo scene made no finished event in 30 s");
}

Deno.test({
  name: "[browser] every page has the shell's header, fits a phone and a desktop, no bare buttons",
  sanitizeResources: false, // playwright keeps its pipe open until the browser has exited
  sanitizeOps: false,
  async fn() {
    const shots = Deno.env.get("VIGIL_SCREENSHOTS") ??
      await Deno.makeTempDir({ prefix: "vigil-pages-" });
    await Deno.mkdir(shots, { recursive: true });
    console.log(`screenshots: ${shots}`);
    const configDir = await Deno.makeTempDir({ prefix: "vigil-3cam-" });
    const one = await startVigil();
    const three = await startVigil({
      source: null,
      args: ["--config", await threeCameraConfig(configDir)],
    });
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      const admin = await browser.newPage();
      await login(admin, one.url, "admin", one.password);
      // A viewer account for the 403 page, made through the admin page's form.
      await admin.goto(`${one.url}/admin/users`);
      await admin.fill("form[action='/admin/users'] input[name=username]", "watcher");
      await admin.fill("form[action='/admin/users'] input[name=password]", "watcher-password-1");
      await admin.click("form[action='/admin/users'] button[type=submit]");
      await admin.waitForURL(/done=added/);
      const eventId = await waitForEvent(one, admin);
      await admin.goto(`${one.url}/admin/sessions`);
      const sessionUrl = await admin.evaluate(() =>
        document.querySelector<HTMLAnchorElement>("a[href$='/revoke']")?.href ?? ""
      );

      const anon = await browser.newPage();
      const viewer = await browser.newPage();
      await login(viewer, one.url, "watcher", "watcher-password-1");
      const admin3 = await browser.newPage();
      await login(admin3, three.url, "admin", three.password);

      // [name, page, url, expected status]
      const pages: [string, Page, string, number][] = [
        ["login", anon, `${one.url}/login`, 200],
        ["live-one-camera", admin, `${one.url}/`, 200],
        ["live-three-cameras", admin3, `${three.url}/`, 200],
        ["live-one-of-three", admin3, `${three.url}/?camera=yard`, 200],
        ["history", admin, `${one.url}/history`, 200],
        ["event", admin, `${one.url}/history/${eventId}`, 200],
        ["event-delete-confirm", admin, `${one.url}/history/${eventId}/delete`, 200],
        ["alarm", admin, `${one.url}/alarm`, 200],
        ["account", viewer, `${one.url}/account`, 200],
        ["admin-users", admin, `${one.url}/admin/users`, 200],
        ["admin-user-remove-confirm", admin, `${one.url}/admin/users/watcher/remove`, 200],
        ["admin-sessions", admin, `${one.url}/admin/sessions`, 200],
        ["admin-clients", admin, `${one.url}/admin/clients`, 200],
        ["admin-audit", admin, `${one.url}/admin/audit`, 200],
        ["admin-notifications", admin, `${one.url}/admin/notifications`, 200],
        ["settings", admin, `${one.url}/settings`, 200],
        ["settings-three-cameras", admin3, `${three.url}/settings`, 200],
        ["settings-forbidden", viewer, `${one.url}/settings`, 403],
        ["forbidden", viewer, `${one.url}/admin/users`, 403],
        ["not-found", admin, `${one.url}/no/such/page`, 404],
      ];
      if (sessionUrl) pages.push(["admin-session-end-confirm", admin, sessionUrl, 200]);

      await admin.setViewportSize({ width: 1366, height: 800 });
      await admin.goto(`${one.url}/`);
      const reference = await headerLook(admin);
      const problems: string[] = [];
      for (const size of SIZES) {
        const home = await (async () => {
          await admin.setViewportSize(size);
          await admin.goto(`${one.url}/`);
          return await headerLook(admin);
        })();
        for (const [name, page, url, status] of pages) {
          await page.setViewportSize(size);
          const res = await page.goto(url);
          assert.equal(res?.status(), status, `${name}: status`);
          await page.waitForLoadState("load");
          await page.waitForTimeout(200);
          const look = await headerLook(page);
          // Signed out, the header has no navigation, so its height may differ: compare the rest.
          const strip = (s: string) => s.replace(/"height":\d+,/, "");
          assert.equal(strip(look), strip(home), `${name} (${size.label}): the shell's header`);
          for (const p of await layoutProblems(page)) problems.push(`${name} ${size.label}: ${p}`);
          await page.screenshot({ path: `${shots}/${name}-${size.label}.png`, fullPage: true });
        }
      }
      assert.notEqual(reference, "no header");
      assert.deepEqual(problems, []);
    } finally {
      await browser?.close();
      await one.close();
      await three.close();
      await Deno.remove(configDir, { recursive: true });
    }
  },
});
