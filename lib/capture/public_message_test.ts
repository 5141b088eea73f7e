import assert from "node:assert/strict";
import { explainExit } from "./errors.ts";
import { publicMessage } from "./public_message.ts";

const RTSP = "rtsp://admin:hunter2@cam1.lan:554/stream1";

Deno.test("publicMessage() drops the source's address and ffmpeg's words, keeps the advice", () => {
  const failed = explainExit(RTSP, 1, null, [
    "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
    `${RTSP}: Server returned 401 Unauthorized (authorization failed)`,
  ]) + " (retrying in 2 s)";
  assert.match(failed, /cam1\.lan.*ffmpeg: /);
  assert.equal(
    publicMessage(failed, RTSP),
    "the RTSP stream refused the credentials (401/403: put the right user and password in the " +
      "URL, before the host: user:password@host) (retrying in 2 s)",
  );
});

Deno.test("publicMessage() for stalled, starting, running, devices, files and the demo", () => {
  const http = "http://cam.lan/video.mjpg";
  assert.equal(
    publicMessage(
      `no frame from ${http} for 5 s; restarting ffmpeg — ffmpeg: [http @ 0x1] cam.lan said hi`,
      http,
    ),
    "no frame from the HTTP stream for 5 s; restarting ffmpeg",
  );
  assert.equal(
    publicMessage("starting ffmpeg for rtsp://cam1.lan:554/stream1", RTSP),
    "starting ffmpeg for the RTSP stream",
  );
  const running = "running: 640x480, detection 320x240, camera JPEGs passed through";
  assert.equal(publicMessage(running, "/dev/video0"), running);
  assert.equal(
    publicMessage(
      "Cannot open /dev/video0: permission denied (add the user to the 'video' group) — ffmpeg: " +
        "/dev/video0: Permission denied (retrying in 500 ms)",
      "/dev/video0",
    ),
    "Cannot open /dev/video0: permission denied (add the user to the 'video' group) " +
      "(retrying in 500 ms)",
  );
  assert.equal(
    publicMessage("Cannot open /srv/cams/door.mp4: no such file", "/srv/cams/door.mp4"),
    "Cannot open the video file: no such file",
  );
  assert.equal(publicMessage("running", "demo"), "running");
});
