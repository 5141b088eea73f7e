/**
 * RTSP over TCP (interleaved RTP), Vigil's default transport. The npm rtsp-streaming-server
 * has no TCP (capture_rtsp_test.ts covers it, wrong passwords included), so a small RTSP
 * server of our own (capture_rtsp_server.ts) serves it here.
 */
import assert from "node:assert/strict";
import { CameraCapture } from "../lib/capture/mod.ts";
import { record, waitFor } from "./capture_helpers.ts";
import { startRtspServer } from "./capture_rtsp_server.ts";

Deno.test("[ffmpeg] RTSP over TCP (interleaved) with credentials delivers frames", async () => {
  const server = await startRtspServer({ user: "vigil", password: "s3cret" });
  const url = server.url.replace("rtsp://", "rtsp://vigil:s3cret@");
  const cam = new CameraCapture({ id: "rtsp", source: url, detectWidth: 160, detectHeight: 120 });
  const r = record(cam);
  cam.start();
  try {
    await waitFor(() => r.frames.length >= 15, 10000, "15 RTSP frames");
    assert.equal(cam.state, "running");
    assert.equal(cam.sourceWidth, 640);
    assert.equal(cam.sourceHeight, 480);
    assert.ok(server.log.includes("SETUP 200"), server.log.join(", "));
    assert.doesNotMatch(r.states.map((s) => s.message).join("\n"), /s3cret/);
  } finally {
    await cam.stop();
    await server.close();
  }
});
