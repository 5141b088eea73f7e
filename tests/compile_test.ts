/**
 * `deno task compile` builds one binary with the static files and island bundles inside.
 * `deno compile` downloads Deno's runtime (denort) from Deno's servers; where that host cannot
 * be reached, this test is reported as ignored and says why.
 */
import assert from "node:assert/strict";
import { buildIslands } from "../lib/web/build.ts";

const ROOT = new URL("../", import.meta.url);
const outDir = await Deno.makeTempDir({ prefix: "vigil-compile-" });
const binary = `${outDir}/vigil`;

async function compile(): Promise<string | null> {
  await buildIslands();
  // The same command as the `compile` task, writing to a temporary folder.
  const task = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks.compile;
  const args = task.split("&&").pop().trim().split(/\s+/).slice(1)
    .map((a: string, i: number, all: string[]) => all[i - 1] === "--output" ? binary : a);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stderr: "piped",
  }).output();
  if (out.success) return null;
  const err = new TextDecoder().decode(out.stderr);
  if (/error sending request|dns error|failed to lookup|Connect/i.test(err)) {
    return "deno compile could not download Deno's runtime (denort): no route to dl.deno.land";
  }
  throw new Error(`deno compile failed:\n${err}`);
}

const skipped = await compile();
if (skipped) {
  console.log(`compile_test: skipped: ${skipped}`);
  await Deno.remove(outDir, { recursive: true });
}

Deno.test({
  name: `[e2e] deno task compile makes one binary that serves pages and island bundles${
    skipped ? ` (skipped: ${skipped})` : ""
  }`,
  ignore: skipped !== null,
  async fn() {
    const dataDir = `${outDir}/data`;
    const child = new Deno.Command(binary, {
      args: ["--port", "0", "--host", "127.0.0.1", "--data", dataDir, "--source", "demo"],
      cwd: outDir, // not the repo: the files must come from inside the binary
      env: { VIGIL_ADMIN_PASSWORD: "compile-test-password" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      let text = "";
      const reader = child.stdout.getReader();
      const decoder = new TextDecoder();
      while (!/listening on (\S+)/.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`binary exited:\n${text}`);
        text += decoder.decode(value, { stream: true });
      }
      reader.releaseLock();
      const url = text.match(/listening on (\S+)/)![1];
      const scripts = [
        "/static/islands/lib/web/client.js",
        "/static/islands/islands/Viewer.js",
        "/static/islands/islands/Timeline.js",
      ];
      for (const path of ["/api/health", "/login", "/static/app.css", ...scripts]) {
        const res = await fetch(`${url}${path}`);
        const body = await res.text();
        assert.equal(res.status, 200, path);
        if (path.endsWith(".js")) assert.match(body, /import|export/, `${path} is a module`);
      }
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel();
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
