/**
 * @module
 * `deno task dev`: builds the island bundles, then runs Vigil. The task runs this file with
 * `--watch`, so any change to server code, pages or islands restarts it and rebuilds.
 */
import { buildIslands } from "./lib/web/build.ts";
import { main } from "./main.ts";

await buildIslands();
await main(Deno.args, Deno.env.toObject());
