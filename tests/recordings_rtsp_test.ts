/**
 * Recording an RTSP camera (H.264 over TCP with credentials, from the capture tests' RTSP
 * server): the recorder copies the stream, and its segments carry wall-clock times.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startRtspServer } from "./capture_rtsp_server.ts";
import { poll, probe } from "./recordings_helpers.ts";
import { CameraRecorder, DEFAULT_RECORD_SETTINGS, RecordingIndex } from "../lib/record/mod.ts";
import { listPackets } from "../lib/record/probe.ts";

Deno.test("[ffmpeg] an RTSP H.264 camera is recorded with -c copy, segments in wall-clock time", async () => {
  const server = await startRtspServer({ user: "vigil", password: "s3cret" });
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_rtsp_" });
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "door",
    source: server.url.replace("rtsp://", "rtsp://vigil:s3cret@"),
    settings: { ...DEFAULT_RECORD_SETTINGS, segmentSeconds: 1 },
    dataDir: data,
    index,
    log: () => {},
    capture: { rtspTransport: "tcp" },
  });
  // when each segment appeared in the index
  const seen = new Map<number, number>();
  const watch = setInterval(() => {
    for (const s of index.all()) if (!seen.has(s.id)) seen.set(s.id, Date.now());
  }, 20);
  try {
    const started = Date.now();
    rec.start();
    await poll(() => seen.size >= 4 ? true : undefined, 20_000, "4 segments")
      .catch((err) => {
        throw new Error(`${err.message}: ${rec.state}: ${rec.message}`);
      });
    assert.equal(rec.kind, "copy");
    assert.match(rec.message, /copied/);
    const segs = index.all().filter((s) => seen.has(s.id));
    assert.ok(segs[0].start >= started, "the first segment starts after the recorder did");
    for (const s of segs.slice(1)) {
      // a segment is listed when the next keyframe arrives, i.e. right after its end
      const lag = seen.get(s.id)! - s.end;
      assert.ok(lag >= -100 && lag < 1500, `${s.path} listed ${lag} ms after its end`);
    }
    for (let i = 1; i < segs.length; i++) {
      assert.ok(Math.abs(segs[i].start - segs[i - 1].end) < 150, "segments follow each other");
    }
    const p = await probe(join(data, segs[1].path));
    assert.deepEqual([p.codec, p.width, p.height], ["h264", 640, 480]);
    const packets = await listPackets(join(data, segs[1].path));
    assert.ok(packets[0].key);
  } finally {
    clearInterval(watch);
    await rec.stop();
    index.close();
    await server.close();
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("[ffmpeg] a wrong RTSP password: the recorder says so, without the password, and retries", async () => {
  const server = await startRtspServer({ user: "vigil", password: "s3cret" });
  const data = await Deno.makeTempDir({ prefix: "vigil_rec_rtsp_" });
  const index = new RecordingIndex(":memory:");
  const logged: string[] = [];
  const rec = new CameraRecorder({
    camera: "door",
    source: server.url.replace("rtsp://", "rtsp://vigil:WRONGpass@"),
    settings: DEFAULT_RECORD_SETTINGS,
    dataDir: data,
    index,
    log: (line) => logged.push(line),
  });
  try {
    rec.start();
    await poll(() => rec.state === "failed" ? true : undefined, 15_000, "failed");
    assert.match(
      rec.message,
      /^recording failed: .*refused the credentials.*\(retrying in \d+ s\)$/,
    );
    assert.ok(!rec.message.includes("WRONGpass") && !logged.join("\n").includes("WRONGpass"));
  } finally {
    await rec.stop();
    index.close();
    await server.close();
    await Deno.remove(data, { recursive: true });
  }
});
