/**
 * Measures the running server on the demo scene (issue 2): latency from a frame's arrival
 * from ffmpeg to the WebSocket client, CPU of the server and of its ffmpeg, server RSS, and
 * bytes per second to one client in detect mode, idle and during motion.
 *
 *   deno run -A bench/server_load.ts [--seconds 60] [--mode detect|live]
 *
 * Latency is taken by the server itself (`GET /api/stats`: from the frame's arrival from ffmpeg
 * to its WebSocket send, with performance.now()), and on the client (same machine) as receipt
 * time minus the frame's `ts` (ms resolution): arrival to receipt, an upper bound.
 */
import { parseArgs } from "node:util";
import { login, openWebSocket, startVigil } from "../tests/helpers/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "60" },
    mode: { type: "string", default: "detect" },
  },
});
const seconds = Number(values.seconds);
const CLK_TCK = 100;

function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssKiB(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(
    /VmRSS:\s+(\d+)/,
  );
  return m ? Number(m[1]) : 0;
}

function childrenNamed(ppid: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppidOf = Number(
        stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1],
      );
      if (ppidOf === ppid && comm === name) pids.push(Number(entry.name));
    } catch { /* process ended */ }
  }
  return pids;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))
  ];
}

const vigil = await startVigil({ source: "demo" });
try {
  const cookie = await login(vigil.url, vigil.password);
  // Let ffmpeg and the detector settle before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  const ffmpeg = childrenNamed(vigil.pid, "ffmpeg");

  const wsUrl = `${vigil.url.replace(/^http/, "ws")}/ws?mode=${values.mode}`;
  const ws = openWebSocket(wsUrl, { cookie, origin: vigil.url });
  const latencies: number[] = [];
  // Time and bytes are split by the event messages. Until the first one arrives it is not known
  // whether an event is under way: that stretch is counted once the first message tells (a
  // start means it was idle, an end that it was an event), or as neither if none comes.
  let phase: "unknown" | "idle" | "motion" = "unknown";
  const ms = { idle: 0, motion: 0, unknown: 0 };
  const bytes = { idle: 0, motion: 0, unknown: 0 };
  let since = 0, frames = 0, frameBytes = 0;
  const flip = (now: number, next: typeof phase) => {
    ms[phase] += now - since;
    since = now;
    if (phase === "unknown" && next !== "unknown") {
      const was = next === "motion" ? "idle" : "motion";
      ms[was] += ms.unknown;
      bytes[was] += bytes.unknown;
      ms.unknown = bytes.unknown = 0;
    }
    phase = next;
  };
  ws.onmessage = (e) => {
    const now = Date.now();
    if (typeof e.data === "string") {
      const msg = JSON.parse(e.data);
      if (msg.type === "event") flip(now, msg.phase === "start" ? "motion" : "idle");
      bytes[phase] += e.data.length;
      return;
    }
    const buf = new Uint8Array(e.data as ArrayBuffer);
    const n = new DataView(buf.buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    latencies.push(now - header.ts);
    frames++;
    bytes[phase] += buf.length;
    frameBytes += buf.length;
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });

  const t0 = performance.now();
  since = Date.now();
  const cpu0 = [cpuTicks(vigil.pid), ...ffmpeg.map(cpuTicks)];
  let maxRss = 0;
  for (let s = 0; s < seconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    maxRss = Math.max(maxRss, rssKiB(vigil.pid));
  }
  const cpu1 = [cpuTicks(vigil.pid), ...ffmpeg.map(cpuTicks)];
  const wall = (performance.now() - t0) / 1000;
  flip(Date.now(), phase);
  const stats = await (await fetch(`${vigil.url}/api/stats`, { headers: { cookie } })).json();
  ws.close();

  const pct = (i: number) => (100 * (cpu1[i] - cpu0[i]) / CLK_TCK / wall).toFixed(1);
  latencies.sort((a, b) => a - b);
  const report = {
    seconds: Math.round(wall),
    mode: values.mode,
    framesReceived: frames,
    // the server's own figures: arrival from ffmpeg → WebSocket send
    serverLatencyMs: {
      p50: Number(stats.sendLatencyMs.p50?.toFixed(2)),
      p99: Number(stats.sendLatencyMs.p99?.toFixed(2)),
      samples: stats.sendLatencyMs.samples,
    },
    // the client's: arrival → receipt, at ms resolution
    clientLatencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    },
    cpuPercent: {
      server: Number(pct(0)),
      ffmpeg: ffmpeg.map((_, i) => Number(pct(i + 1))),
    },
    serverRssMiB: Math.round(maxRss / 1024),
    // During an event: from its start to its end, which comes eventGapMs after the last motion.
    bytesPerSecond: {
      idle: Math.round(bytes.idle / Math.max(0.001, ms.idle / 1000)),
      duringEvents: Math.round(bytes.motion / Math.max(0.001, ms.motion / 1000)),
    },
    bytesPerFrame: Math.round(frameBytes / Math.max(1, frames)),
    seconds_idle_events_unknown: [ms.idle, ms.motion, ms.unknown].map((v) => Math.round(v / 1000)),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await vigil.close();
}
