import assert from "node:assert/strict";
import { buildIslands, contentHash, islandNames, islandsFresh } from "./build.ts";
import { assetManifest, assetUrl, HASHED_NAME } from "./assets.ts";

const OUT = new URL("../../static/islands/", import.meta.url);

Deno.test("buildIslands() bundles the runtime, every island and uPlot's CSS, named by content; then skips", async () => {
  await buildIslands();
  assert.ok(await islandsFresh());
  const names = await islandNames();
  for (const n of ["Alarm", "FrameViewer", "Timeline", "Viewer"]) assert.ok(names.includes(n), n);
  const manifest = assetManifest();
  const file = (name: string) => {
    assert.ok(manifest[name], `${name} is in the manifest`);
    assert.match(manifest[name], HASHED_NAME, `${name} is named after its content`);
    assert.equal(assetUrl(name), `/static/islands/${manifest[name]}`);
    return new URL(manifest[name], OUT);
  };
  const client = await Deno.readTextFile(file("lib/web/client.js"));
  assert.match(client, /export\s*\{[^}]*boot/);
  for (const n of names) {
    const js = await Deno.readTextFile(file(`islands/${n}.js`));
    assert.match(js, /export\s*\{[^}]*as default/, `${n}.js exports its component`);
    // Preact lives in a shared chunk, not in each island: one Preact per page
    assert.match(js, /from"\.\.\/chunk-[A-Z0-9]+\.js"/, `${n}.js imports the shared chunk`);
    assert.doesNotMatch(js, /__H|__hooks/, `${n}.js holds no copy of preact/hooks`);
  }
  const css = await Deno.readTextFile(file("lib/web/uplot_css.css"));
  assert.match(css, /\.uplot/);
  // nothing left under its unhashed name; the name is the content's
  for (const [name, hashed] of Object.entries(manifest)) {
    await assert.rejects(Deno.stat(new URL(name, OUT)), Deno.errors.NotFound, name);
    const bytes = await Deno.readFile(new URL(hashed, OUT));
    assert.ok(hashed.includes(`-${await contentHash(bytes)}.`), `${hashed} matches its bytes`);
  }

  // a fresh build is skipped: nothing is bundled or written (its time: deno task bench timings)
  const stamp = new URL(".stamp", OUT);
  const before = (await Deno.stat(stamp)).mtime?.getTime();
  const log: string[] = [];
  await buildIslands({ log: (line) => log.push(line) });
  assert.deepEqual(log, ["islands: up to date"]);
  assert.equal((await Deno.stat(stamp)).mtime?.getTime(), before, "the build stamp was rewritten");
});
