import assert from "node:assert/strict";
import { makeFixture } from "../tests/browser_fixtures.ts";

const THREE = [
  { id: "front", name: "Front door", lastMotion: 1_700_000_000_000 },
  { id: "yard", name: "Back yard" },
  { id: "garage", name: "Garage", state: "failed" as const, message: "ffmpeg not found" },
];

function islands(html: string): string[] {
  return [...html.matchAll(/data-island="(\w+)"/g)].map((m) => m[1]);
}

Deno.test("GET / with several cameras renders their grid: a link per camera", async () => {
  const fx = await makeFixture({ cameras: THREE });
  try {
    for (const path of ["/", "/?camera=nope", "/?mode=live"]) {
      const html = await (await fx.app.request(path)).text();
      assert.deepEqual(islands(html), ["CameraGrid"], path);
      // without JavaScript: one link per camera, with its name and state
      const links = [...html.matchAll(/<a class="tile-link" href="([^"]+)">/g)].map((m) => m[1]);
      assert.deepEqual(links, ["/?camera=front", "/?camera=yard", "/?camera=garage"], path);
      for (const name of ["Front door", "Back yard", "Garage"]) {
        assert.match(html, new RegExp(name));
      }
      assert.match(html, /data-testid="tile-state">failed</);
      // the full-screen buttons wait for the browser to say it can
      assert.match(html, /<button type="button" class="fs-btn" hidden/);
      assert.doesNotMatch(html, /\sstyle="/, "no inline styles (CSP)");
    }
  } finally {
    await fx.close();
  }
});

Deno.test("GET /?camera=ID shows that camera alone; one camera needs no grid", async () => {
  const fx = await makeFixture({ cameras: THREE });
  try {
    const html = await (await fx.app.request("/?camera=yard&mode=live")).text();
    assert.deepEqual(islands(html), ["Viewer"]);
    assert.match(html, /<a class="btn btn-ghost back" href="\/"[^>]*>.*All cameras<\/a>/);
    assert.match(html, /<title>Back yard/);
  } finally {
    await fx.close();
  }
  const one = await makeFixture({ cameras: [{ id: "front", name: "Front door" }] });
  try {
    const html = await (await one.app.request("/")).text();
    assert.deepEqual(islands(html), ["Viewer"]);
    assert.doesNotMatch(html, /All cameras/);
  } finally {
    await one.close();
  }
});
