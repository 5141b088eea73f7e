/**
 * End to end through the real server (`main.ts` in a subprocess) with a real ffmpeg demo
 * scene: login, the WebSocket in detect mode, stored events, and bad input.
 */
import assert from "node:assert/strict";
import { login, startVigil } from "./helpers/server.ts";
import {
  assertDemoObjectBox,
  assertObjectInJpeg,
  openSocket,
  until,
} from "./helpers/demo_object.ts";

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

    // Wait for a frame with the whole object in view (not entering or leaving at an edge).
    const inView = (b: number[]) => b[0] > 8 && b[0] + b[2] < 632;
    await until(
      "a motion frame",
      () => got.frames.some((f) => f.header.boxes.some(inView)),
      30_000,
    );
    const frame = got.frames.find((f) => f.header.boxes.some(inView))!;
    assert.equal(frame.header.camera, "cam1");
    assert.deepEqual([...frame.jpeg.subarray(0, 2)], [0xff, 0xd8], "JPEG bytes follow the header");
    // The box is the demo's object (51×144 at y 221, in camera pixels) …
    const box = frame.header.boxes.find(inView)!;
    assertDemoObjectBox(box);
    // … and the JPEG sent with it shows the object exactly there: the analysed frame.
    await assertObjectInJpeg(frame.jpeg, box, "sent frame");
    assert.ok(got.texts.some((m) => m.type === "motion"));
    assert.ok(got.texts.some((m) => m.type === "event" && m.phase === "start"));
    ws.close();
    await closed;

    // The event is in the index, and each stored JPEG shows the object inside its boxes.
    let events: { id: number; frames: number; thumbnail: string }[] = [];
    const deadline = Date.now() + 10_000;
    while (events.length === 0 && Date.now() < deadline) {
      events = await (await fetch(`${vigil.url}/api/events`, { headers: { cookie } })).json();
      if (events.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(events.length > 0, "an event was stored");
    const res = await fetch(`${vigil.url}/api/events/${events[0].id}/frames`, {
      headers: { cookie },
    });
    const frames: { url: string; boxes: number[][] }[] = await res.json();
    const whole = frames.filter((f) => f.boxes.some(inView));
    assert.ok(whole.length > 0, `stored frames with the object in view: ${frames.length}`);
    for (const f of whole.slice(0, 5)) {
      const img = await fetch(`${vigil.url}${f.url}`, { headers: { cookie } });
      assert.equal(img.status, 200);
      await assertObjectInJpeg(
        new Uint8Array(await img.arrayBuffer()),
        f.boxes.find(inView)!,
        f.url,
      );
    }

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

Deno.test("[e2e] a data folder that cannot be made stops Vigil with one line and exit code 2", async () => {
  const file = await Deno.makeTempFile({ prefix: "vigil-not-a-folder-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "--port", "0", "--data", file, "--source", "demo"],
      cwd: new URL("../", import.meta.url),
      env: { VIGIL_ADMIN_PASSWORD: "a-long-enough-password" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2, err);
    assert.match(err, /^vigil: Cannot create the data folder .*\(pass another --data\)$/);
    assert.equal(err.split("\n").length, 1, "one line, no stack trace");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("[e2e] without VIGIL_ADMIN_PASSWORD a password is generated, printed once, and works", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "vigil-once-" });
  try {
    const first = await startVigil({ source: "demo", password: false, dataDir });
    const m = first.output().match(/created user 'admin' with password (\S+)/);
    try {
      assert.ok(m, first.output());
      await login(first.url, m[1]);
    } finally {
      await first.close();
    }
    // the next start finds the user: no new password, none printed, the first one still works
    const again = await startVigil({ source: "demo", password: false, dataDir });
    try {
      assert.doesNotMatch(again.output(), /password/i);
      assert.ok(!again.output().includes(m[1]), "the password is never printed again");
      await login(again.url, m[1]);
    } finally {
      await again.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
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
