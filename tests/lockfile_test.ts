/**
 * Deno installs every npm package listed in `deno.lock` before it runs anything (`deno task`,
 * `deno run`, `deno bundle`), whether the program imports it or not. So `deno.lock` must hold
 * only what the server and the island bundles import (deno.json's `imports`): then a fresh
 * `deno task start` downloads the server's packages (46 with mqtt's), not the 74 it did with the test
 * tools in it.
 * Test-only packages (playwright-core, rtsp-streaming-server) are imported by full `npm:`
 * specifiers and locked in `tests/deno.lock`, which `deno task test` passes with `--lock`.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, { integrity?: string; dependencies?: string[] }>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as T;
}

/** `@scope/name@1.2.3_peer@4` → `@scope/name`. */
function packageName(key: string): string {
  return key.slice(0, key.indexOf("@", 1));
}

/** The lock's npm entries reachable from `specifiers`. */
function reachable(lock: Lock, specifiers: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = specifiers.map((s) => `${packageName(s.slice(4))}@${lock.specifiers[s]}`);
  while (stack.length) {
    const key = stack.pop()!;
    if (seen.has(key)) continue;
    assert.ok(lock.npm[key], `${key} is in the lock's npm section`);
    seen.add(key);
    for (const dep of lock.npm[key].dependencies ?? []) {
      if (lock.npm[dep]) stack.push(dep);
      else stack.push(...Object.keys(lock.npm).filter((k) => packageName(k) === dep));
    }
  }
  return seen;
}

Deno.test("deno.lock holds only the packages deno.json imports (what `deno task start` downloads)", async () => {
  const config = await readJson<{ imports: Record<string, string> }>("deno.json");
  const lock = await readJson<Lock>("deno.lock");
  const imports = new Set(Object.values(config.imports).filter((v) => v.startsWith("npm:")));
  for (const spec of Object.keys(lock.specifiers)) {
    assert.ok(
      imports.has(spec),
      `deno.lock lists ${spec}, which deno.json's imports do not: every program would download ` +
        `it. A test-only package is imported by its full npm: specifier and locked in ` +
        `tests/deno.lock (run tests with --lock=tests/deno.lock, as \`deno task test\` does); ` +
        `restore deno.lock with \`git checkout deno.lock\`.`,
    );
  }
  const used = reachable(lock, Object.keys(lock.specifiers));
  const orphans = Object.keys(lock.npm).filter((k) => !used.has(k));
  assert.deepEqual(orphans, [], "deno.lock holds packages nothing imports");
  // mqtt is a runtime dependency again (lib/notify), so it belongs here
  for (const banned of ["playwright-core", "rtsp-streaming-server"]) {
    assert.ok(!Object.keys(lock.npm).some((k) => packageName(k) === banned), banned);
  }
});

Deno.test("tests/deno.lock locks the server's packages exactly as deno.lock does", async () => {
  const root = await readJson<Lock>("deno.lock");
  const tests = await readJson<Lock>("tests/deno.lock");
  for (const [spec, version] of Object.entries(root.specifiers)) {
    assert.equal(tests.specifiers[spec], version, spec);
  }
  for (const [key, entry] of Object.entries(root.npm)) {
    assert.equal(tests.npm[key]?.integrity, entry.integrity, key);
  }
});
