/**
 * @module
 * `deno task dev`: builds the island bundles, then runs Vigil. The task runs this file with
 * `--watch`, so any change to server code, pages or islands restarts it and rebuilds, and
 * open pages reload themselves once it is back.
 */
import { buildIslands, enableDevReload } from "./lib/web/mod.ts";
import { main } from "./main.ts";

enableDevReload();
await buildIslands();
await main(Deno.args, Deno.env.toObject());
