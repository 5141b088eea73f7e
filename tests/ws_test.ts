import assert from "node:assert/strict";
import {
  frame,
  rawUpgrade,
  stalledClient,
  TestClient,
  USER_HEADER,
  withServer,
} from "./api_fixture.ts";
import type { TestServer } from "./api_fixture.ts";
import { sleep, waitFor } from "./helpers/wait.ts";

/**
 * Waits until the server has handled everything published so far, so a test can assert what
 * it did not send. The send loop runs in promise jobs: one timer turn lets it take and send what
 * waits on the bus. Then a status message goes through the same socket, behind anything sent
 * before it (frames wait behind queued messages, so it is published only after that turn).
 */
async function drained(s: TestServer, c: TestClient, camera = "cam1"): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
  const message = `drained ${crypto.randomUUID()}`;
  s.bus.publish({ type: "status", camera, state: "running", message, ts: 0 });
  await c.take((m) => m.kind === "text" && m.data.message === message, 5000, "the drain marker");
}

Deno.test("/ws sends hello (cameras included) and the camera's status on connect", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(s.wsUrl);
    const hello = await c.text("hello");
    assert.equal(hello.camera, "cam1", "defaults to the first camera");
    assert.equal(hello.mode, "detect", "defaults to detect");
    assert.deepEqual((hello.cameras as { id: string }[]).map((x) => x.id), ["cam1", "cam2"]);
    assert.equal(hello.user, "t");
    const status = await c.text("status");
    assert.equal(status.camera, "cam1");
    assert.equal(status.state, "running");
    // the client is registered with who and where it is
    const [info] = s.clients.list();
    assert.equal(info.user, "t");
    assert.equal(info.address, "127.0.0.1");
    assert.equal(info.mode, "detect");
    assert.equal(info.camera, "cam1");
    assert.equal(info.id, hello.clientId);
    await c.close();
    await waitFor(() => s.clients.size === 0, 5000, "the client to be removed on close");
    await waitFor(() => s.bus.size === 0, 5000, "the client to unsubscribe on close");
  });
});

Deno.test("/ws?camera=cam2&mode=live is honoured in hello", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?camera=cam2&mode=live`);
    const hello = await c.text("hello");
    assert.equal(hello.camera, "cam2");
    assert.equal(hello.mode, "live");
    await c.close();
  });
});

Deno.test("/ws sends a heartbeat within 2 s while nothing else is sent", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(s.wsUrl);
    const hello = await c.text("hello");
    // the interval is announced, within the documented 2 s; the wall-clock spacing on a
    // loaded machine is not asserted here (the timeouts below only catch a hang)
    const every = hello.heartbeatMs as number;
    assert.ok(every > 0 && every <= 2000, `heartbeatMs ${every}`);
    const beat = await c.text("heartbeat", 10_000);
    assert.equal(typeof beat.ts, "number");
    const beat2 = await c.text("heartbeat", 10_000);
    // by the server's clock: no sooner than announced after the last send
    assert.ok(
      (beat2.ts as number) - (beat.ts as number) >= every,
      `heartbeats ${beat.ts} and ${beat2.ts} closer than ${every} ms`,
    );
    assert.deepEqual(
      c.received.filter((m) => !(m.kind === "text" && m.data.type === "status")),
      [],
      "nothing but heartbeats (and the status on connect) was sent",
    );
    await c.close();
  });
});

Deno.test("/ws in detect mode sends only this camera's motion frames, framed as documented", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?mode=detect`);
    await c.text("hello");
    s.bus.publish(frame("cam1", 1001, false)); // not motion
    s.bus.publish(frame("cam2", 1002, true)); // other camera
    // frames are latest-wins per camera: let a wrongly accepted 1001 go out before 1003
    await drained(s, c);
    const f = frame("cam1", 1003, true, 5000);
    s.bus.publish(f);
    const got = await c.binary();
    assert.deepEqual(got.header, {
      camera: "cam1",
      ts: 1003,
      boxes: [[10, 20, 30, 40]],
      eventId: 7,
      score: 1.25,
      motion: true,
    });
    assert.deepEqual(got.jpeg, f.jpeg);
    assert.equal(c.binaries().length, 0, "nothing else was sent as binary");
    await c.close();
  });
});

Deno.test("/ws forwards motion, event and status messages of its camera as JSON", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(s.wsUrl);
    await c.text("hello");
    await c.text("status");
    s.bus.publish({ type: "event", phase: "start", camera: "cam2", eventId: 1, ts: 5 });
    s.bus.publish({ type: "event", phase: "start", camera: "cam1", eventId: 2, ts: 6 });
    s.bus.publish({
      type: "motion",
      camera: "cam1",
      ts: 7,
      eventId: 2,
      score: 3.5,
      boxes: [[1, 2, 3, 4]],
      zones: ["door"],
    });
    s.bus.publish({
      type: "status",
      camera: "cam1",
      state: "stalled",
      message: "no frames",
      ts: 8,
    });
    assert.deepEqual(await c.text("event"), {
      type: "event",
      phase: "start",
      camera: "cam1",
      eventId: 2,
      ts: 6,
    });
    assert.deepEqual(await c.text("motion"), {
      type: "motion",
      camera: "cam1",
      ts: 7,
      eventId: 2,
      score: 3.5,
      boxes: [[1, 2, 3, 4]],
      zones: ["door"],
    });
    assert.deepEqual(await c.text("status"), {
      type: "status",
      camera: "cam1",
      state: "stalled",
      message: "no frames",
      ts: 8,
    });
    // cam2's event was published first: had it been sent, it came before cam1's status
    assert.ok(
      !c.received.some((m) => m.kind === "text" && m.data.camera === "cam2"),
      "no message of another camera",
    );
    await c.close();
  });
});

Deno.test("/ws records each frame's time from arrival to send (for /api/stats)", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?mode=live`);
    await c.text("hello");
    const before = s.clients.sendLatency.summary().samples;
    // arrived 40 ms ago; a frame without an arrival time (a test's) records nothing
    s.bus.publish({ ...frame("cam1", 3001, false), arrivedAt: performance.now() - 40 });
    await c.binary();
    s.bus.publish(frame("cam1", 3002, false));
    await c.binary();
    const after = s.clients.sendLatency.summary();
    assert.equal(after.samples, before + 1);
    // at least the 40 ms it had waited; the upper bound catches a clock mix-up (an epoch time
    // in place of performance.now()), not a slow machine
    assert.ok(after.max >= 40 && after.max < 60_000, `latency ${after.max} ms`);
    await c.close();
  });
});

Deno.test("/ws in live mode sends every frame of its camera", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?mode=live`);
    await c.text("hello");
    s.bus.publish(frame("cam1", 2001, false));
    assert.equal((await c.binary()).header.ts, 2001);
    s.bus.publish(frame("cam2", 2002, false));
    await drained(s, c);
    s.bus.publish(frame("cam1", 2003, true));
    const got = await c.binary();
    assert.equal(got.header.ts, 2003);
    assert.equal(got.header.motion, true);
    assert.equal(c.binaries().length, 0);
    await c.close();
  });
});

Deno.test("/ws in off mode sends no frames but still events", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?mode=off`);
    await c.text("hello");
    s.bus.publish(frame("cam1", 3001, true));
    await drained(s, c);
    s.bus.publish(frame("cam1", 3002, false));
    await drained(s, c);
    s.bus.publish({ type: "event", phase: "end", camera: "cam1", eventId: 2, ts: 3003 });
    await c.text("event");
    assert.equal(c.binaries().length, 0);
    await c.close();
  });
});

Deno.test("/ws switches mode on {type:'mode'} and acknowledges it", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(`${s.wsUrl}?mode=off`);
    const hello = await c.text("hello");
    c.send(JSON.stringify({ type: "mode", mode: "live" }));
    assert.deepEqual(await c.text("mode"), { type: "mode", camera: "cam1", mode: "live" });
    assert.equal(s.clients.get(hello.clientId as string)?.mode, "live");
    s.bus.publish(frame("cam1", 4001, false));
    assert.equal((await c.binary()).header.ts, 4001);

    c.send(JSON.stringify({ type: "mode", mode: "detect" }));
    await c.text("mode");
    s.bus.publish(frame("cam1", 4002, false));
    await drained(s, c);
    s.bus.publish(frame("cam1", 4003, true));
    assert.equal((await c.binary()).header.ts, 4003);

    c.send(JSON.stringify({ type: "mode", mode: "off" }));
    await c.text("mode");
    s.bus.publish(frame("cam1", 4004, true));
    await drained(s, c);
    assert.equal(c.binaries().length, 0);
    assert.equal(s.clients.get(hello.clientId as string)?.mode, "off");
    await c.close();
  });
});

Deno.test("/ws answers malformed messages with an error and stays connected", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(s.wsUrl);
    await c.text("hello");
    const bad: (string | Uint8Array<ArrayBuffer>)[] = [
      "not json",
      "",
      "[1,2]",
      "null",
      "42",
      '"mode"',
      "{}",
      '{"type":"subscribe"}',
      '{"type":"mode"}',
      '{"type":"mode","mode":"fast"}',
      '{"type":"mode","mode":["live"]}',
      '{"type":{"x":1}}',
      '{"type":"mode","mode":"live"', // truncated
      new Uint8Array([1, 2, 3]),
      "\u0000\uffff",
    ];
    for (const msg of bad) {
      c.send(msg);
      const err = await c.text("error");
      assert.equal(typeof err.message, "string");
      assert.ok((err.message as string).length > 5);
    }
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.send('{"type":"mode","mode":"live"}');
    assert.equal((await c.text("mode")).mode, "live");
    await c.close();
  });
});

Deno.test("/ws closes with 1009 on a client message over 4 KiB", async () => {
  await withServer(async (s) => {
    for (const big of ["x".repeat(5000), "é".repeat(2100), new Uint8Array(5000)]) {
      const c = await TestClient.connect(s.wsUrl);
      await c.text("hello");
      c.send(big as string);
      const ev = await c.closed;
      assert.equal(ev.code, 1009);
    }
    await waitFor(() => s.clients.size === 0, 5000, "the closed clients to be removed");
    // 4 KiB exactly is fine
    const ok = await TestClient.connect(s.wsUrl);
    await ok.text("hello");
    ok.send(JSON.stringify({ type: "mode", mode: "live", pad: "x".repeat(4096 - 40) }));
    await ok.text("mode");
    await ok.close();
  });
});

Deno.test("/ws refuses unauthenticated (401), foreign origins (403) and bad parameters (400)", async () => {
  await withServer(async (s) => {
    const none = await rawUpgrade(s.port, "/ws", {});
    assert.equal(none.status, 401);
    assert.ok(JSON.parse(none.body).error);
    const foreign = await rawUpgrade(s.port, "/ws", {
      ...USER_HEADER,
      Origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    const nullOrigin = await rawUpgrade(s.port, "/ws", { ...USER_HEADER, Origin: "null" });
    assert.equal(nullOrigin.status, 403);
    const crossSite = await rawUpgrade(s.port, "/ws", {
      ...USER_HEADER,
      "Sec-Fetch-Site": "cross-site",
    });
    assert.equal(crossSite.status, 403);
    const own = await rawUpgrade(s.port, "/ws", { ...USER_HEADER, Origin: s.url });
    assert.equal(own.status, 101);
    for (const q of ["?mode=fast", "?camera=nope", "?camera=../x", "?mode=", "?camera=CAM1"]) {
      const r = await rawUpgrade(s.port, `/ws${q}`, USER_HEADER);
      assert.equal(r.status, 400, q);
      assert.match(JSON.parse(r.body).error, /mode|camera/);
    }
    const plain = await fetch(`${s.url}/ws`, { headers: USER_HEADER });
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
    // The WebSocket API just fails for a refused upgrade.
    await assert.rejects(TestClient.connect(s.wsUrl, {}));
    // only the accepted upgrade (101) registered a client, and its connection is closed
    await waitFor(() => s.clients.size === 0, 5000, "no client left registered");
  });
});

Deno.test("/ws closes a client whose bus queue overflows (1013) and cleans up", async () => {
  await withServer(async (s) => {
    const c = await TestClient.connect(s.wsUrl);
    await c.text("hello");
    // More queued messages in one go than the subscriber may hold.
    for (let i = 0; i < 100; i++) {
      s.bus.publish({ type: "event", phase: "start", camera: "cam1", eventId: i, ts: i });
    }
    const ev = await c.closed;
    assert.equal(ev.code, 1013);
    assert.match(ev.reason, /too slow/);
    await waitFor(() => s.clients.size === 0, 5000, "the client to be removed");
    await waitFor(() => s.bus.size === 0, 5000, "the client to unsubscribe");
  }, { ws: { maxQueue: 16 } });
});

Deno.test("/ws skips frames for a stalled client instead of queueing them", async () => {
  await withServer(async (s) => {
    const conn = await stalledClient(s.port, "/ws?mode=live");
    try {
      await waitFor(() => s.clients.size === 1, 5000, "the client to register");
      const size = 256 * 1024;
      for (let i = 0; i < 200; i++) {
        s.bus.publish(frame("cam1", 10_000 + i, false, size));
        await sleep(5); // pacing: frames are latest-wins, each one gets its turn to be sent
      }
      // the counts reach the registry on the client's next timer tick
      await waitFor(
        () => (s.clients.list()[0]?.framesSkipped ?? 0) > 0 || s.clients.size === 0,
        10_000,
        "skipped frames to be counted",
      );
      const [info] = s.clients.list();
      assert.ok(info, "the stalled client is still connected (text is small)");
      assert.ok(info.framesSkipped! > 0, `skipped ${info.framesSkipped}`);
      // What was handed to the socket is bounded: kernel buffers + the skip threshold.
      assert.ok(
        info.framesSent! * size < 16 * 1024 * 1024,
        `${info.framesSent} frames of 256 KiB were queued`,
      );
    } finally {
      conn.close();
    }
    await waitFor(() => s.clients.size === 0, 5000, "the client to be removed");
  });
});

Deno.test("/ws drops a client whose unsent data passes the drop bound", async () => {
  await withServer(async (s) => {
    const conn = await stalledClient(s.port, "/ws?mode=live");
    try {
      await waitFor(() => s.clients.size === 1, 5000, "the client to register");
      for (let i = 0; i < 400 && s.clients.size > 0; i++) {
        s.bus.publish(frame("cam1", 20_000 + i, false, 256 * 1024));
        await sleep(5); // pacing, as above
      }
      assert.equal(s.clients.size, 0, "the slow client was dropped");
      assert.equal(s.bus.size, 0);
    } finally {
      conn.close();
    }
  }, { ws: { skipFramesAboveBytes: 64 * 1024 * 1024, dropAboveBytes: 2 * 1024 * 1024 } });
});
