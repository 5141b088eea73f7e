import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppContext, AppEnv, CameraInfo } from "../../lib/context.ts";
import { login, startVigil } from "../../tests/helpers/server.ts";
import { register } from "./health.ts";

const SOURCE = "rtsp://admin:hunter2@cam1.lan:554/stream1";
const FAILED_MESSAGE = "rtsp://cam1.lan:554/stream1 refused the credentials (401/403: " +
  "put the right user and password in the URL, before the host: user:password@host) — ffmpeg: " +
  "rtsp://cam1.lan:554/stream1: Server returned 401 Unauthorized (retrying in 2 s)";

function info(id: string, over: Partial<CameraInfo> & { error?: string[] }): CameraInfo {
  return {
    id,
    name: id,
    state: "running",
    message: "running: 640x480, detection 320x240, camera JPEGs passed through",
    fps: 15,
    width: 640,
    height: 480,
    lastMotion: null,
    ...over,
  };
}

/** The health route alone; `x-test-user: 1` stands for a signed-in session. */
function app(cameras: CameraInfo[]): Hono<AppEnv> {
  const ctx = {
    config: { cameras: cameras.map((c) => ({ id: c.id, source: SOURCE })) },
    cameras: { list: () => cameras, get: (id: string) => cameras.find((c) => c.id === id) },
  } as unknown as AppContext;
  const hono = new Hono<AppEnv>();
  hono.use(async (c, next) => {
    c.set("user", c.req.header("x-test-user") ? { id: 1, username: "t", role: "admin" } : null);
    await next();
  });
  register(hono, ctx);
  return hono;
}

const door = info("door", {
  state: "failed",
  fps: 0,
  message: FAILED_MESSAGE,
  // As a registry might hand them over: one line still carries the password.
  error: [
    "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
    `${SOURCE}: Server returned 401 Unauthorized`,
  ],
});
const garage = info("garage", { error: ["[mjpeg @ 0x2] unable to decode APP fields"] });

Deno.test("GET /api/health without a session: state and a short message, no address, no ffmpeg lines", async () => {
  const res = await app([door, garage]).request("/api/health");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const text = await res.text();
  assert.doesNotMatch(text, /hunter2|cam1\.lan|stream1|ffmpeg:|Server returned/);
  assert.deepEqual(JSON.parse(text), {
    status: "degraded",
    cameras: [
      {
        id: "door",
        state: "failed",
        fps: 0,
        message: "the RTSP stream refused the credentials (401/403: put the right user and " +
          "password in the URL, before the host: user:password@host) (retrying in 2 s)",
      },
      {
        id: "garage",
        state: "running",
        fps: 15,
        message: "running: 640x480, detection 320x240, camera JPEGs passed through",
      },
    ],
    storage: { status: "ok" },
  });
});

Deno.test("GET /api/health signed in: the whole message and ffmpeg's last lines, redacted, when failed", async () => {
  const res = await app([door, garage]).request("/api/health", { headers: { "x-test-user": "1" } });
  const body = await res.json();
  assert.doesNotMatch(JSON.stringify(body), /hunter2/);
  assert.deepEqual(body.cameras[0], {
    id: "door",
    state: "failed",
    fps: 0,
    message: FAILED_MESSAGE,
    error: [
      "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
      "rtsp://***@cam1.lan:554/stream1: Server returned 401 Unauthorized",
    ],
  });
  // A running camera's stderr chatter is not an error.
  assert.equal("error" in body.cameras[1], false);
  assert.equal(res.headers.get("vary"), "Cookie");
});

Deno.test("GET /api/health: all running is ok; at most 5 error lines of at most 300 characters", async () => {
  const ok = await (await app([garage]).request("/api/health")).json();
  assert.equal(ok.status, "ok");
  const noisy = info("noisy", {
    state: "stalled",
    error: [...Array(9).keys()].map((i) => `line ${i} ${"x".repeat(400)}`),
  });
  const body = await (await app([noisy]).request("/api/health", {
    headers: { "x-test-user": "1" },
  })).json();
  assert.equal(body.cameras[0].error.length, 5);
  assert.match(body.cameras[0].error[0], /^line 4 x+$/);
  assert.equal(body.cameras[0].error[0].length, 300);
});

Deno.test("[e2e] /api/health of a real server with a failing RTSP camera: public vs signed in", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close(); // nothing listens there: connection refused
  const vigil = await startVigil({ source: `rtsp://vigil:s3cret@127.0.0.1:${port}/cam` });
  try {
    let pub: { cameras: { state: string; message: string; error?: string[] }[] } | null = null;
    for (let i = 0; i < 50; i++) {
      pub = await (await fetch(`${vigil.url}/api/health`)).json();
      if (pub!.cameras[0].state === "failed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cam = pub!.cameras[0];
    assert.equal(cam.state, "failed");
    assert.match(cam.message, /^Cannot connect to the RTSP stream: connection refused/);
    assert.equal(cam.error, undefined);
    assert.doesNotMatch(JSON.stringify(pub), /s3cret|127\.0\.0\.1|ffmpeg:/);

    const cookie = await login(vigil.url, vigil.password);
    const signed = await (await fetch(`${vigil.url}/api/health`, { headers: { cookie } })).json();
    const full = signed.cameras[0];
    assert.match(full.message, /^Cannot connect to rtsp:\/\/127\.0\.0\.1:\d+\/cam:/);
    assert.doesNotMatch(JSON.stringify(signed), /s3cret/);
    assert.ok(full.error?.length > 0, `ffmpeg's last lines: ${JSON.stringify(full)}`);
    assert.ok(full.error.some((l: string) => /refused/i.test(l)), full.error.join("\n"));
    for (const line of full.error) assert.doesNotMatch(line, /s3cret/);
  } finally {
    await vigil.close();
  }
});
