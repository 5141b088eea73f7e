import assert from "node:assert/strict";
import { explainExit } from "./errors.ts";

const cases: [string, string[], RegExp][] = [
  [
    "/dev/video0",
    ["[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video0: Device or resource busy"],
    /^Cannot open \/dev\/video0: the device is busy \(another program is using the camera; find it with `fuser \/dev\/video0`/,
  ],
  [
    "/dev/video0",
    ["/dev/video0: Permission denied"],
    /add the user to the 'video' group: `sudo usermod -aG video \$USER`/,
  ],
  [
    "/dev/video3",
    ["[video4linux2,v4l2 @ 0x1] Cannot find a proper format for codec 'none' (id 0), pixel format 'none' (id -1)"],
    /^\/dev\/video3 does not support the requested format, size or frame rate \(see what it offers with `deno task devices \/dev\/video3`/,
  ],
  [
    "rtsp://admin:hunter2@10.0.0.5/stream1",
    [
      "[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized",
      "rtsp://admin:hunter2@10.0.0.5/stream1: Server returned 401 Unauthorized (authorization failed)",
    ],
    // viewers see the source as host and path only, in the advice and in ffmpeg's line
    /^rtsp:\/\/10\.0\.0\.5\/stream1 refused the credentials .* ffmpeg: rtsp:\/\/10\.0\.0\.5\/stream1: Server returned 401/,
  ],
  [
    "rtsp://10.0.0.5/nope",
    ["[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found"],
    /does not exist on the server \(404/,
  ],
  [
    "rtsp://10.0.0.9/stream",
    ["[tcp @ 0x1] Connection to tcp://10.0.0.9:554?timeout=10000000 failed: Connection timed out"],
    /^Cannot reach rtsp:\/\/10\.0\.0\.9\/stream: no answer/,
  ],
  [
    "http://cam.example/video",
    ["[tcp @ 0x1] Failed to resolve hostname cam.example: Name or service not known"],
    /^Cannot resolve the host name of http:\/\/cam\.example\/video/,
  ],
  [
    "/srv/clip.txt",
    ["/srv/clip.txt: Invalid data found when processing input"],
    /^\/srv\/clip\.txt is not a video ffmpeg can read/,
  ],
];

for (const [source, stderr, want] of cases) {
  Deno.test(`explainExit() explains "${stderr.at(-1)!.slice(0, 60)}"`, () => {
    const msg = explainExit(source, 1, null, stderr);
    assert.match(msg, want);
    assert.doesNotMatch(msg, /hunter2|admin/);
  });
}

Deno.test("explainExit() falls back to the exit code or signal and ffmpeg's last line", () => {
  assert.equal(
    explainExit("demo", null, "SIGKILL", []),
    "ffmpeg was killed by SIGKILL while reading demo",
  );
  assert.equal(
    explainExit("demo", 69, null, ["something odd", "Conversion failed!"]),
    "ffmpeg exited with code 69 while reading demo — ffmpeg: something odd",
  );
});

Deno.test("explainExit() tells a server that never answered from one that sent no video", () => {
  const rtsp = "rtsp://admin:pw@10.0.0.5:554/s?pwd=pw";
  const invalid = [`${rtsp}: Invalid data found when processing input`];
  // ffmpeg's RTSP socket timeout fired: the whole timeout passed, not one frame
  const hung = explainExit(rtsp, 1, null, invalid, {
    ranMs: 10_050,
    gotFrames: false,
    timeoutMs: 10_000,
  });
  assert.match(hung, /^Cannot reach rtsp:\/\/10\.0\.0\.5:554\/s: no answer within 10 s/);
  assert.doesNotMatch(hung, /not a video|pw/);
  // the same words at once: the server answered with something that is not a video
  const garbage = explainExit(rtsp, 1, null, invalid, {
    ranMs: 300,
    gotFrames: false,
    timeoutMs: 10_000,
  });
  assert.match(garbage, /is not a video ffmpeg can read/);
  // a known cause wins over the timing (a refused login takes its time too)
  const refused = explainExit(rtsp, 1, null, ["method DESCRIBE failed: 401 Unauthorized"], {
    ranMs: 10_050,
    gotFrames: false,
    timeoutMs: 10_000,
  });
  assert.match(refused, /refused the credentials/);
  // files are never "no answer"
  assert.match(
    explainExit("/srv/x.mp4", 1, null, ["/srv/x.mp4: Invalid data found when processing input"], {
      ranMs: 20_000,
      gotFrames: false,
      timeoutMs: 10_000,
    }),
    /not a video/,
  );
});
