import assert from "node:assert/strict";
import { ADMIN, makeFixture, VIEWER } from "../tests/browser_fixtures.ts";
import { configEtag } from "../lib/config/file.ts";
import * as settings from "./settings.tsx";

function settingsProps(html: string): Record<string, unknown> {
  const m = html.match(
    /data-island="Settings" id="(island-\d+)"[\s\S]*?<script type="application\/json" id="\1-props">([\s\S]*?)<\/script>/,
  );
  assert.ok(m, "the Settings island with its props");
  return JSON.parse(m[2]);
}

Deno.test("GET /settings renders the Settings island for admins, with secrets masked", async () => {
  const fx = await makeFixture({
    cameras: [{ id: "front", name: "Front door", width: 640, height: 480 }],
    extra: (app, ctx) => settings.register(app, ctx),
  });
  try {
    const file = {
      cameras: [{ id: "front", name: "Front door", source: "rtsp://user:hunter2@cam.lan/live" }],
      mqtt: { url: "mqtt://broker.lan", password: "mqtt-secret-1" },
      webhooks: [{ url: "https://hooks.example/x", secret: "hook-secret-2" }],
      detector: { minArea: 0.5 },
    };
    fx.ctx.config.file = file;
    fx.ctx.config.overrides = [{ path: "port", by: "--port / PORT" }];
    fx.user = ADMIN;
    const res = await fx.app.request("/settings");
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const secret of ["hunter2", "mqtt-secret-1", "hook-secret-2"]) {
      assert.ok(!html.includes(secret), `${secret} never reaches the page`);
    }
    const props = settingsProps(html) as {
      file: typeof file;
      etag: string;
      fields: { path: string }[];
      overrides: { path: string; by: string; value?: unknown }[];
      cameras: { id: string; snapshot: string; width: number; height: number }[];
    };
    assert.equal(props.file.cameras[0].source, "rtsp://user:********@cam.lan/live");
    assert.equal(props.file.mqtt.password, "********");
    assert.equal(props.file.webhooks[0].secret, "********");
    assert.equal(props.file.detector.minArea, 0.5);
    assert.equal(props.etag, configEtag(file), "the version a save sends back as If-Match");
    assert.ok(props.fields.some((f) => f.path === "detector.minArea"), "the schema's docs");
    assert.deepEqual(props.overrides, [{ path: "port", by: "--port / PORT", value: 0 }]);
    assert.deepEqual(props.cameras, [
      {
        id: "front",
        name: "Front door",
        snapshot: "/api/cameras/front/snapshot",
        width: 640,
        height: 480,
      },
    ]);
    assert.match(html, /<a href="\/settings" aria-current="page">Settings<\/a>/);
    assert.doesNotMatch(html, /\sstyle="/, "no inline styles (the CSP forbids them)");

    fx.user = VIEWER;
    const denied = await fx.app.request("/settings");
    assert.equal(denied.status, 403);
    const deniedHtml = await denied.text();
    assert.ok(!deniedHtml.includes('data-island="Settings"'));
    assert.doesNotMatch(deniedHtml, /href="\/settings"/, "viewers have no Settings link");
  } finally {
    await fx.close();
  }
});
