import assert from "node:assert/strict";
import { Hono } from "hono";
import type { User } from "../../lib/auth/mod.ts";
import { Bus } from "../../lib/bus/mod.ts";
import type { AppContext, AppEnv, CameraInfo } from "../../lib/context.ts";
import { answerErrors } from "../../lib/web/mod.ts";
import { register } from "./cameras.ts";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

function setup() {
  const bus = new Bus();
  const cameras: CameraInfo[] = ["front", "yard"].map((id) => ({
    id,
    name: id,
    state: "running",
    message: "",
    fps: 15,
    width: 320,
    height: 240,
    lastMotion: null,
  }));
  const ctx = {
    bus,
    cameras: {
      list: () => cameras.map((c) => ({ ...c })),
      get: (id: string) => cameras.find((c) => c.id === id),
    },
  } as unknown as AppContext;
  let user: User | null = { id: 1, username: "watcher", role: "viewer" } as User;
  const app = new Hono<AppEnv>();
  answerErrors(app);
  app.use(async (c, next) => {
    c.set("user", user);
    await next();
  });
  register(app, ctx);
  return {
    app,
    bus,
    signOut: () => user = null,
    publish: (camera: string, ts: number, jpeg = JPEG) =>
      bus.publish({
        type: "frame",
        camera,
        ts,
        jpeg,
        boxes: [],
        motion: false,
        eventId: null,
        score: 0,
      }),
  };
}

Deno.test("GET /api/cameras/:id/snapshot answers 401 JSON without a session", async () => {
  const t = setup();
  t.publish("front", Date.now());
  t.signOut();
  const res = await t.app.request("/api/cameras/front/snapshot");
  assert.equal(res.status, 401);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.ok((await res.json()).error);
});

Deno.test("GET /api/cameras/:id/snapshot: 404 for unknown or malformed camera ids", async () => {
  const t = setup();
  for (const id of ["nope", "FRONT", "a%20b", "..%2Ffront", "x".repeat(40)]) {
    const res = await t.app.request(`/api/cameras/${id}/snapshot`);
    assert.equal(res.status, 404, id);
    const body = await res.json();
    assert.match(body.error, /no camera .*known: front, yard/, id);
  }
  // a path that leaves the route is the app's plain 404
  assert.equal((await t.app.request("/api/cameras/../snapshot")).status, 404);
});

Deno.test("GET /api/cameras/:id/snapshot: 503 with Retry-After before the first frame", async () => {
  const t = setup();
  t.publish("yard", Date.now()); // another camera's frame does not count
  const res = await t.app.request("/api/cameras/front/snapshot");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "2");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match((await res.json()).error, /no frame from camera front yet \(it is running\)/);
});

Deno.test("GET /api/cameras/:id/snapshot: 200 image/jpeg, the latest frame, never cached", async () => {
  const t = setup();
  const ts = Date.now() - 1500;
  t.publish("front", ts - 100, new Uint8Array([0xff, 0xd8, 0]));
  t.publish("front", ts);
  const res = await t.app.request("/api/cameras/front/snapshot");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/jpeg");
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("content-length"), String(JPEG.length));
  assert.equal(res.headers.get("x-frame-ts"), String(ts));
  const age = Number(res.headers.get("x-frame-age-ms"));
  assert.ok(age >= 1500 && age < 10_000, `age ${age}`);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), JPEG);
  // a newer frame replaces it at once
  t.publish("front", ts + 1000, new Uint8Array([0xff, 0xd8, 7]));
  const next = await t.app.request("/api/cameras/front/snapshot");
  assert.deepEqual([...new Uint8Array(await next.arrayBuffer())], [0xff, 0xd8, 7]);
});
