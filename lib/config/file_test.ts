import assert from "node:assert/strict";
import { join } from "node:path";
import { configEtag, configText, writeConfigFile } from "./file.ts";

Deno.test("writeConfigFile writes the JSON, keeps the previous file as .bak and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "vigil.json");
    await writeConfigFile(path, { port: 1 });
    assert.equal(await Deno.readTextFile(path), configText({ port: 1 }));
    await assert.rejects(Deno.stat(path + ".bak"), Deno.errors.NotFound);
    await writeConfigFile(path, { port: 2 });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { port: 2 });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path + ".bak")), { port: 1 });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, "secrets: owner only");
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["vigil.json", "vigil.json.bak"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeConfigFile that cannot write leaves the file's bytes as they were", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "vigil.json");
    await writeConfigFile(path, { port: 1 });
    const before = await Deno.readFile(path);
    // a folder where the .bak must go: the copy fails after the temporary file was written
    await Deno.mkdir(path + ".bak");
    await assert.rejects(writeConfigFile(path, { port: 2 }));
    assert.deepEqual(await Deno.readFile(path), before);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["vigil.json", "vigil.json.bak"], "no temporary file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("configEtag is a quoted 16-hex digest that changes with the JSON", () => {
  const a = configEtag({ cameras: [{ id: "a", source: "demo" }] });
  assert.match(a, /^"[0-9a-f]{16}"$/);
  assert.equal(a, configEtag({ cameras: [{ id: "a", source: "demo" }] }));
  assert.notEqual(a, configEtag({ cameras: [{ id: "b", source: "demo" }] }));
});
