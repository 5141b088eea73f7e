import assert from "node:assert/strict";
import RtspServerModule from "rtsp-streaming-server";
import { CameraCapture } from "../lib/capture/mod.ts";
import { background, freePort, LIVE_H264_ARGS, record, waitFor } from "./capture_helpers.ts";

interface Closable {
  server?: { close(): void };
}
interface RtspServer {
  start(): Promise<void>;
  PublishServer: Closable;
  ClientServer: Closable;
}
// deno-lint-ignore no-explicit-any
const mod = RtspServerModule as any;
const RtspServerClass: new (opts: Record<string, number>) => RtspServer = mod.default ?? mod;

// The npm server (a real RTSP server: ANNOUNCE/RECORD from a publisher, DESCRIBE/SETUP/PLAY
// for clients) keeps UDP sockets and timers of its own after stop(), hence no sanitizers here.
Deno.test({
  name: "[ffmpeg] RTSP from a local RTSP server (ffmpeg publishing H.264) is captured",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const serverPort = freePort(), clientPort = freePort();
    const server = new RtspServerClass({
      serverPort,
      clientPort,
      rtpPortStart: 23000 + Math.floor(Math.random() * 2000) * 2,
      rtpPortCount: 20,
    });
    await server.start();
    const publisher = background([
      ...LIVE_H264_ARGS,
      "-f",
      "rtsp",
      `rtsp://127.0.0.1:${serverPort}/cam`,
    ]);
    const cam = new CameraCapture({
      id: "rtsp",
      source: `rtsp://127.0.0.1:${clientPort}/cam`,
      rtspTransport: "udp", // this server has no TCP interleaving
      detectWidth: 160,
      detectHeight: 120,
      restartDelayMs: 300,
    });
    const r = record(cam);
    try {
      await new Promise((res) => setTimeout(res, 800)); // the publisher announces the stream
      cam.start();
      await waitFor(() => r.frames.length >= 15, 10000, "15 RTSP frames");
      assert.equal(cam.state, "running");
      assert.equal(cam.sourceWidth, 640);
      assert.equal(cam.sourceHeight, 480);
      assert.equal(cam.passthrough, false);
    } finally {
      await cam.stop();
      await publisher.stop();
      // The package has no stop(): close its two TCP listeners.
      server.PublishServer.server?.close();
      server.ClientServer.server?.close();
    }
  },
});
