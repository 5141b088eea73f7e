import assert from "node:assert/strict";
import { Hono } from "hono";
import { h } from "preact";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { register, SHORT, staticFileUrl } from "./static.ts";
import { buildIslands } from "../lib/web/build.ts";
import { assetManifest, assetUrl, island, renderPage } from "../lib/web/mod.ts";
import { negotiateEncoding } from "../lib/web/compress.ts";

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

// --- compression and caching (real files, the real route, in process) ---

const STATIC = new URL("../static/", import.meta.url);
const IMMUTABLE = "public, max-age=31536000, immutable";

function staticApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  register(app, {} as AppContext);
  return app;
}

Deno.test("negotiateEncoding() prefers br, then gzip, and honours q=0 and *", () => {
  assert.equal(negotiateEncoding(undefined), null);
  assert.equal(negotiateEncoding(""), null);
  assert.equal(negotiateEncoding("identity"), null);
  assert.equal(negotiateEncoding("gzip, deflate, br, zstd"), "br");
  assert.equal(negotiateEncoding("gzip"), "gzip");
  assert.equal(negotiateEncoding("br;q=0, gzip;q=0.5"), "gzip");
  assert.equal(negotiateEncoding("gzip;q=0, br;q=0"), null);
  assert.equal(negotiateEncoding("*"), "br");
  assert.equal(negotiateEncoding("*;q=0, gzip"), "gzip");
  assert.equal(negotiateEncoding("GZIP ; Q=1"), "gzip");
});

Deno.test("GET /static/app.css: gzip and br decode to the file, Vary is set, no Accept-Encoding gets it as it is", async () => {
  const app = staticApp();
  const file = await Deno.readFile(new URL("app.css", STATIC));

  const gz = await app.request("/static/app.css", { headers: { "accept-encoding": "gzip" } });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(gz.headers.get("vary"), "Accept-Encoding");
  assert.equal(gz.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(gz.headers.get("cache-control"), SHORT);
  const gzBody = new Uint8Array(await gz.arrayBuffer());
  assert.ok(gzBody.length < file.length / 2, `gzip: ${gzBody.length} of ${file.length} bytes`);
  assert.deepEqual(new Uint8Array(gunzipSync(gzBody)), file);

  const br = await app.request("/static/app.css", {
    headers: { "accept-encoding": "gzip, deflate, br" },
  });
  assert.equal(br.headers.get("content-encoding"), "br");
  assert.equal(br.headers.get("vary"), "Accept-Encoding");
  const brBody = new Uint8Array(await br.arrayBuffer());
  assert.deepEqual(new Uint8Array(brotliDecompressSync(brBody)), file);
  assert.notEqual(br.headers.get("etag"), gz.headers.get("etag"), "one ETag per encoding");

  for (const ae of [undefined, "identity", "gzip;q=0"]) {
    const plain = await app.request("/static/app.css", {
      headers: ae ? { "accept-encoding": ae } : {},
    });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("content-encoding"), null, `${ae}`);
    assert.equal(plain.headers.get("vary"), "Accept-Encoding");
    assert.deepEqual(new Uint8Array(await plain.arrayBuffer()), file);
  }

  // revalidation: the ETag of any encoding answers 304, with the caching headers
  for (const res of [gz, br]) {
    const again = await app.request("/static/app.css", {
      headers: { "accept-encoding": "gzip", "if-none-match": res.headers.get("etag")! },
    });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("vary"), "Accept-Encoding");
    assert.equal(again.headers.get("cache-control"), SHORT);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
  }
});

Deno.test("GET /static/icon.svg is not compressed when that would not make it smaller", async () => {
  const svg = await Deno.readFile(new URL("icon.svg", STATIC));
  const res = await staticApp().request("/static/icon.svg", {
    headers: { "accept-encoding": "br, gzip" },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.headers.get("content-encoding") === "br") {
    assert.deepEqual(new Uint8Array(brotliDecompressSync(body)), svg);
    assert.ok(body.length < svg.length);
  } else {
    assert.equal(res.headers.get("content-encoding"), null);
    assert.deepEqual(body, svg);
  }
  assert.equal(res.headers.get("content-type"), "image/svg+xml");
});

Deno.test("a rendered page's hashed bundle URLs answer 200 immutable; a stale hash 404s", async () => {
  await buildIslands();
  const Timeline = island((_: object) => h("p", null, "t"), "Timeline");
  const app = staticApp();
  app.get("/page", (c) => renderPage(c, h(Timeline, {}), { title: "T" }));
  const html = await (await app.request("/page")).text();
  const client = html.match(/import\{boot\}from"([^"]+)"/)?.[1];
  const island_ = html.match(/data-src="([^"]+)"/)?.[1];
  assert.ok(client && island_, html);
  assert.match(client, /^\/static\/islands\/lib\/web\/client-[A-Z0-9]{8}\.js$/);
  assert.match(island_, /^\/static\/islands\/islands\/Timeline-[A-Z0-9]{8}\.js$/);

  for (const url of [client, island_, assetUrl("lib/web/uplot_css.css")]) {
    const res = await app.request(url, { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.status, 200, url);
    assert.equal(res.headers.get("cache-control"), IMMUTABLE, url);
    assert.equal(res.headers.get("vary"), "Accept-Encoding");
    const text = new TextDecoder().decode(
      res.headers.get("content-encoding") === "gzip"
        ? gunzipSync(new Uint8Array(await res.arrayBuffer()))
        : new Uint8Array(await res.arrayBuffer()),
    );
    if (url.endsWith(".js")) {
      assert.match(text, /import|export/, `${url} is a module`);
      // the chunks it imports are named by content too, and served immutable
      for (const [, rel] of text.matchAll(/from"(\.{1,2}\/[^"]+\.js)"/g)) {
        const chunk = new URL(rel, `http://x${url}`).pathname;
        const r = await app.request(chunk);
        assert.equal(r.status, 200, chunk);
        assert.equal(r.headers.get("cache-control"), IMMUTABLE, chunk);
        await r.body?.cancel();
      }
    }
  }

  // a hash the build does not have (an old page, a guess) is a 404, never another file
  for (
    const stale of [
      client.replace(/-[A-Z0-9]{8}\.js$/, "-00000000.js"),
      "/static/islands/islands/Timeline-DEADBEEF.js",
      "/static/islands/chunk-ZZZZZZZZ.js",
    ]
  ) {
    const res = await app.request(stale);
    assert.equal(res.status, 404, stale);
    await res.body?.cancel();
  }

  // the logical (unhashed) name still answers, from the current file, revalidated
  const logical = await app.request("/static/islands/lib/web/uplot_css.css");
  assert.equal(logical.status, 200);
  assert.equal(logical.headers.get("cache-control"), SHORT);
  const hashedCss = assetManifest()["lib/web/uplot_css.css"];
  assert.equal(
    await logical.text(),
    await Deno.readTextFile(new URL(`islands/${hashedCss}`, STATIC)),
  );
});
