import assert from "node:assert/strict";
import { staticFileUrl } from "./static.ts";

Deno.test("staticFileUrl() maps a plain path under static/", () => {
  const url = staticFileUrl("/static/app.css");
  assert.ok(url?.href.endsWith("/static/app.css"));
  assert.ok(staticFileUrl("/static/islands/Viewer.js")?.href.endsWith("/static/islands/Viewer.js"));
});

Deno.test("staticFileUrl() refuses every way out of static/", () => {
  for (
    const path of [
      "/static/../deno.json",
      "/static/%2e%2e/deno.json",
      "/static/%2E%2E%2Fdeno.json",
      "/static/islands/../../main.ts",
      "/static/..%5cmain.ts",
      "/static/a%00.css",
      "/static/.hidden.css",
      "/static//etc/passwd",
      "/static/",
      "/static/%E0%A4%A",
    ]
  ) {
    assert.equal(staticFileUrl(path), null, path);
  }
});
