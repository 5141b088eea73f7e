/**
 * End to end through the real server (`main.ts` in a subprocess) with a real ffmpeg demo
 * scene: login, the WebSocket in detect mode, stored events, and bad input.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";

interface Received {
  texts: Record<string, unknown>[];
  frames: {
    header: { camera: string; ts: number; boxes: number[][] };
    jpeg: Uint8Array;
  }[];
}

function openSocket(url: string, cookie: string, mode = "detect", camera?: string) {
  const query = new URLSearchParams({ mode, ...(camera ? { camera } : {}) });
  const ws = openWebSocket(`${url.replace(/^http/, "ws")}/ws?${query}`, {
    cookie,
    origin: url,
  });
  const got: Received = { texts: [], frames: [] };
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      got.texts.push(JSON.parse(e.data));
      return;
    }
    const buf = new Uint8Array(e.data as ArrayBuffer);
    const n = new DataView(buf.buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    got.frames.push({ header, jpeg: buf.subarray(4 + n) });
  };
  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("WebSocket failed to open"));
  });
  const closed = new Promise((resolve) => ws.onclose = resolve);
  return { ws, got, opened, closed };
}

async function until(what: string, ok: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("[e2e] demo scene motion reaches a logged-in WebSocket client with its box and is stored", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const cookie = await login(vigil.url, vigil.password);
    const { ws, got, opened, closed } = openSocket(vigil.url, cookie);
    await opened;
    await until("hello", () => got.texts.some((m) => m.type === "hello"));
    const hello = got.texts.find((m) => m.type === "hello")!;
    assert.equal(hello.mode, "detect");
    assert.equal(hello.camera, "cam1");

    await until("a motion frame", () => got.frames.length > 0, 30_000);
    const frame = got.frames[0];
    assert.equal(frame.header.camera, "cam1");
    assert.ok(frame.header.boxes.length > 0, "a motion frame carries boxes");
    for (const [x, y, w, h] of frame.header.boxes) {
      assert.ok(
        x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 640 && y + h <= 480,
      );
    }
    assert.deepEqual(
      [...frame.jpeg.subarray(0, 2)],
      [0xff, 0xd8],
      "JPEG bytes follow the header",
    );
    assert.ok(got.texts.some((m) => m.type === "motion"));
    assert.ok(got.texts.some((m) => m.type === "event" && m.phase === "start"));
    ws.close();
    await closed;

    // The event is in the index, with the analysed frame stored.
    let events: { id: number; frames: number; thumbnail: string }[] = [];
    await until("a stored event", () => events.length > 0, 10_000).catch(
      () => {},
    );
    const deadline = Date.now() + 10_000;
    while (events.length === 0 && Date.now() < deadline) {
      const res = await fetch(`${vigil.url}/api/events`, {
        headers: { cookie },
      });
      events = await res.json();
      if (events.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(events.length > 0, "an event was stored");
    const res = await fetch(`${vigil.url}/api/events/${events[0].id}/frames`, {
      headers: { cookie },
    });
    const frames = await res.json();
    assert.ok(frames.length > 0);
    const img = await fetch(`${vigil.url}${frames[0].url}`, {
      headers: { cookie },
    });
    assert.equal(img.status, 200);
    assert.deepEqual([
      ...new Uint8Array(await img.arrayBuffer()).subarray(0, 2),
    ], [0xff, 0xd8]);

    const health = await (await fetch(`${vigil.url}/api/health`)).json();
    assert.equal(health.status, "ok");
    assert.equal(health.cameras[0].state, "running");
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] without a session: pages redirect to /login, the API and /ws answer 401", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    for (const path of ["/", "/history", "/alarm", "/admin/clients"]) {
      const res = await fetch(`${vigil.url}${path}`, { redirect: "manual" });
      await res.body?.cancel();
      assert.equal(res.status, 303, path);
      assert.match(res.headers.get("location") ?? "", /^\/login/, path);
    }
    for (
      const path of [
        "/api/events",
        "/api/events/1/frames",
        "/frames/cam1/x.jpg",
        "/ws",
      ]
    ) {
      const res = await fetch(`${vigil.url}${path}`);
      await res.body?.cancel();
      assert.equal(res.status, 401, path);
    }
    const bad = await fetch(`${vigil.url}/login`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: vigil.url,
      },
      body: new URLSearchParams({ username: "admin", password: "wrong" }),
      redirect: "manual",
    });
    await bad.body?.cancel();
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("set-cookie"), null);
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] malformed WebSocket messages get an error reply and the connection stays up", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const cookie = await login(vigil.url, vigil.password);
    const { ws, got, opened, closed } = openSocket(vigil.url, cookie, "off");
    await opened;
    for (
      const bad of [
        "not json",
        "{}",
        '{"type":"mode","mode":"fast"}',
        "[1,2]",
        '{"type":"x"}',
      ]
    ) {
      ws.send(bad);
    }
    await until(
      "5 error replies",
      () => got.texts.filter((m) => m.type === "error").length >= 5,
    );
    ws.send(JSON.stringify({ type: "mode", mode: "live" }));
    await until(
      "live frames after the mode switch",
      () => got.frames.length > 0,
    );
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    await closed;
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] a missing ffmpeg leaves the server up and says how to install it", async () => {
  const vigil = await startVigil({
    source: "demo",
    env: { PATH: "/nonexistent" },
  });
  try {
    let health: { status: string; cameras: { state: string }[] } | null = null;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      health = await (await fetch(`${vigil.url}/api/health`)).json();
      if (health!.cameras[0].state === "failed") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(health!.status, "degraded");
    assert.equal(health!.cameras[0].state, "failed");
    const cookie = await login(vigil.url, vigil.password);
    const { ws, got, opened, closed } = openSocket(vigil.url, cookie);
    await opened;
    await until(
      "a status message",
      () => got.texts.some((m) => m.type === "status"),
    );
    const status = got.texts.find((m) => m.type === "status")!;
    assert.match(String(status.message), /ffmpeg/i);
    assert.match(String(status.message), /apt/);
    // …and the person who started Vigil reads it on the terminal.
    assert.match(vigil.output(), /vigil: camera cam1: .*ffmpeg.*apt/);
    ws.close();
    await closed;
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] an unknown flag stops Vigil with a clear message and exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "--frobnicate"],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr);
  assert.match(err, /frobnicate/);
  assert.match(err, /Usage/);
});

Deno.test("[e2e] without VIGIL_ADMIN_PASSWORD a password is generated, printed once, and works", async () => {
  const vigil = await startVigil({ source: "demo", password: false });
  try {
    const m = vigil.output().match(/created user 'admin' with password (\S+)/);
    assert.ok(m, vigil.output());
    await login(vigil.url, m[1]);
  } finally {
    await vigil.close();
  }
});

Deno.test("[e2e] --config runs several cameras; a broken one does not stop the others", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-config-" });
  const config = `${dir}/vigil.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      detector: { minFrames: 2 },
      cameras: [
        { id: "yard", name: "Yard", source: "demo" },
        { id: "garage", name: "Garage", source: "/dev/video99" },
      ],
    }),
  );
  // --source would replace the file's cameras, so start without one.
  const vigil = await startVigil({ source: null, args: ["--config", config] });
  try {
    const deadline = Date.now() + 20_000;
    let states: Record<string, string> = {};
    while (Date.now() < deadline) {
      const health = await (await fetch(`${vigil.url}/api/health`)).json();
      states = Object.fromEntries(
        health.cameras.map((c: { id: string; state: string }) => [c.id, c.state]),
      );
      if (states.yard === "running" && states.garage === "failed") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(states, { yard: "running", garage: "failed" });

    const cookie = await login(vigil.url, vigil.password);
    const garage = openSocket(vigil.url, cookie, "detect", "garage");
    await garage.opened;
    await until("garage status", () => garage.got.texts.some((m) => m.type === "status"));
    const hello = garage.got.texts.find((m) => m.type === "hello")!;
    assert.equal(hello.camera, "garage");
    assert.deepEqual((hello.cameras as { id: string }[]).map((c) => c.id), ["yard", "garage"]);
    const status = garage.got.texts.find((m) => m.type === "status")!;
    assert.match(String(status.message), /video99/);
    garage.ws.close();
    await garage.closed;

    const yard = openSocket(vigil.url, cookie, "live", "yard");
    await yard.opened;
    await until("yard frames", () => yard.got.frames.length >= 3);
    assert.ok(yard.got.frames.every((f) => f.header.camera === "yard"));
    yard.ws.close();
    await yard.closed;
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[e2e] logging out closes that session's open WebSocket", async () => {
  const vigil = await startVigil({ source: "demo" });
  try {
    const cookie = await login(vigil.url, vigil.password);
    const { ws, opened, closed } = openSocket(vigil.url, cookie, "off");
    await opened;
    const res = await fetch(`${vigil.url}/logout`, {
      method: "POST",
      headers: { cookie, origin: vigil.url },
      redirect: "manual",
    });
    await res.body?.cancel();
    assert.equal(res.status, 303);
    const event = await Promise.race([
      closed as Promise<CloseEvent>,
      new Promise<null>((r) => setTimeout(() => r(null), 8_000)),
    ]);
    assert.ok(event, "the socket was closed within 8 s");
    assert.equal(event.code, 1008);
    assert.equal(ws.readyState, WebSocket.CLOSED);
  } finally {
    await vigil.close();
  }
});
