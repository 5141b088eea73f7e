/**
 * PUT /api/config through the real app (app.ts, real Auth and Store) with random bodies: never
 * a 500, a 400 always names a path and leaves the file's bytes as they were, and no answer
 * holds a stored secret. The PRNG is seeded (FUZZ_SEED overrides).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rng } from "../../tests/helpers/rng.ts";
import { ADMIN_PASSWORD, loginToken, makeTestApp, send } from "../../tests/security_app.ts";
import type { TestApp } from "../../tests/security_app.ts";
import { resolveConfig } from "../../lib/config/mod.ts";
import { describeChange } from "./config.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261203);

const VALID = {
  detector: { minArea: 0.05 },
  cameras: [
    { id: "door", name: "Door", source: "rtsp://cam:hunter2-cam@192.0.2.9/live" },
    { id: "yard", source: "demo", detector: { masks: [[[0, 0], [10, 0], [10, 10]]] } },
  ],
  retention: { maxAgeDays: 7 },
  mqtt: { url: "mqtt://192.0.2.1:1883", username: "v", password: "hunter2-mqtt" },
  webhooks: [{ url: "https://hooks.example/x", secret: "hunter2-hook" }],
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function randomJson(r: () => number, depth = 0): Json {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const kind = depth > 3 ? Math.floor(r() * 4) : Math.floor(r() * 6);
  switch (kind) {
    case 0:
      return pick([null, true, false]);
    case 1:
      return pick([0, -1, 1.5, 1e308, 100, 101, 65536, 8000, -0.5]);
    case 2:
      return pick(["", "demo", "********", "x".repeat(300), "__proto__", "rtsp://a:b@c/d"]);
    case 3:
      return pick([[], {}]);
    case 4:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default: {
      const keys = [
        "port",
        "cameras",
        "detector",
        "retention",
        "mqtt",
        "webhooks",
        "record",
        "id",
        "source",
        "minArea",
        "masks",
        "password",
        "secret",
        "url",
        "notify",
        "bogus",
      ];
      const out: Record<string, Json> = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) out[pick(keys)] = randomJson(r, depth + 1);
      return out;
    }
  }
}

/** A valid file with one value somewhere replaced by random JSON. */
function mutate(r: () => number): Json {
  const file = structuredClone(VALID) as unknown as Json;
  let node = file as Record<string, Json>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(r() * keys.length)];
    const child = node[key];
    if (r() < 0.35 || typeof child !== "object" || child === null) {
      node[key] = randomJson(r);
      break;
    }
    node = child as Record<string, Json>;
  }
  return file;
}

async function withApp(fn: (t: TestApp, token: string, path: string) => Promise<void>) {
  const t = await makeTestApp();
  try {
    const path = join(t.dataDir, "vigil.json");
    await Deno.writeTextFile(path, JSON.stringify(VALID));
    t.ctx.config = resolveConfig(VALID, t.ctx.config.startup);
    await fn(t, await loginToken(t, "admin", ADMIN_PASSWORD), path);
  } finally {
    await t.close();
  }
}

Deno.test("PUT /api/config with 400 random bodies: 200 or 400 with a path, never a 500 or a secret", async () => {
  await withApp(async (t, token, path) => {
    const r = rng(SEED);
    const seen = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const body = i % 2 ? randomJson(r) : mutate(r);
      const before = await Deno.readFile(path);
      const res = await send(t, "/api/config", {
        method: "PUT",
        cookie: token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      const what = `case ${i} (FUZZ_SEED=${SEED}): ${
        JSON.stringify(body).slice(0, 300)
      } → ${res.status} ${text.slice(0, 300)}`;
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      assert.ok(res.status === 200 || res.status === 400, what);
      assert.doesNotMatch(text, /hunter2/, what);
      if (res.status === 400) {
        assert.ok(Array.isArray(JSON.parse(text).path), what);
        assert.deepEqual(await Deno.readFile(path), before, `file changed: ${what}`);
      }
    }
    assert.deepEqual(t.errors, [], "nothing logged as an error");
    assert.ok((seen.get(200) ?? 0) > 10 && (seen.get(400) ?? 0) > 100, JSON.stringify([...seen]));
  });
});

Deno.test("PUT /api/config: a 415 without JSON; describeChange names keys and cameras, not values", async () => {
  await withApp(async (t, token) => {
    const res = await send(t, "/api/config", {
      method: "PUT",
      cookie: token,
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    assert.equal(res.status, 415);
    await res.body?.cancel();
  });
  const after = structuredClone(VALID) as Record<string, unknown>;
  (after.mqtt as Record<string, unknown>).password = "new-secret";
  (after.cameras as unknown[]).splice(1, 1, { id: "gate", source: "demo" });
  const detail = describeChange(VALID, after);
  assert.equal(detail, "changed mqtt, cameras (+gate -yard)");
  assert.doesNotMatch(detail, /secret/);
  assert.equal(describeChange(VALID, VALID), "saved without changes");
});
