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

Deno.test("[ffmpeg] RTSP with wrong credentials gives state failed: refused the credentials", async () => {
  const server = await startRtspServer({ user: "vigil", password: "s3cret" });
  const url = server.url.replace("rtsp://", "rtsp://vigil:wrong@");
  const cam = new CameraCapture({ id: "rtsp", source: url, restartDelayMs: 5000 });
  cam.start();
  try {
    await waitFor(() => cam.state === "failed", 8000, "failed");
    assert.match(
      cam.message,
      /^rtsp:\/\/vigil:\*\*\*@127\.0\.0\.1:\d+\/cam refused the credentials \(401\/403/,
    );
    assert.doesNotMatch(cam.message, /wrong/);
    assert.ok(server.log.includes("DESCRIBE 401"));
  } finally {
    await cam.stop();
    await server.close();
  }
});
