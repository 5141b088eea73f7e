import assert from "node:assert/strict";
import { buildIslands, islandNames, islandsFresh } from "./build.ts";

const OUT = new URL("../../static/islands/", import.meta.url);

Deno.test("buildIslands() bundles the runtime, every island and uPlot's CSS; then skips", async () => {
  await buildIslands();
  assert.ok(await islandsFresh());
  const names = await islandNames();
  for (const n of ["Alarm", "FrameViewer", "Timeline", "Viewer"]) assert.ok(names.includes(n), n);
  const client = await Deno.readTextFile(new URL("lib/web/client.js", OUT));
  assert.match(client, /export\s*\{[^}]*boot/);
  for (const n of names) {
    const js = await Deno.readTextFile(new URL(`islands/${n}.js`, OUT));
    assert.match(js, /export\s*\{[^}]*as default/, `${n}.js exports its component`);
    // Preact lives in a shared chunk, not in each island: one Preact per page
    assert.match(js, /from"\.\.\/chunk-[A-Z0-9]+\.js"/, `${n}.js imports the shared chunk`);
    assert.doesNotMatch(js, /__H|__hooks/, `${n}.js holds no copy of preact/hooks`);
  }
  const css = await Deno.readTextFile(new URL("lib/web/uplot_css.css", OUT));
  assert.match(css, /\.uplot/);

  // a fresh build is skipped: nothing is bundled or written (its time: deno task bench timings)
  const stamp = new URL(".stamp", OUT);
  const before = (await Deno.stat(stamp)).mtime?.getTime();
  const log: string[] = [];
  await buildIslands({ log: (line) => log.push(line) });
  assert.deepEqual(log, ["islands: up to date"]);
  assert.equal((await Deno.stat(stamp)).mtime?.getTime(), before, "the build stamp was rewritten");
});
