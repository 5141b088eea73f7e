import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { assetUrl, island, renderPage, serializeProps } from "./mod.ts";

function Hello(props: { name: string; n: number }) {
  return <p class="hello">Hello {props.name} #{props.n}</p>;
}
const HelloIsland = island(Hello, "Hello");

function app(body: () => preact.VNode, user: AppEnv["Variables"]["user"] = null) {
  const a = new Hono<AppEnv>();
  a.use("*", async (c, next) => {
    c.set("user", user);
    c.set("nonce", "abc123");
    await next();
  });
  a.get("/", (c) => renderPage(c, body(), { title: "T" }));
  return a;
}

Deno.test("serializeProps() escapes what could close the script tag", () => {
  const evil = { s: "</script><script>alert(1)</script>", t: "<!-- x -->", u: "a\u2028b&" };
  const json = serializeProps(evil);
  assert.doesNotMatch(json, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(json), evil);
  assert.throws(() => serializeProps(() => 1), TypeError);
});

Deno.test("island() marks the component and its props; renderPage() adds one nonce'd boot script", async () => {
  const res = await app(() => (
    <div>
      <HelloIsland name="</script><b>x</b>" n={1} />
      <HelloIsland name="two" n={2} />
    </div>
  )).request("/");
  const html = await res.text();
  assert.match(
    html,
    /<div class="island" data-island="Hello" id="island-0" data-src="\/static\/islands\/islands\/Hello(-[A-Z0-9]{8})?\.js"><p class="hello">Hello &lt;\/script>&lt;b>x&lt;\/b> #1<\/p><\/div><script type="application\/json" id="island-0-props">/,
  );
  assert.match(html, /id="island-1"/);
  const props = [...html.matchAll(/id="island-\d-props">(.*?)<\/script>/g)].map((m) =>
    JSON.parse(m[1])
  );
  assert.deepEqual(props, [{ name: "</script><b>x</b>", n: 1 }, { name: "two", n: 2 }]);
  const scripts = [...html.matchAll(/<script type="module" nonce="abc123">(.*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  // the runtime by its content-hashed URL (see static_test.ts)
  assert.equal(scripts[0][1], `import{boot}from"${assetUrl("lib/web/client.js")}";boot();`);
  assert.equal([...html.matchAll(/<script/g)].length, 3, "two data blocks and one boot script");
});

Deno.test("renderPage() leaves out the boot script without islands or times and shows the nav by role", async () => {
  const viewer = { id: 2, username: "bob", role: "viewer" as const };
  let html = await (await app(() => <p>plain</p>, viewer as never).request("/")).text();
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /<title>T · Vigil<\/title>/);
  assert.match(html, /<a href="\/history">History<\/a>/);
  assert.doesNotMatch(html, /Admin/);
  html = await (await app(() => <p>plain</p>, { ...viewer, role: "admin" } as never).request("/"))
    .text();
  assert.match(html, /<a href="\/admin\/users">Admin<\/a>/);
  html = await (await app(() => <p>plain</p>).request("/")).text();
  assert.doesNotMatch(html, /Log out/, "no nav or logout without a user");
});

Deno.test("island() refuses names that are not PascalCase file names", () => {
  assert.throws(() => island(Hello, "../evil"), RangeError);
  assert.throws(() => island(Hello, "hello"), RangeError);
});
