/**
 * Recordings end to end on the real server (main.ts) with real ffmpeg: the demo scene (encoded
 * with libx264) and an H.264 file (copied), event clips checked with ffprobe and played in
 * headless chromium, range requests, /api/recordings and /api/export.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, startVigil } from "./helpers/server.ts";
import type { VigilProcess } from "./helpers/server.ts";
import { demoH264File, playInChromium, poll, probe } from "./recordings_helpers.ts";

interface ApiEvent {
  id: number;
  camera: string;
  start: number;
  end: number | null;
  clip: string | null;
}

const PRE = 2, POST = 2;

async function configFile(dir: string, camera: Record<string, unknown>): Promise<string> {
  const path = join(dir, "vigil.json");
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      detector: { eventGapMs: 1500 },
      record: { mode: "events", preCapture: PRE, postCapture: POST, segmentSeconds: 1 },
      cameras: [{ id: "cam1", name: "Cam", ...camera }],
    }),
  );
  return path;
}

/** The first ended event with a clip, and its clip once servable (409 while pending). */
async function firstClip(v: VigilProcess, cookie: string) {
  const headers = { cookie };
  const event = await poll(
    async () => {
      // an event whose pre-capture was recorded (the first may start before recording did)
      const spans = await (await fetch(`${v.url}/api/recordings?camera=cam1&since=0`, {
        headers,
      })).json();
      if (!spans.length) return undefined;
      const list = await (await fetch(`${v.url}/api/events?camera=cam1`, { headers })).json();
      return (list as ApiEvent[]).reverse().find((e) =>
        e.end !== null && e.clip && e.start - PRE * 1000 >= spans[0].start + 1000
      );
    },
    40_000,
    "an ended event with a clip",
  );
  const ended = Date.now();
  const res = await poll(
    async () => {
      const r = await fetch(`${v.url}${event.clip}`, { headers });
      if (r.status === 409) {
        assert.ok(Number(r.headers.get("retry-after")) >= 1);
        await r.body?.cancel();
        return undefined;
      }
      return r;
    },
    20_000,
    "the clip",
  );
  assert.equal(res.status, 200, await res.clone().text().catch(() => ""));
  assert.equal(res.headers.get("content-type"), "video/mp4");
  assert.equal(res.headers.get("accept-ranges"), "bytes");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const file = join(v.dataDir, `clip-${event.id}.mp4`);
  await Deno.writeFile(file, bytes);
  return {
    event,
    file,
    bytes,
    servableAfterMs: Date.now() - ended,
    clipStart: Number(res.headers.get("x-clip-start")),
    clipEnd: Number(res.headers.get("x-clip-end")),
  };
}

async function checkClip(
  v: VigilProcess,
  cookie: string,
  keyframeS: number,
): Promise<Awaited<ReturnType<typeof firstClip>> & { p: Awaited<ReturnType<typeof probe>> }> {
  const got = await firstClip(v, cookie);
  const { event, clipStart, clipEnd } = got;
  const p = await probe(got.file);
  assert.equal(p.codec, "h264");
  const wantStart = event.start - PRE * 1000, wantEnd = event.end! + POST * 1000;
  // starts at the last keyframe at or before start - preCapture: at most one interval early
  assert.ok(
    clipStart <= wantStart + 1 && clipStart >= wantStart - keyframeS * 1000 - 50,
    `clip starts ${
      wantStart - clipStart
    } ms before start - preCapture (keyframe every ${keyframeS} s)`,
  );
  assert.ok(clipEnd >= wantEnd, `clip ends ${wantEnd - clipEnd} ms before end + postCapture`);
  // ffprobe agrees: the file is as long as the span it claims, and begins with a keyframe
  assert.ok(
    Math.abs(p.duration * 1000 - (clipEnd - clipStart)) < 250,
    `duration ${p.duration} s vs ${(clipEnd - clipStart) / 1000} s`,
  );
  assert.ok(p.duration * 1000 >= wantEnd - wantStart - 100, `duration ${p.duration} s`);
  assert.equal(p.keyframes[0], 0);
  return { ...got, p };
}

async function checkRanges(v: VigilProcess, cookie: string, clip: string, size: number) {
  const get = (range: string) => fetch(`${v.url}${clip}`, { headers: { cookie, range } });
  let r = await get("bytes=0-99");
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), `bytes 0-99/${size}`);
  assert.equal((await r.arrayBuffer()).byteLength, 100);
  r = await get("bytes=-10");
  assert.equal(r.status, 206);
  assert.equal(r.headers.get("content-range"), `bytes ${size - 10}-${size - 1}/${size}`);
  assert.equal((await r.arrayBuffer()).byteLength, 10);
  r = await get(`bytes=${size}-`);
  assert.equal(r.status, 416);
  assert.equal(r.headers.get("content-range"), `bytes */${size}`);
  await r.body?.cancel();
  r = await fetch(`${v.url}${clip}`);
  assert.equal(r.status, 401, "signed-in users only");
  await r.body?.cancel();
}

Deno.test("[e2e] demo scene (libx264): event clip from preCapture to postCapture, ranges, chromium, spans, export", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-rec-e2e-" });
  const cfg = await configFile(dir, { source: "demo", width: 320, height: 240, fps: 10 });
  const v = await startVigil({ source: null, args: ["--config", cfg] });
  try {
    const cookie = await login(v.url, v.password);
    const got = await checkClip(v, cookie, 1);
    console.log(
      `demo clip: ${got.p.duration.toFixed(2)} s, starts ${
        got.event.start - PRE * 1000 - got.clipStart
      } ms before start - preCapture, servable ${got.servableAfterMs} ms after the event was listed as ended`,
    );
    assert.deepEqual([got.p.width, got.p.height], [320, 240]);
    await checkRanges(v, cookie, got.event.clip!, got.bytes.length);

    // history: the card has a play tag, the page an export form; the event page a download link
    const history = await (await fetch(`${v.url}/history`, { headers: { cookie } })).text();
    assert.match(history, /class="tag tag-clip"/);
    assert.match(history, /<form class="filter export-form" method="get" action="\/api\/export">/);
    const page = await (await fetch(`${v.url}/history/${got.event.id}`, { headers: { cookie } }))
      .text();
    assert.match(page, /data-testid="event-clip"/);
    assert.ok(page.includes(`href="/api/events/${got.event.id}/clip?download=1"`));
    const dl = await fetch(`${v.url}${got.event.clip}?download=1`, { headers: { cookie } });
    assert.match(
      dl.headers.get("content-disposition") ?? "",
      /^attachment; filename="vigil-event-/,
    );
    await dl.body?.cancel();
    // the export form sends only `since`: an hour from it
    const hour = await fetch(`${v.url}/api/export?camera=cam1&since=${got.clipStart - 60_000}`, {
      headers: { cookie },
    });
    assert.equal(hour.status, 200);
    assert.equal(hour.headers.get("content-type"), "video/mp4");
    await hour.body?.cancel();
    // the event page plays the clip, seeks, and draws the motion boxes over it mid-event
    const played = await playInChromium(v.url, cookie, `${v.url}/history/${got.event.id}`, null);
    assert.ok(played.readyState >= 2, `readyState ${played.readyState}`);
    assert.ok(played.boxes > 0, "boxes drawn over the video in the middle of the event");
    assert.ok(Math.abs(played.duration - got.p.duration) < 0.3, `duration ${played.duration}`);
    assert.ok(played.seeked && Math.abs(played.currentTime - played.duration / 2) < 0.5, "seeks");

    // the recorded spans cover the event; an export of them is an attachment that plays
    const spans = await (await fetch(
      `${v.url}/api/recordings?camera=cam1&since=${got.clipStart}&until=${got.clipEnd}`,
      { headers: { cookie } },
    )).json();
    assert.equal(spans.length, 1, JSON.stringify(spans));
    assert.equal(spans[0].camera, "cam1");
    assert.ok(
      spans[0].start <= got.clipStart + 1 && spans[0].end >= got.clipEnd - 1,
      `span ${spans[0].start}..${spans[0].end} vs clip ${got.clipStart}..${got.clipEnd}`,
    );
    const exp = await fetch(`${v.url}${spans[0].url}`, { headers: { cookie } });
    assert.equal(exp.status, 200);
    assert.match(
      exp.headers.get("content-disposition") ?? "",
      /^attachment; filename="vigil-cam1-/,
    );
    const expFile = join(dir, "export.mp4");
    await Deno.writeFile(expFile, new Uint8Array(await exp.arrayBuffer()));
    assert.equal((await probe(expFile)).codec, "h264");
    const tooLong = await fetch(
      `${v.url}/api/export?camera=cam1&since=0&until=${3_600_001}`,
      { headers: { cookie } },
    );
    assert.equal(tooLong.status, 400);
    await tooLong.body?.cancel();
    // export files are served and then removed
    const left = [...Deno.readDirSync(join(v.dataDir, "recordings", ".exports"))];
    assert.deepEqual(left, []);
  } finally {
    await v.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[e2e] H.264 file source: recorded with -c copy, clip within one keyframe interval", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-rec-e2e-" });
  const src = join(dir, "demo.mp4");
  // 12 s: the demo's first crossing at 2-6 s, still until it loops; a keyframe every 1 s
  await demoH264File(src, { width: 320, height: 240, fps: 10, seconds: 12, gop: 10 });
  const cfg = await configFile(dir, { source: src });
  const v = await startVigil({ source: null, args: ["--config", cfg] });
  try {
    const cookie = await login(v.url, v.password);
    const health = await poll(
      async () => {
        const h = await (await fetch(`${v.url}/api/health`, { headers: { cookie } })).json();
        return h.cameras[0].recording?.state === "recording" ? h : undefined;
      },
      20_000,
      "recording",
    );
    assert.match(health.cameras[0].recording.message, /H\.264, copied/);
    const got = await checkClip(v, cookie, 1);
    const source = await probe(src);
    // stream copy: the clip has the source's codec parameters (an encode would be "High" at crf)
    assert.deepEqual(
      [got.p.codec, got.p.profile, got.p.width, got.p.height],
      [source.codec, source.profile, source.width, source.height],
    );
    const played = await playInChromium(
      v.url,
      cookie,
      `${v.url}/login`,
      `${v.url}${got.event.clip}`,
    );
    assert.ok(played.readyState >= 2 && played.seeked, JSON.stringify(played));
  } finally {
    await v.close();
    await Deno.remove(dir, { recursive: true });
  }
});
