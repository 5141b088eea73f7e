import assert from "node:assert/strict";
import { ffmpegArgs, type FfmpegPlan, redactSource, sourceKind } from "./ffmpeg_args.ts";

const plan = (p: Partial<FfmpegPlan>): FfmpegPlan => ({
  source: "demo",
  passthrough: false,
  detectWidth: 320,
  detectHeight: 240,
  jpegQuality: 5,
  timeoutMs: 10_000,
  ...p,
});

Deno.test("sourceKind() tells the kinds apart", () => {
  assert.equal(sourceKind("demo"), "demo");
  assert.equal(sourceKind("/dev/video0"), "v4l2");
  assert.equal(sourceKind("rtsp://h/x"), "rtsp");
  assert.equal(sourceKind("HTTPS://h/x"), "http");
  assert.equal(sourceKind("./clip.mp4"), "file");
});

Deno.test("redactSource() hides passwords in URLs, wherever they are in the text", () => {
  // the whole userinfo goes (more forms in redact_test.ts)
  assert.equal(redactSource("rtsp://admin:pw@10.0.0.5/s"), "rtsp://***@10.0.0.5/s");
  assert.equal(redactSource("x: http://u:p@h/ failed"), "x: http://***@h/ failed");
  assert.equal(redactSource("/dev/video0"), "/dev/video0");
});

Deno.test("ffmpegArgs() for RTSP uses TCP and a socket timeout, and re-encodes", () => {
  const a = ffmpegArgs(plan({ source: "rtsp://cam/s", timeoutMs: 5000 })).join(" ");
  assert.match(a, /-rtsp_transport tcp -timeout 5000000 .*-i rtsp:\/\/cam\/s/);
  assert.match(a, /split=2\[show\]\[det\];\[det\]scale=320:240:flags=area,format=gray\[gray\]/);
  assert.match(a, /format=yuv420p\[raw\] .*-map \[raw\] -c:v:1 rawvideo/);
  assert.doesNotMatch(a, /mjpeg/);
  assert.match(a, /-fps_mode passthrough -f matroska -live 1 .*pipe:1$/);
});

Deno.test("ffmpegArgs() loops files in real time; size or rate turn pass-through off", () => {
  const a = ffmpegArgs(plan({ source: "clip.mp4", passthrough: true, fps: 5 })).join(" ");
  assert.match(a, /^-hide_banner .*-re -stream_loop -1 -i clip\.mp4/);
  assert.match(a, /\[0:v:0\]fps=5,split=2/);
  assert.doesNotMatch(a, /copy/);
  const b = ffmpegArgs(plan({ source: "http://cam/video.mjpg", passthrough: true })).join(" ");
  assert.match(b, /-map 0:v:0 -c:v:1 copy/);
});

Deno.test("ffmpegArgs() demo is a lavfi graph paced in real time", () => {
  const a = ffmpegArgs(plan({ source: "demo" }));
  assert.deepEqual(a.slice(a.indexOf("-re"), a.indexOf("-re") + 4), ["-re", "-f", "lavfi", "-i"]);
  assert.match(a[a.indexOf("-re") + 4], /nullsrc=s=640x480:r=15.*overlay/);
});
