/**
 * @module
 * Server-rendered pages with Fresh-style islands, without Fresh.
 *
 * - `renderPage(c, <Page/>, { title })` renders the whole document through the one shell
 *   (`layout.tsx`: header, navigation, admin tabs, stylesheet) and, only when the page has
 *   islands or times, one nonce'd `<script type="module">` boot script. `renderError` is the
 *   shell's error page, used by `app.onError` and the 404 handler.
 * - `island(Component, "Name")` wraps `islands/Name.tsx` for pages: the server renders the
 *   component inside `<div data-island="Name" id="island-N">` followed by its props as a
 *   `<script type="application/json" id="island-N-props">` data block (`<` escaped, so no
 *   string can close the tag; CSP allows data blocks because they never run).
 * - `buildIslands()` runs `deno bundle --code-splitting` over `lib/web/client.ts` and every
 *   island into `static/islands/`: Preact and signals go to shared `chunk-*.js` files, so all
 *   islands on a page share one Preact (hooks and signals work across them). Every file is
 *   named after its content and `assetUrl("islands/Viewer.js")` gives its URL (served
 *   immutable). The boot script imports `client.js`, whose `boot()` imports each marker's
 *   `data-src` (the island's bundle) and calls Preact's `hydrate` with the parsed props.
 * - Under `deno task dev` (`enableDevReload()`), pages also reload when the server restarts.
 */
export { bootScript, renderError, renderPage } from "./render.tsx";
export { ASSET_BASE, assetManifest, assetUrl } from "./assets.ts";
export {
  DEV_EVENTS_PATH,
  devReloadEnabled,
  enableDevReload,
  registerDevReload,
} from "./dev_reload.ts";
export type { PageOptions } from "./render.tsx";
export { answerErrors, isApiPath } from "./errors.ts";
export { island, serializeProps } from "./island.tsx";
export { buildIslands, islandNames, islandsFresh } from "./build.ts";
export type { BuildOptions } from "./build.ts";
export { dayBounds, isTimeZone, parseDay, serverZone } from "./zoned_day.ts";
