/**
 * Recording faults with real ffmpeg and real files: the recorder's ffmpeg and Vigil itself
 * killed in the middle of a segment, and a data folder on a tmpfs that fills up.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, startVigil } from "./helpers/server.ts";
import { poll, probe, sleep } from "./recordings_helpers.ts";
import { CameraCapture } from "../lib/capture/mod.ts";
import { CameraRecorder, DEFAULT_RECORD_SETTINGS, RecordingIndex } from "../lib/record/mod.ts";
import { listPackets } from "../lib/record/probe.ts";

/** Pids of running ffmpeg processes whose command line mentions `text`. */
function ffmpegsWith(text: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      const argv0 = cmd.split("\0")[0];
      if (/(^|\/)ffmpeg$/.test(argv0) && cmd.includes(text)) out.push(Number(e.name));
    } catch { /* gone */ }
  }
  return out;
}

/** Every file under `dir`, relative to `base`. */
function walk(dir: string, base: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...walk(p, base));
    else out.push(p.slice(base.length + 1));
  }
  return out;
}

Deno.test("[e2e] recorder ffmpeg and Vigil SIGKILLed mid-segment: the index only points at playable files, no orphans", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-rec-kill-" });
  const data = join(dir, "data");
  const cfg = join(dir, "vigil.json");
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      record: { mode: "continuous", segmentSeconds: 2 },
      cameras: [{ id: "cam1", source: "demo", width: 320, height: 240, fps: 10 }],
    }),
  );
  let v = await startVigil({ source: null, args: ["--config", cfg], dataDir: data });
  try {
    const cookie = await login(v.url, v.password);
    const segments = async () =>
      (await (await fetch(`${v.url}/api/recordings?camera=cam1&since=0`, { headers: { cookie } }))
        .json()) as { start: number; end: number }[];
    await poll(async () => (await segments()).length ? true : undefined, 20_000, "recording");
    // 1. the recorder's ffmpeg dies in the middle of a segment: recording resumes
    await sleep(3000);
    const [recorder] = ffmpegsWith(`${data}/recordings/cam1/incoming`);
    assert.ok(recorder, "the recorder's ffmpeg runs");
    Deno.kill(recorder, "SIGKILL");
    await poll(
      () => {
        const now = ffmpegsWith(`${data}/recordings/cam1/incoming`);
        return now.length === 1 && now[0] !== recorder ? true : undefined;
      },
      10_000,
      "a new recorder",
    );
    await sleep(3000);
    // 2. Vigil itself is SIGKILLed in the middle of a segment
    await sleep(900);
    Deno.kill(v.pid, "SIGKILL");
    await v.close();
    await poll(
      () => ffmpegsWith(data).length === 0 ? true : undefined,
      5000,
      "no ffmpeg left",
    );
    const killedAt = Date.now();
    // 3. restart on the same folder: reconcile, then check every indexed file
    v = await startVigil({
      source: null,
      args: ["--config", cfg],
      dataDir: data,
      password: v.password,
    });
    assert.match(v.output(), /vigil: recordings: [1-9]\d* cut segment\(s\) repaired/);
    const index = new RecordingIndex(join(data, "vigil.db"));
    const rows = index.all().filter((s) => s.end < killedAt);
    index.close();
    assert.ok(rows.length >= 3, `${rows.length} segments`);
    for (const s of rows) {
      const packets = await listPackets(join(data, s.path));
      assert.ok(packets.length > 0 && packets[0].key, `${s.path} plays from a keyframe`);
    }
    const paths = new Set(rows.map((s) => s.path));
    const before = walk(join(data, "recordings"), data).filter((f) => {
      const run = /(\d{13})-\d{5}\.mp4$/.exec(f);
      return run && Number(run[1]) < killedAt;
    });
    assert.deepEqual(before.filter((f) => !paths.has(f)), [], "no orphaned segment files");
    // every event's clip plays
    const cookieA = await login(v.url, v.password);
    const events = await (await fetch(`${v.url}/api/events`, { headers: { cookie: cookieA } }))
      .json() as { id: number; clip: string | null }[];
    let clips = 0;
    for (const e of events.filter((e) => e.clip)) {
      const res = await poll(
        async () => {
          const r = await fetch(`${v.url}${e.clip}`, { headers: { cookie: cookieA } });
          if (r.status === 200) return r;
          await r.body?.cancel();
        },
        20_000,
        `clip of event ${e.id}`,
      );
      const file = join(dir, `clip${e.id}.mp4`);
      await Deno.writeFile(file, new Uint8Array(await res.arrayBuffer()));
      const p = await probe(file);
      assert.equal(p.codec, "h264");
      assert.ok(p.duration > 0.5 && p.keyframes[0] === 0, `clip of event ${e.id}`);
      clips++;
    }
    console.log(`${rows.length} segments and ${clips} event clip(s) checked after the kills`);
    // the whole recorded time exports to one file that plays, of the indexed length
    const cookie2 = await login(v.url, v.password);
    const from = rows[0].start, to = rows[rows.length - 1].end;
    const res = await fetch(`${v.url}/api/export?camera=cam1&since=${from}&until=${to}`, {
      headers: { cookie: cookie2 },
    });
    assert.equal(res.status, 200);
    const file = join(dir, "all.mp4");
    await Deno.writeFile(file, new Uint8Array(await res.arrayBuffer()));
    const p = await probe(file);
    const covered = rows.reduce((n, s) => n + (s.end - s.start), 0);
    assert.ok(Math.abs(p.duration * 1000 - covered) < 500, `${p.duration} s vs ${covered} ms`);
  } finally {
    await v.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CameraRecorder on a full tmpfs: 'recording failed: disk full', frames keep coming, recording resumes when space returns", async () => {
  const mnt = await Deno.makeTempDir({ prefix: "vigil-tmpfs-" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
  }).output();
  if (mount.code !== 0) {
    console.log(`skipped: cannot mount a tmpfs (${new TextDecoder().decode(mount.stderr).trim()})`);
    await Deno.remove(mnt);
    return;
  }
  const index = new RecordingIndex(":memory:");
  const rec = new CameraRecorder({
    camera: "cam1",
    source: "demo",
    settings: { ...DEFAULT_RECORD_SETTINGS, segmentSeconds: 1, preset: "ultrafast", crf: 18 },
    dataDir: mnt,
    index,
    log: () => {},
    restartDelayMs: 200,
    restartMaxDelayMs: 500,
  });
  const cap = new CameraCapture({ id: "cam1", source: "demo", width: 320, height: 240, fps: 10 });
  let frames = 0;
  cap.onFrame = (f) => {
    frames++;
    const ts = f.ts;
    cap.jpegOf(f).then((jpeg) => jpeg && rec.feed(ts, jpeg));
  };
  cap.onState = () => {};
  const filler = join(mnt, "filler");
  try {
    rec.start();
    cap.start();
    await poll(() => index.all().length >= 1 ? true : undefined, 15_000, "a segment");
    // fill the disk
    await new Deno.Command("dd", {
      args: ["if=/dev/zero", `of=${filler}`, "bs=64k", "count=1000"],
      stderr: "null",
    }).output();
    await poll(
      () => rec.state === "failed" && /disk full/.test(rec.message) ? true : undefined,
      15_000,
      "disk full",
    );
    assert.match(rec.message, /^recording failed: disk full \(free space/);
    const during = frames;
    await sleep(1000);
    assert.ok(frames - during >= 5, "frames still arrive for detection and the live view");
    // space returns: recording resumes by itself
    await Deno.remove(filler);
    const n = index.all().length;
    await poll(
      () => rec.state === "recording" && index.all().length > n ? true : undefined,
      15_000,
      "recording again",
    );
    for (const s of index.all()) {
      const packets = await listPackets(join(mnt, s.path));
      assert.ok(packets.length > 0, `${s.path} plays`);
    }
  } finally {
    await cap.stop();
    await rec.stop();
    index.close();
    await new Deno.Command("umount", { args: [mnt] }).output();
    await Deno.remove(mnt, { recursive: true });
  }
});
