import assert from "node:assert/strict";
import { parseFrame, type ServerMessage } from "../protocol.ts";
import { LiveSocket, socketUrl } from "./live_socket.ts";

function frameBytes(header: unknown, jpeg: number[]): ArrayBuffer {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + h.length + jpeg.length);
  new DataView(out.buffer).setUint32(0, h.length, false);
  out.set(h, 4);
  out.set(jpeg, 4 + h.length);
  return out.buffer;
}

Deno.test("parseFrame() splits the length-prefixed JSON header from the JPEG", () => {
  const { header, jpeg } = parseFrame(
    frameBytes({ camera: "a", ts: 5, boxes: [[1, 2, 3, 4]] }, [0xff, 0xd8, 9]),
  );
  assert.deepEqual(header, { camera: "a", ts: 5, boxes: [[1, 2, 3, 4]] });
  assert.deepEqual([...jpeg], [0xff, 0xd8, 9]);
});

Deno.test("parseFrame() throws a TypeError on malformed frames", () => {
  assert.throws(() => parseFrame(new ArrayBuffer(2)), TypeError);
  const bad = new Uint8Array(8);
  new DataView(bad.buffer).setUint32(0, 100);
  assert.throws(() => parseFrame(bad.buffer), TypeError);
  assert.throws(() => parseFrame(frameBytes({ ts: 1 }, [])), TypeError);
});

Deno.test("socketUrl() uses the page's origin and wss under https", () => {
  assert.equal(
    socketUrl({ protocol: "http:", host: "pi:8000" }, "front", "detect"),
    "ws://pi:8000/ws?camera=front&mode=detect",
  );
  assert.equal(
    socketUrl({ protocol: "https:", host: "x" }, "a b", "off"),
    "wss://x/ws?camera=a+b&mode=off",
  );
});

Deno.test("LiveSocket goes offline when the server goes quiet, and reconnects", async () => {
  let connections = 0;
  let quiet = false;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    connections++;
    const silent = quiet;
    socket.onopen = () => {
      if (!silent) {
        socket.send(JSON.stringify({ type: "hello", camera: "a", mode: "detect", cameras: [] }));
        socket.send(frameBytes({ camera: "a", ts: 1, boxes: [] }, [1, 2, 3]));
      }
    };
    return response;
  });
  const events: string[] = [];
  const messages: ServerMessage[] = [];
  let frames = 0;
  const { promise: offline, resolve: wentOffline } = Promise.withResolvers<void>();
  const { promise: back, resolve: cameBack } = Promise.withResolvers<void>();
  const sock = new LiveSocket({
    url: () => `ws://127.0.0.1:${server.addr.port}/ws`,
    staleMs: 300,
    backoffMs: 50,
    onMessage: (m) => messages.push(m),
    onFrame: () => frames++,
    onOnline: (on) => {
      events.push(on ? "online" : "offline");
      if (!on) wentOffline();
      if (on && events.length >= 3) cameBack();
    },
  });
  try {
    quiet = true;
    sock.start();
    // a server that accepts and never speaks: still offline, and the socket tries again
    await new Promise<void>((resolve) => {
      const t = setInterval(() => connections >= 2 && (clearInterval(t), resolve()), 10);
    });
    assert.equal(sock.online, false);
    assert.deepEqual(events, []);
    quiet = false;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => sock.online && (clearInterval(t), resolve()), 10);
    });
    assert.equal(messages[0]?.type, "hello");
    await new Promise<void>((resolve) => {
      const t = setInterval(() => frames > 0 && (clearInterval(t), resolve()), 10);
    });
    // that server sends nothing more: after staleMs the socket reports offline and reconnects
    await offline;
    await back;
    assert.deepEqual(events.slice(0, 3), ["online", "offline", "online"]);
    assert.ok(connections >= 4, `reconnected (${connections} connections)`);
  } finally {
    sock.stop();
    await server.shutdown();
  }
});

Deno.test("LiveSocket stops and calls onSessionEnded when the server closes with 1008", async () => {
  let connections = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    connections++;
    socket.onopen = () => socket.close(1008, "session ended: log in again");
    return response;
  });
  const { promise: ended, resolve } = Promise.withResolvers<void>();
  const sock = new LiveSocket({
    url: () => `ws://127.0.0.1:${server.addr.port}/ws`,
    onSessionEnded: resolve,
    backoffMs: 20,
  });
  try {
    sock.start();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      ended,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("onSessionEnded was not called")), 5000);
      }),
    ]).finally(() => clearTimeout(timer));
    await new Promise((r) => setTimeout(r, 150)); // several backoffs: no reconnect follows
    assert.equal(connections, 1);
    assert.equal(sock.online, false);
  } finally {
    sock.stop();
    await server.shutdown();
  }
});
