/**
 * A camera that accepts the TCP connection and never answers (a hung RTSP server, a wrong port
 * that some other service holds open): reported as "no answer", not as an unreadable video.
 */
import assert from "node:assert/strict";
import { CameraCapture } from "../lib/capture/mod.ts";
import { record, waitFor } from "./capture_helpers.ts";

Deno.test("[ffmpeg] a hanging RTSP server is reported as no answer, not as an unreadable video", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn); // read nothing, answer nothing
  })();
  const cam = new CameraCapture({
    id: "hang",
    source: `rtsp://admin:p@ss@127.0.0.1:${port}/stream?pwd=hunter2`,
    detectWidth: 160,
    detectHeight: 120,
    timeoutMs: 1500,
    startTimeoutMs: 20_000, // ffmpeg's own socket timeout ends the run first
    restartDelayMs: 60_000,
  });
  const r = record(cam);
  cam.start();
  try {
    await waitFor(() => cam.state === "failed", 15_000, "the capture to fail");
    assert.ok(held.length > 0, "ffmpeg connected");
    assert.match(
      cam.message,
      /^Cannot reach rtsp:\/\/127\.0\.0\.1:\d+\/stream: no answer within 2 s/,
    );
    assert.doesNotMatch(cam.message, /not a video/);
    const all = r.states.map((s) => s.message).join("\n") + cam.errorLines.join("\n");
    assert.doesNotMatch(all, /hunter2|p@ss|admin/);
  } finally {
    await cam.stop();
    listener.close();
    await accepting.catch(() => {});
    for (const c of held) c.close();
  }
});
