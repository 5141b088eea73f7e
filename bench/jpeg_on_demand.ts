/**
 * CPU per camera with JPEGs encoded on demand (issue 14) beside the code before it, a bare
 * ffmpeg decode and Motion, all in the same run on the same H.264 file.
 *
 *   deno run -A bench/jpeg_on_demand.ts --file clip.mp4 [--old /path/to/old/tree]
 *        [--seconds 15] [--rounds 1] [--motion] [--no-record]
 *
 * Make a 1280x720 15 fps H.264 file first, e.g. the demo scene (moving object 4 s of 11):
 *   deno eval 'import {demoGraph} from "./lib/capture/mod.ts"; console.log(demoGraph(1280,720,15))' > g
 *   ffmpeg -f lavfi -i "$(cat g)" -t 22 -vf noise=alls=3:allf=t -c:v libx264 -preset veryfast \
 *     -g 30 -pix_fmt yuv420p demo_720p.mp4
 * and a still one (the empty room from 7 s in, one frame looped, with sensor noise):
 *   ffmpeg -f lavfi -i "$(cat g)" -ss 7 -t 20 -vf \
 *     "trim=end_frame=1,loop=loop=-1:size=1,setpts=N/(15*TB),noise=alls=3:allf=t" \
 *     -c:v libx264 -preset veryfast -g 30 -pix_fmt yuv420p still_720p.mp4
 *
 * For each tree (this one, and --old), main.ts runs with one camera on FILE (object labels off,
 * recording at its default, a copy of the stream, or off with --no-record); after 4 s we read
 * /proc utime+stime of the server and of all its ffmpeg children over `seconds`, three times:
 * no client, one detect client, one live client (a WebSocket reading every frame, in this
 * process, not counted). "bare" is `ffmpeg -re -i FILE -f null -` (decode only). "motion" is
 * Debian's motion 4.5 with `netcam_url file://FILE` and every output off.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    file: { type: "string" },
    old: { type: "string" },
    seconds: { type: "string", default: "15" },
    rounds: { type: "string", default: "1" },
    motion: { type: "boolean", default: false },
    // Recording off in both trees: like Motion with its outputs off.
    "no-record": { type: "boolean", default: false },
  },
});
if (!values.file) throw new Error("--file clip.mp4 is required");
const FILE = await Deno.realPath(values.file);
const SECONDS = Number(values.seconds);
const CLK_TCK = 100; // USER_HZ on Linux
const NEW = new URL("../", import.meta.url).pathname;

function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Children of `parent` whose command is `name`. */
function children(parent: number, name: string): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && comm === name) out.push(Number(entry.name));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (ms: number, wall: number) => Math.round((ms / wall) * 1000) / 10;

/** CPU of `pid` and its ffmpeg children over SECONDS (children found at both ends). */
async function sample(pid: number): Promise<{ server: number; ffmpeg: number; n: number }> {
  const kids0 = children(pid, "ffmpeg");
  const s0 = cpuMs(pid), t0 = performance.now();
  const f0 = new Map(kids0.map((k) => [k, cpuMs(k)]));
  await sleep(SECONDS * 1000);
  const kids1 = children(pid, "ffmpeg");
  const s1 = cpuMs(pid), wall = performance.now() - t0;
  let f = 0;
  for (const k of new Set([...kids0, ...kids1])) f += cpuMs(k) - (f0.get(k) ?? 0);
  return { server: pct(s1 - s0, wall), ffmpeg: pct(f, wall), n: kids1.length };
}

async function vigil(tree: string, label: string): Promise<Record<string, unknown>[]> {
  const data = await Deno.makeTempDir({ prefix: "vigil_jpeg_bench_" });
  const password = crypto.randomUUID();
  // Object labels off: they cost the same in both trees and would hide the capture's share.
  await Deno.writeTextFile(
    `${data}/vigil.json`,
    JSON.stringify({
      cameras: [{ id: "cam1", source: FILE }],
      objects: { enabled: false },
      ...(values["no-record"] ? { record: { mode: "off" } } : {}),
    }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "--port", "0", "--data", data, "--config", `${data}/vigil.json`],
    cwd: tree,
    env: { VIGIL_ADMIN_PASSWORD: password },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const { promise: listening, resolve } = Promise.withResolvers<string>();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const d = new TextDecoder();
    for await (const c of s) {
      text += d.decode(c, { stream: true });
      const m = text.match(/vigil listening on (\S+)/);
      if (m) resolve(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const rows: Record<string, unknown>[] = [];
  try {
    const url = await Promise.race([
      listening,
      sleep(60_000).then(() => {
        throw new Error(`no start:\n${text}`);
      }),
    ]);
    const login = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: new URLSearchParams({ username: "admin", password }),
      redirect: "manual",
    });
    await login.body?.cancel();
    const cookie = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
    await sleep(4000);
    for (const mode of ["none", "detect", "live"]) {
      let ws: WebSocket | null = null;
      let frames = 0, bytes = 0;
      if (mode !== "none") {
        // deno-lint-ignore no-explicit-any
        ws = new (WebSocket as any)(`${url.replace(/^http/, "ws")}/ws?mode=${mode}`, {
          headers: { cookie, origin: url },
        }) as WebSocket;
        ws.binaryType = "arraybuffer";
        ws.onmessage = (e) => {
          if (typeof e.data !== "string") {
            frames++;
            bytes += (e.data as ArrayBuffer).byteLength;
          }
        };
        await new Promise((r, j) => {
          ws!.onopen = r;
          ws!.onerror = j;
        });
        // past the switch to ffmpeg encoding every frame (EVERY_FRAME_AFTER_MS) and its restart
        await sleep(mode === "live" ? 5000 : 2000);
      }
      const f0 = frames;
      const cpu = await sample(child.pid);
      const stats = await (await fetch(`${url}/api/stats`, { headers: { cookie } })).json()
        .catch(() => null);
      rows.push({
        code: label,
        client: mode,
        serverPct: cpu.server,
        ffmpegPct: cpu.ffmpeg,
        totalPct: Math.round((cpu.server + cpu.ffmpeg) * 10) / 10,
        ffmpegs: cpu.n,
        framesToClient: frames - f0,
        jpegsEncoded: stats?.cameras?.[0]?.jpegsEncoded ?? "-",
        jpegMode: stats?.cameras?.[0]?.jpegMode ?? "-",
      });
      if (ws) {
        ws.close();
        await sleep(500);
      }
      void bytes;
    }
  } catch (err) {
    console.error(`${label}: the server's output:\n${text.slice(-4000)}`);
    throw err;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
    await pumps;
    await Deno.remove(data, { recursive: true }).catch(() => {});
  }
  return rows;
}

async function bare(): Promise<Record<string, unknown>> {
  const p = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-nostdin", "-re", "-stream_loop", "-1", "-i", FILE, "-f", "null", "-"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await sleep(2000);
  const c0 = cpuMs(p.pid), t0 = performance.now();
  await sleep(SECONDS * 1000);
  const c = pct(cpuMs(p.pid) - c0, performance.now() - t0);
  p.kill("SIGKILL");
  await p.status;
  return { code: "bare ffmpeg decode", totalPct: c };
}

async function motion(): Promise<Record<string, unknown>> {
  const dir = await Deno.makeTempDir({ prefix: "motion_bench_" });
  const conf = `${dir}/motion.conf`;
  await Deno.writeTextFile(
    conf,
    [
      "daemon off",
      "log_level 4",
      `target_dir ${dir}`,
      `netcam_url file://${FILE}`,
      "width 1280",
      "height 720",
      "framerate 15",
      "picture_output off",
      "movie_output off",
      "webcontrol_port 0",
      "stream_port 0",
      "threshold 1500",
    ].join("\n") + "\n",
  );
  const p = new Deno.Command("motion", {
    args: ["-n", "-c", conf],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await sleep(4000);
  const c0 = cpuMs(p.pid), t0 = performance.now();
  await sleep(SECONDS * 1000);
  const c = pct(cpuMs(p.pid) - c0, performance.now() - t0);
  p.kill("SIGTERM");
  await p.status;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return { code: "motion 4.5", totalPct: c };
}

console.log(`file ${FILE}, ${SECONDS} s per figure, % of one core`);
for (let round = 0; round < Number(values.rounds); round++) {
  const rows: Record<string, unknown>[] = [];
  if (values.old) rows.push(...await vigil(values.old, "old (JPEG every frame)"));
  rows.push(...await vigil(NEW, "new (JPEG on demand)"));
  rows.push(await bare());
  if (values.motion) rows.push(await motion());
  for (const r of rows) console.log(JSON.stringify(r));
}
