/**
 * GET/PUT /api/config on a real server (main.ts) with the demo camera: a change applies live
 * (same ffmpeg), is written to the file and survives a restart; bad values, viewers, foreign
 * origins and stale versions change nothing; secrets round-trip masked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, openWebSocket, signedInApi, startVigil } from "./helpers/server.ts";
import type { VigilProcess } from "./helpers/server.ts";
import { captureFfmpegPids } from "./helpers/procs.ts";
import { waitFor } from "./helpers/wait.ts";

const FULL_FRAME = [[0, 0], [640, 0], [640, 480], [0, 480]];

/** A config file with one demo camera, in a new temporary folder; returns its path. */
async function configFile(json: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-config-" });
  const path = join(dir, "vigil.json");
  await Deno.writeTextFile(path, JSON.stringify(json, null, 2));
  return path;
}

const DEMO_FILE = {
  cameras: [{ id: "door", name: "Door", source: "demo" }],
  detector: { eventGapMs: 1000 },
  mqtt: { url: "mqtt://127.0.0.1:1", username: "vigil", password: "hunter2-stored" },
};

const PASSWORD = "admin-pass-" + crypto.randomUUID();

async function startWith(path: string, dataDir?: string): Promise<VigilProcess> {
  return await startVigil({ source: null, args: ["--config", path], dataDir, password: PASSWORD });
}

/** The frames' scores a live WebSocket sees, with when they arrived. */
function watchScores(vigil: VigilProcess, cookie: string) {
  const seen: { at: number; score: number; motion: boolean }[] = [];
  const texts: { at: number; type: string }[] = [];
  const ws = openWebSocket(`${vigil.url.replace(/^http/, "ws")}/ws?mode=live&camera=door`, {
    cookie,
    origin: vigil.url,
  });
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      texts.push({ at: Date.now(), type: JSON.parse(e.data).type });
      return;
    }
    const buf = new Uint8Array(e.data as ArrayBuffer);
    const n = new DataView(buf.buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    seen.push({ at: Date.now(), score: header.score, motion: header.motion });
  };
  const closed = new Promise((resolve) => ws.onclose = resolve);
  return {
    seen,
    texts,
    close: async () => {
      ws.close();
      await closed;
    },
  };
}

Deno.test("[e2e] PUT /api/config: a full-frame mask stops the demo camera's motion at once, same ffmpeg, and survives a restart", async () => {
  const path = await configFile(DEMO_FILE);
  const dataDir = await Deno.makeTempDir({ prefix: "vigil-test-" });
  let vigil = await startWith(path, dataDir);
  try {
    const cookie = await login(vigil.url, vigil.password);
    const call = signedInApi(vigil, cookie);
    const scores = watchScores(vigil, cookie);
    // Motion first (the demo object crossing), so the test can fail.
    await waitFor(() => scores.seen.some((f) => f.score > 0), 30_000, "motion in the demo");
    const pids = captureFfmpegPids(vigil.pid);
    assert.equal(pids.length, 1, `one capture ffmpeg: ${pids}`);

    const got = await call("/api/config");
    assert.equal(got.status, 200);
    const etag = got.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const file = await got.json();
    file.cameras[0].detector = { masks: [FULL_FRAME] };
    const put = await call("/api/config", {
      method: "PUT",
      headers: { "if-match": etag },
      body: JSON.stringify(file),
    });
    assert.equal(put.status, 200, await put.clone().text());
    const appliedAt = Date.now();
    assert.notEqual(put.headers.get("etag"), etag);
    assert.equal(put.headers.get("x-vigil-restart-needed"), null);
    assert.deepEqual((await put.json()).cameras[0].detector.masks, [FULL_FRAME]);

    // Every frame after the answer is analysed with the mask: over a whole demo period
    // (11 s: one crossing) not one frame has a score, and the open event ends.
    const from = scores.seen.length;
    await waitFor(() => Date.now() - appliedAt > 12_000, 20_000, "a demo period");
    const after = scores.seen.slice(from).filter((f) => f.at > appliedAt);
    assert.ok(after.length > 100, `frames kept coming (${after.length})`);
    assert.deepEqual(after.filter((f) => f.score > 0 || f.motion), []);
    assert.deepEqual(
      scores.texts.filter((t) => t.type === "motion" && t.at > appliedAt + 100),
      [],
    );
    assert.deepEqual(captureFfmpegPids(vigil.pid), pids, "the same ffmpeg captures");
    await scores.close();

    // Written to the file (with the stored password, never the mask), the old one kept as .bak.
    const written = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(written.cameras[0].detector.masks, [FULL_FRAME]);
    assert.equal(written.mqtt.password, "hunter2-stored");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path + ".bak")), DEMO_FILE);

    // The audit log names who changed what.
    assert.match(vigil.output(), /config_changed by="admin".*changed cameras \(door\)/);

    await vigil.close();
    vigil = await startWith(path, dataDir);
    const again = await signedInApi(vigil, await login(vigil.url, vigil.password))("/api/config");
    assert.deepEqual((await again.json()).cameras[0].detector.masks, [FULL_FRAME]);
  } finally {
    await vigil.close();
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(join(path, ".."), { recursive: true });
  }
});

Deno.test("[e2e] PUT /api/config refuses bad values (400 with the path), viewers, foreign origins and stale versions, and changes nothing", async () => {
  const path = await configFile(DEMO_FILE);
  const vigil = await startWith(path);
  try {
    const cookie = await login(vigil.url, vigil.password);
    const call = signedInApi(vigil, cookie);
    const before = await Deno.readFile(path);
    const got = await call("/api/config");
    const etag = got.headers.get("etag")!;
    const file = await got.json();
    // Secrets are masked.
    assert.equal(file.mqtt.password, "********");
    assert.doesNotMatch(JSON.stringify(file), /hunter2/);

    const bad = structuredClone(file);
    bad.cameras[1] = { id: "door", source: "demo" };
    const r400 = await call("/api/config", {
      method: "PUT",
      headers: { "if-match": etag },
      body: JSON.stringify(bad),
    });
    assert.equal(r400.status, 400);
    const body = await r400.json();
    assert.deepEqual(body.path, ["cameras", 1, "id"], JSON.stringify(body));
    assert.match(body.error, /door/);
    const range = structuredClone(file);
    range.cameras[0].detector = { minArea: 500 };
    const r400b = await call("/api/config", {
      method: "PUT",
      headers: { "if-match": etag },
      body: JSON.stringify(range),
    });
    assert.equal(r400b.status, 400);
    const b2 = await r400b.json();
    assert.deepEqual(b2.path, ["cameras", 0, "detector", "minArea"], JSON.stringify(b2));
    assert.match(b2.error, /^cameras\[0\]\.detector\.minArea: /);
    const notJson = await call("/api/config", { method: "PUT", body: "{" });
    assert.equal(notJson.status, 400);
    assert.deepEqual((await notJson.json()).path, []);

    // A viewer: 403, for both.
    const add = await fetch(`${vigil.url}/admin/users`, {
      method: "POST",
      headers: {
        cookie,
        origin: vigil.url,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        username: "watcher",
        password: "watcher-pass-1",
        role: "viewer",
      }),
      redirect: "manual",
    });
    await add.body?.cancel();
    const viewer = signedInApi(vigil, await login(vigil.url, "watcher-pass-1", "watcher"));
    const vGet = await viewer("/api/config");
    assert.equal(vGet.status, 403);
    await vGet.body?.cancel();
    const vPut = await viewer("/api/config", { method: "PUT", body: JSON.stringify(file) });
    assert.equal(vPut.status, 403);
    await vPut.body?.cancel();

    // A foreign Origin: 403.
    const foreign = await call("/api/config", {
      method: "PUT",
      headers: { origin: "http://evil.example" },
      body: JSON.stringify(file),
    });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();

    assert.deepEqual(await Deno.readFile(path), before, "the file's bytes are unchanged");
    await assert.rejects(Deno.stat(path + ".bak"), Deno.errors.NotFound);
    const still = await call("/api/config");
    assert.equal(still.headers.get("etag"), etag);
    await still.body?.cancel();

    // Two saves of the same version: one wins, the other gets 409 with the current ETag.
    const edit = (name: string) => {
      const f = structuredClone(file);
      f.cameras[0].name = name;
      return call("/api/config", {
        method: "PUT",
        headers: { "if-match": etag },
        body: JSON.stringify(f),
      });
    };
    const [a, b] = await Promise.all([edit("Front door"), edit("Back door")]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    const conflict = await lost.json();
    assert.match(conflict.error, /changed by someone else/);
    assert.equal(conflict.etag, won.headers.get("etag"));
    const saved = await won.json();
    const written = JSON.parse(await Deno.readTextFile(path));
    assert.equal(written.cameras[0].name, saved.cameras[0].name);
    // The masked password sent back kept the stored one.
    assert.equal(written.mqtt.password, "hunter2-stored");
    assert.equal(saved.mqtt.password, "********");
    const page = await (await call("/")).text();
    assert.ok(page.includes(saved.cameras[0].name), "the new name is live");
  } finally {
    await vigil.close();
    await Deno.remove(join(path, ".."), { recursive: true });
  }
});

Deno.test("[e2e] started without --config, PUT /api/config writes DATA/vigil.json", async () => {
  const vigil = await startVigil({ source: null });
  try {
    const call = signedInApi(vigil, await login(vigil.url, vigil.password));
    const got = await call("/api/config");
    assert.deepEqual(await got.json(), {});
    const put = await call("/api/config", {
      method: "PUT",
      headers: { "if-match": got.headers.get("etag")! },
      body: JSON.stringify({ retention: { maxAgeDays: 3 } }),
    });
    assert.equal(put.status, 200, await put.clone().text());
    await put.body?.cancel();
    const written = JSON.parse(await Deno.readTextFile(join(vigil.dataDir, "vigil.json")));
    assert.deepEqual(written, { retention: { maxAgeDays: 3 } });
  } finally {
    await vigil.close();
  }
});
