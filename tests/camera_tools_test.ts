/**
 * The settings page's camera tools on a real server: "test this source" answers the demo's
 * frame or ffmpeg's error; tuning answers the draft detector's mask at detection size; and
 * cameras added, changed and removed through PUT /api/config start and stop their ffmpeg
 * while the others keep theirs.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { login, signedInApi, startVigil } from "./helpers/server.ts";
import type { VigilProcess } from "./helpers/server.ts";
import { captureFfmpegPids } from "./helpers/procs.ts";
import { waitFor } from "./helpers/wait.ts";

/** signedInApi() that POSTs `body` as JSON when there is one. */
function api(vigil: VigilProcess, cookie: string) {
  const fetchAs = signedInApi(vigil, cookie);
  return (path: string, body?: unknown, init: RequestInit = {}) =>
    fetchAs(path, {
      method: body === undefined ? "GET" : "POST",
      ...init,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** Width and height from a PNG's IHDR. */
function pngSize(png: Uint8Array): [number, number] {
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
  const v = new DataView(png.buffer, png.byteOffset);
  return [v.getUint32(16), v.getUint32(20)];
}

Deno.test("[e2e] POST /api/cameras/test-source: the demo answers a JPEG, a missing file 422 with ffmpeg's error", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const call = api(vigil, await login(vigil.url, vigil.password));
    const ok = await call("/api/cameras/test-source", { source: "demo", width: 320, height: 240 });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(ok.headers.get("content-type"), "image/jpeg");
    const jpeg = new Uint8Array(await ok.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.equal(ok.headers.get("x-source-width"), "320");

    const missing = "/nonexistent/vigil-test-source.mp4";
    const bad = await call("/api/cameras/test-source", { source: missing });
    assert.equal(bad.status, 422);
    const { error } = await bad.json();
    assert.match(error, /No such file or directory/, error);

    const refused = await call("/api/cameras/test-source", { source: "demo", inputArgs: ["-y"] });
    assert.equal(refused.status, 400);
    assert.deepEqual((await refused.json()).path, ["inputArgs"]);
    const foreign = await call("/api/cameras/test-source", { source: "demo" }, {
      headers: { origin: "http://evil.example" },
    });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    // No test capture is left running.
    await waitFor(() => captureFfmpegPids(vigil.pid).length === 1, 5000, "one capture ffmpeg");
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] POST /api/cameras/:id/tune answers the draft detector's mask PNG at detection size", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const call = api(vigil, await login(vigil.url, vigil.password));
    let res = await call("/api/cameras/cam1/tune", { minArea: 0.5 });
    for (let i = 0; res.status === 503 && i < 20; i++) { // the camera's first frame
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 500));
      res = await call("/api/cameras/cam1/tune", { minArea: 0.5 });
    }
    assert.equal(res.status, 200, await res.clone().text());
    const t = await res.json();
    assert.deepEqual([t.width, t.height], [320, 240]);
    assert.deepEqual(pngSize(Buffer.from(t.mask, "base64")), [320, 240]);
    assert.ok(t.frames >= 1);
    assert.equal(typeof t.score, "number");
    // Polled again, the same tuner has seen more frames.
    await waitFor(
      async () => {
        const again = await (await call("/api/cameras/cam1/tune", { minArea: 0.5 })).json();
        return again.frames > t.frames;
      },
      10_000,
      "more tuned frames",
    );
    const bad = await call("/api/cameras/cam1/tune", { minArea: "big" });
    assert.equal(bad.status, 400);
    const body = await bad.json();
    assert.deepEqual(body.path, ["detector", "minArea"], JSON.stringify(body));
    assert.match(body.error, /minArea/);
    const none = await call("/api/cameras/nope/tune", {});
    assert.equal(none.status, 404);
    await none.body?.cancel();
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] PUT /api/config adds, restarts and removes cameras; the others keep their ffmpeg; recording follows; a new allowedHosts asks for a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-config-" });
  const path = join(dir, "vigil.json");
  await Deno.writeTextFile(path, JSON.stringify({ cameras: [{ id: "a", source: "demo" }] }));
  const vigil = await startVigil({ source: null, args: ["--config", path] });
  try {
    const cookie = await login(vigil.url, vigil.password);
    const call = api(vigil, cookie);
    const put = async (file: unknown) => {
      const res = await call("/api/config", file, { method: "PUT" });
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
      return res;
    };
    await waitFor(() => captureFfmpegPids(vigil.pid).length === 1, 20_000, "camera a");
    const [a] = captureFfmpegPids(vigil.pid);

    await put({ cameras: [{ id: "a", source: "demo" }, { id: "b", source: "demo" }] });
    await waitFor(() => captureFfmpegPids(vigil.pid).length === 2, 20_000, "camera b");
    const b = captureFfmpegPids(vigil.pid).find((p) => p !== a)!;
    const health = await (await call("/api/health")).json();
    assert.deepEqual(health.cameras.map((c: { id: string }) => c.id), ["a", "b"]);

    // b's size changes: b gets a new ffmpeg, a keeps its own.
    const restart = await put({
      allowedHosts: ["vigil.example"],
      cameras: [{ id: "a", source: "demo" }, { id: "b", source: "demo", width: 320, height: 240 }],
    });
    assert.equal(restart.headers.get("x-vigil-restart-needed"), "allowedHosts");
    await waitFor(
      () => captureFfmpegPids(vigil.pid).length === 2 && !captureFfmpegPids(vigil.pid).includes(b),
      20_000,
      "b's new ffmpeg",
    );
    assert.ok(captureFfmpegPids(vigil.pid).includes(a), "a kept its ffmpeg");

    await put({ cameras: [{ id: "a", source: "demo" }] });
    await waitFor(() => captureFfmpegPids(vigil.pid).length === 1, 10_000, "b stopped");
    assert.deepEqual(captureFfmpegPids(vigil.pid), [a]);
    const after = await (await call("/api/health")).json();
    assert.deepEqual(after.cameras.map((c: { id: string }) => c.id), ["a"]);

    // Recording settings follow (a new recorder), the capture stays.
    assert.notEqual(after.cameras[0].recording?.state, "off");
    await put({ cameras: [{ id: "a", source: "demo", record: { mode: "off" } }] });
    const off = await (await call("/api/health")).json();
    assert.equal(off.cameras[0].recording?.state, "off");
    assert.deepEqual(captureFfmpegPids(vigil.pid), [a]);
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('[e2e] POST /api/cameras/test-source with a camera id uses that camera\'s stored password for "********"', async () => {
  // an HTTP "camera" that records the credentials ffmpeg sends, and answers 401 until they come
  const seen: string[] = [];
  const cam = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const auth = req.headers.get("authorization");
    if (auth) seen.push(atob(auth.replace(/^Basic /, "")));
    return auth
      ? new Response("no stream here", { status: 404 })
      : new Response("", { status: 401, headers: { "www-authenticate": 'Basic realm="cam"' } });
  });
  const dir = await Deno.makeTempDir({ prefix: "vigil-test-source-" });
  const source = (password: string) =>
    `http://viewer:${password}@127.0.0.1:${cam.addr.port}/video.mjpg`;
  const config = join(dir, "vigil.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({ cameras: [{ id: "gate", source: source("s3cret") }] }),
  );
  const vigil = await startVigil({ source: null, args: ["--config", config] });
  try {
    const call = api(vigil, await login(vigil.url, vigil.password));
    const shown = await (await call("/api/config")).json();
    assert.equal(shown.cameras[0].source, source("********"));
    seen.length = 0;
    const r = await call("/api/cameras/test-source", {
      camera: "gate",
      source: shown.cameras[0].source,
    });
    assert.equal(r.status, 422, "the stand-in camera has no stream");
    await r.body?.cancel();
    assert.ok(seen.includes("viewer:s3cret"), JSON.stringify(seen));
    assert.ok(!seen.some((s) => s.includes("********")), JSON.stringify(seen));
    // another camera's id does not lend its password
    seen.length = 0;
    const other = await call("/api/cameras/test-source", {
      camera: "nope",
      source: source("********"),
    });
    await other.body?.cancel();
    assert.ok(!seen.includes("viewer:s3cret"), JSON.stringify(seen));
  } finally {
    await vigil.close();
    await cam.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
