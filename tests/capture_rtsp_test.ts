/**
 * RTSP from a real RTSP server, npm rtsp-streaming-server (ANNOUNCE/RECORD from ffmpeg
 * publishing H.264; DESCRIBE/SETUP/PLAY for clients; Basic auth through its authentication
 * hook). It has no TCP interleaving: SETUP with TCP gets 461, which Vigil's default transport
 * meets and must get past. RTSP over TCP itself is tested in capture_rtsp_tcp_test.ts.
 */
import assert from "node:assert/strict";
// A test-only package: kept out of deno.json's imports and deno.lock (see tests/lockfile_test.ts)
// deno-lint-ignore no-import-prefix
import RtspServerModule from "npm:rtsp-streaming-server@2.1.0";
import { CameraCapture } from "../lib/capture/mod.ts";
import {
  background,
  freePort,
  LIVE_H264_ARGS,
  record,
  sleep,
  stateTrail,
  waitFor,
} from "./capture_helpers.ts";

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
const RtspServerClass: new (opts: Record<string, unknown>) => RtspServer = mod.default ?? mod;

const USER = "vigil", PASSWORD = "s3cret";

// The npm server keeps UDP sockets and timers of its own after its listeners close, hence no
// sanitizers here.
Deno.test({
  name: "[ffmpeg] RTSP from npm rtsp-streaming-server with Basic auth",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const serverPort = freePort(), clientPort = freePort();
    const logins: string[] = [];
    const server = new RtspServerClass({
      serverPort,
      clientPort,
      rtpPortStart: 23000 + Math.floor(Math.random() * 2000) * 2,
      rtpPortCount: 40,
      clientServerHooks: {
        authentication: (user: string, password: string) => {
          logins.push(user);
          return Promise.resolve(user === USER && password === PASSWORD);
        },
      },
    });
    await server.start();
    const publisher = background([
      ...LIVE_H264_ARGS,
      "-f",
      "rtsp",
      `rtsp://127.0.0.1:${serverPort}/cam`,
    ]);
    const url = (password: string) => `rtsp://${USER}:${password}@127.0.0.1:${clientPort}/cam`;
    try {
      await sleep(800); // the publisher announces the stream

      await t.step(
        "Vigil's default transport (TCP) gets 461, falls back to UDP, frames arrive",
        async () => {
          const cam = new CameraCapture({
            id: "rtsp",
            source: url(PASSWORD),
            detectWidth: 160,
            detectHeight: 120,
            restartDelayMs: 300,
          });
          const r = record(cam);
          cam.start();
          try {
            await waitFor(() => r.frames.length >= 15, 10000, "15 RTSP frames");
            assert.equal(cam.state, "running");
            assert.equal(cam.sourceWidth, 640);
            assert.equal(cam.sourceHeight, 480);
            assert.equal(cam.passthrough, false);
            // Straight from starting to running: the fallback is no failure and costs no backoff.
            assert.deepEqual(stateTrail(r), ["starting", "running"]);
            assert.match(cam.message, /; RTSP over UDP \(the server offers no TCP\)$/);
            assert.equal(cam.restarts, 0);
            assert.ok(logins.includes(USER));
          } finally {
            await cam.stop();
          }
          assert.doesNotMatch(r.states.map((s) => s.message).join("\n"), /s3cret/);
        },
      );

      await t.step(
        "a wrong password: failed, 'refused the credentials', password not shown",
        async () => {
          const cam = new CameraCapture({ id: "rtsp", source: url("wrong"), restartDelayMs: 5000 });
          const r = record(cam);
          cam.start();
          try {
            await waitFor(() => cam.state === "failed", 8000, "failed");
            assert.match(
              cam.message,
              /^rtsp:\/\/127\.0\.0\.1:\d+\/cam refused the credentials \(401\/403: put the right user and password in the URL/,
            );
            assert.ok(
              cam.errorLines.some((l) => /401 Unauthorized/.test(l)),
              cam.errorLines.join("\n"),
            );
            const everything = [...r.states.map((s) => s.message), ...cam.errorLines].join("\n");
            assert.doesNotMatch(everything, /wrong/);
            assert.equal(r.frames.length, 0);
          } finally {
            await cam.stop();
          }
        },
      );

      await t.step("rtspTransport tcp asked for explicitly: failed, says to use udp", async () => {
        const cam = new CameraCapture({
          id: "rtsp",
          source: url(PASSWORD),
          rtspTransport: "tcp",
          restartDelayMs: 5000,
        });
        cam.start();
        try {
          await waitFor(() => cam.state === "failed", 8000, "failed");
          assert.match(
            cam.message,
            /does not offer RTSP over TCP \(461: set "rtspTransport": "udp" for this camera\)/,
          );
        } finally {
          await cam.stop();
        }
      });
    } finally {
      await publisher.stop();
      // The package has no stop(): close its two TCP listeners.
      server.PublishServer.server?.close();
      server.ClientServer.server?.close();
    }
  },
});
