/**
 * @module
 * Headless Debian chromium for the browser tests, through playwright-core: one place that
 * imports it (a test-only package, kept out of deno.json's imports and deno.lock; see
 * tests/lockfile_test.ts) and starts the browser the way CI can run it.
 */
// deno-lint-ignore no-import-prefix
import { type Browser, chromium, type Page } from "npm:playwright-core@1.65.1";

export type { Browser, Page };

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts headless chromium (`CHROMIUM` overrides `/usr/bin/chromium`). Close it in a finally. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium",
    args: ARGS,
  });
}

/**
 * Collects the page's uncaught errors and console errors, except those matching `expected`
 * (e.g. a WebSocket refused on purpose); a test asserts the list is empty.
 */
export function watchErrors(page: Page, expected?: RegExp): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !expected?.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** The two sizes every page is looked at in. */
export const DESKTOP = { width: 1366, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Full-page screenshots of `page` at desktop and phone size into `dir`; leaves it at desktop. */
export async function screenshots(page: Page, dir: string, name: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${dir}/${name}-${label}.png`, fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}
