/**
 * @module
 * The browser half of the island runtime: finds the `[data-island]` markers written by
 * `island()`, imports each island's bundle (its content-hashed URL, from `data-src`) and
 * hydrates it with its serialized props.
 * Bundled (with code splitting, so every island shares one Preact) by `lib/web/build.ts`.
 */
import { type ComponentType, h, hydrate } from "preact";
import { formatTime, type TimeFormat, zoneName } from "./time_format.ts";

/** Where `build.ts` puts `islands/<Name>.tsx` once bundled (for markers without `data-src`). */
export const ISLAND_BASE = "/static/islands/islands/";

/** Rewrites every server-written `<time data-ts>` in the browser's zone (components/Time.tsx). */
export function localizeTimes(root: ParentNode = document): void {
  const zone = zoneName();
  for (const el of root.querySelectorAll<HTMLElement>("time[data-ts]")) {
    const ts = Number(el.dataset.ts);
    if (!Number.isFinite(ts)) continue;
    el.textContent = formatTime(ts, (el.dataset.format ?? "datetime") as TimeFormat);
    el.title = zone;
  }
}

/**
 * Shows the page's times in the browser's zone, then hydrates every island on the page;
 * resolves when all are hydrated (failures are logged).
 */
export async function boot(base: string = ISLAND_BASE): Promise<void> {
  localizeTimes();
  const els = Array.from(document.querySelectorAll<HTMLElement>("[data-island]"));
  await Promise.all(els.map(async (el) => {
    const name = el.dataset.island ?? "";
    try {
      const data = document.getElementById(`${el.id}-props`)?.textContent;
      const props = data ? JSON.parse(data) : {};
      const mod = await import(el.dataset.src || `${base}${name}.js`) as {
        default: ComponentType<Record<string, unknown>>;
      };
      hydrate(h(mod.default, props), el);
      el.dataset.hydrated = "true";
    } catch (err) {
      el.dataset.hydrated = "failed";
      console.error(`Island ${name} could not start (run "deno task build"):`, err);
    }
  }));
}
