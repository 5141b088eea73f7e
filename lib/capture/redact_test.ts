import assert from "node:assert/strict";
import { forViewers, publicSource, redactSource } from "./redact.ts";

/** [hostile input, redactSource (logs, ffmpeg lines), publicSource (what viewers see)] */
const TABLE: [string, string, string][] = [
  ["rtsp://admin:pw@10.0.0.5/s", "rtsp://***@10.0.0.5/s", "rtsp://10.0.0.5/s"],
  // a password holding '@' and ':' (only the part after the first '@' was hidden before)
  [
    "rtsp://admin:p@ss:w@rd@cam.lan:554/live?x=1",
    "rtsp://***@cam.lan:554/live?x=1",
    "rtsp://cam.lan:554/live",
  ],
  ["rtsp://admin:pa/ss@cam.lan/x", "rtsp://***@cam.lan/x", "rtsp://cam.lan/x"],
  ["rtsp://admin:p%40ss%3A@cam.lan/s", "rtsp://***@cam.lan/s", "rtsp://cam.lan/s"],
  ["rtsp://admin@cam.lan/s", "rtsp://***@cam.lan/s", "rtsp://cam.lan/s"],
  // credentials in the query string (were not redacted at all)
  [
    "http://cam.lan/video.cgi?user=admin&pwd=hunter2&resolution=640",
    "http://cam.lan/video.cgi?user=***&pwd=***&resolution=640",
    "http://cam.lan/video.cgi",
  ],
  [
    "http://cam.lan/snap.jpg?USER=admin;PassWord=hunter2",
    "http://cam.lan/snap.jpg?USER=***;PassWord=***",
    "http://cam.lan/snap.jpg",
  ],
  [
    "http://cam.lan/v?username=a&passwd=b&token=c&key=d&secret=e&auth=f&api_key=g&pass=h",
    "http://cam.lan/v?username=***&passwd=***&token=***&key=***&secret=***&auth=***&api_key=***&pass=***",
    "http://cam.lan/v",
  ],
  ["http://cam.lan/v?p%77d=hunter2", "http://cam.lan/v?p%77d=***", "http://cam.lan/v"],
  // credentials in the path (some DVRs)
  [
    "rtsp://cam.lan/channel=1_user=admin_password=hunter2_stream=0.sdp",
    "rtsp://cam.lan/channel=1_user=***_password=***_stream=0.sdp",
    "rtsp://cam.lan/channel=1_user=***_password=***_stream=0.sdp",
  ],
  ["/dev/video0", "/dev/video0", "/dev/video0"],
  ["demo", "demo", "demo"],
];

Deno.test("redactSource() and publicSource(): every credential form in the hostile table", () => {
  for (const [input, redacted, shown] of TABLE) {
    assert.equal(redactSource(input), redacted, input);
    assert.equal(publicSource(input), shown, input);
    assert.equal(redactSource(redacted), redacted, `idempotent: ${input}`);
  }
});

Deno.test("redactSource() in ffmpeg lines: encoded URLs, request lines, Authorization headers", () => {
  assert.equal(
    redactSource("url=http%3A%2F%2Fadmin%3Ahunter2%40cam.lan%2Fv%3Fpwd%3Dhunter2%26a%3D1"),
    "url=http%3A%2F%2F***%40cam.lan%2Fv%3Fpwd%3D***%26a%3D1",
  );
  assert.equal(
    redactSource("GET /video.cgi?api_key=abc123&token=xyz HTTP/1.1"),
    "GET /video.cgi?api_key=***&token=*** HTTP/1.1",
  );
  assert.equal(
    redactSource("Authorization: Basic YWRtaW46aHVudGVyMg=="),
    "Authorization: ***",
  );
  const line = "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized";
  assert.equal(redactSource(line), line);
});

Deno.test("forViewers() cuts every URL in a message to host and path", () => {
  assert.equal(
    forViewers("rtsp://admin:p@ss@cam.lan:554/s?pwd=x: Connection refused"),
    "rtsp://cam.lan:554/s Connection refused",
  );
  assert.equal(
    forViewers("Cannot reach http://u:p@cam.lan/v.mjpg: no answer"),
    "Cannot reach http://cam.lan/v.mjpg: no answer",
  );
  for (const [input] of TABLE) {
    const out = forViewers(`${input}: failed`);
    for (const secret of ["hunter2", "pw@", "p@ss", "admin:", "pa/ss"]) {
      assert.ok(!out.includes(secret), `${out} shows ${secret}`);
    }
  }
});
