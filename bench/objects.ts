/**
 * Object labels (issue 12): speed of the model, accuracy on the shared data, and the server's
 * latency and CPU with objects on vs off.
 *
 *   deno run -A bench/objects.ts [--inference] [--accuracy [--fps 30,2]] [--server] [--seconds 60]
 *                                [--runs 20] [--centernet DIR/centernet.json] [--data DIR]
 *
 * With no section flag, all three run.
 * - inference: ms per 416×416 crop (NanoDet on TensorFlow.js WebAssembly, one thread; and
 *   CenterNet from the same npm package when given), and ms to decode a 640×480 JPEG.
 * - accuracy: `deno task detect --objects` on pedestrians, highway and a 66 s demo video, every
 *   motion frame classified (`objects.fps` 30) and as the server does (fps 2); motion frames
 *   are grouped into events by lib/motion's EventTracker (default settings, 25 fps input).
 *   Prints the share of motion events and of classified frames with `person` / `vehicle`.
 * - server: the real server on vtest.avi (people walking all the time, 768×576, 10 fps), one
 *   client in detect mode, objects on, then off: frame arrival → WebSocket send p50/p99
 *   (`/api/stats`) and the server's CPU (its Worker included).
 */
import { parseArgs } from "node:util";
import { EventTracker } from "../lib/motion/mod.ts";
import { DEFAULT_DETECTOR_SETTINGS } from "../lib/motion/mod.ts";
import { demoGraph } from "../lib/capture/ffmpeg_args.ts";
import { classifyFrame, decodeJpeg } from "../lib/objects/classify.ts";
import { COCO_LABELS } from "../lib/objects/labels.ts";
import { DEFAULT_OBJECT_SETTINGS } from "../lib/objects/settings.ts";
import { gtBoxes } from "./objects_gt.ts";
import { loadNanoDet } from "../lib/objects/nanodet.ts";
import type { ObjectModel } from "../lib/objects/model.ts";
import { login, openWebSocket, startVigil } from "../tests/helpers/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    inference: { type: "boolean" },
    accuracy: { type: "boolean" },
    server: { type: "boolean" },
    seconds: { type: "string", default: "60" },
    runs: { type: "string", default: "20" },
    centernet: { type: "string" },
    fps: { type: "string", default: "30,2" },
    data: { type: "string", default: new URL("../../shared/data/", import.meta.url).pathname },
  },
});
const all = !values.inference && !values.accuracy && !values.server;
const DATA = values.data!.endsWith("/") ? values.data! : `${values.data}/`;
const ROOT = new URL("../", import.meta.url);

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: +q(0.5).toFixed(1), p90: +q(0.9).toFixed(1), min: +s[0].toFixed(1) };
}

// ---- inference ----
async function timeModel(model: ObjectModel, runs: number) {
  const jpeg = await Deno.readFile(
    new URL("tests/fixtures/objects/pedestrians_in000500.jpg", ROOT),
  );
  const image = await decodeJpeg(jpeg);
  const side = Math.max(image.width, image.height);
  const region: [number, number, number, number] = [0, (image.height - side) / 2, side, side];
  for (let i = 0; i < 3; i++) await model.detect(image, region, 0.5); // warm up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await model.detect(image, region, 0.5);
    ms.push(performance.now() - t0);
  }
  return stats(ms);
}

async function centerNet(path: string): Promise<ObjectModel> {
  // CenterNet (MobileNetV3, 512×512, NHWC, 0..255 input, detections [1,100,6]) for comparison.
  const tf = await import("@tensorflow/tfjs-core");
  const { loadGraphModel } = await import("@tensorflow/tfjs-converter");
  const json = JSON.parse(await Deno.readTextFile(path));
  const bin = await Deno.readFile(new URL(json.weightsManifest[0].paths[0], `file://${path}`));
  const model = await loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer,
        format: json.format,
      }),
  });
  const S = 512;
  return {
    name: "centernet-512",
    inputSize: S,
    async detect(image, region, minScore) {
      const input = new Float32Array(S * S * 3);
      const scale = region[2] / S;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const sx = Math.floor(region[0] + x * scale), sy = Math.floor(region[1] + y * scale);
          if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) continue;
          const p = (sy * image.width + sx) * 4, o = (y * S + x) * 3;
          input[o] = image.data[p],
            input[o + 1] = image.data[p + 1],
            input[o + 2] = image.data[p + 2];
        }
      }
      const t = tf.tensor4d(input, [1, S, S, 3]);
      const out = model.execute(t, [
        "tower_0/detections",
      ]) as import("@tensorflow/tfjs-core").Tensor;
      t.dispose();
      const d = await out.data();
      out.dispose();
      const found = [];
      for (let i = 0; i < 100; i++) {
        const [x1, y1, x2, y2, score, cls] = d.slice(i * 6, i * 6 + 6);
        if (score < minScore) continue;
        const box = [x1, y1, x2 - x1, y2 - y1].map((v, k) =>
          Math.round(v * scale + (k < 2 ? region[k] : 0))
        ) as [number, number, number, number];
        found.push({ label: COCO_LABELS[Math.round(cls)] ?? "?", score, box });
      }
      return found;
    },
    dispose: () => model.dispose(),
  };
}

/** What a model finds on the two fixture frames, around their ground truth (as in the tests). */
async function fixtureLabels(model: ObjectModel) {
  const out: Record<string, string[]> = {};
  for (const [name, gt] of [["pedestrians", "000500"], ["highway", "001000"]]) {
    const dir = new URL("tests/fixtures/objects/", ROOT);
    const image = await decodeJpeg(await Deno.readFile(new URL(`${name}_in${gt}.jpg`, dir)));
    const boxes = await gtBoxes(new URL(`${name}_gt${gt}.png`, dir));
    const r = await classifyFrame(model, image, boxes, DEFAULT_OBJECT_SETTINGS);
    out[name] = r.objects.map((o) => `${o.label} ${o.score.toFixed(2)}`);
  }
  return out;
}

if (all || values.inference) {
  const runs = Number(values.runs);
  const nano = await loadNanoDet();
  console.log(
    `inference nanodet-416 (tfjs-wasm, 1 thread), ms per crop:`,
    await timeModel(nano, runs),
  );
  console.log("  finds:", await fixtureLabels(nano));
  nano.dispose();
  if (values.centernet) {
    const cn = await centerNet(values.centernet);
    console.log(`inference centernet-512 (tfjs-wasm), ms per crop:`, await timeModel(cn, runs));
    console.log("  finds:", await fixtureLabels(cn));
    cn.dispose();
  }
  const demo = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      demoGraph(),
      "-ss",
      "4",
      "-frames:v",
      "1",
      "-q:v",
      "5",
      "-f",
      "mjpeg",
      "-",
    ],
    stdout: "piped",
  }).output(); // deno-fmt-ignore
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await decodeJpeg(demo.stdout);
    ms.push(performance.now() - t0);
  }
  console.log(`decode 640x480 JPEG (imagescript WebAssembly), ms:`, stats(ms));
}

// ---- accuracy ----
interface Line {
  frame: number;
  motion: boolean;
  objects?: { label: string; score: number }[];
}

async function detectObjects(input: string, fps: number): Promise<Line[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ objects: { fps } }));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "detect.ts",
        input,
        "--objects",
        "--config",
        `${dir}/c.json`,
        "--out",
        `${dir}/o.jsonl`,
      ],
      cwd: ROOT,
      stderr: "piped",
    }).output(); // deno-fmt-ignore
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(err);
    const summary = err.match(/objects: .*/)?.[0];
    if (summary) console.log(`    ${summary}`);
    return (await Deno.readTextFile(`${dir}/o.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const VEHICLES = ["car", "truck", "bus", "motorcycle", "bicycle"];
const has = (l: Line, label: string) =>
  !!l.objects?.some((o) => label === "vehicle" ? VEHICLES.includes(o.label) : o.label === label);

function score(lines: Line[], label: string, frameMs: number, gapMs?: number) {
  const s = DEFAULT_DETECTOR_SETTINGS;
  const tracker = new EventTracker({
    minFrames: s.minFrames,
    gapMs: gapMs ?? s.eventGapMs,
    maxMs: s.maxEventMs,
  });
  const events: Line[][] = [];
  let current: Line[] | null = null;
  let pending: Line[] = [];
  for (const l of lines) {
    const step = tracker.update(l.frame * frameMs, l.motion);
    if (step.end || step.split) current = null;
    if (step.start || step.split) {
      current = [...pending];
      events.push(current);
      pending = [];
    }
    if (l.motion) (current ?? pending).push(l);
    else if (!current) pending = [];
  }
  const classified = lines.filter((l) => l.objects);
  const labelled = events.filter((e) => e.some((l) => has(l, label)));
  const anyPerson = events.filter((e) => e.some((l) => has(l, "person")));
  return {
    events: events.length,
    eventsWithLabel: labelled.length,
    eventShare: +(labelled.length / Math.max(1, events.length)).toFixed(3),
    eventsWithPerson: anyPerson.length,
    motionFrames: lines.filter((l) => l.motion).length,
    classifiedFrames: classified.length,
    frameShare: +(classified.filter((l) => has(l, label)).length / Math.max(1, classified.length))
      .toFixed(3),
    personLabelsOnFrames: classified.filter((l) => has(l, "person")).length,
  };
}

if (all || values.accuracy) {
  const demoFile = `${await Deno.makeTempDir()}/demo.mp4`;
  const made = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      demoGraph(),
      "-t",
      "66",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-crf",
      "20",
      demoFile,
    ],
  }).output(); // deno-fmt-ignore
  if (!made.success) throw new Error("could not make the demo video");
  const inputs: [string, string, string, number][] = [
    ["pedestrians", `${DATA}pedestrians/input`, "person", 40],
    ["highway", `${DATA}highway/input`, "vehicle", 40],
    ["demo (66 s, 6 crossings)", demoFile, "person", 1000 / 15],
  ];
  for (const fps of values.fps!.split(",").map(Number)) {
    const how = fps >= 25 ? " (every motion frame)" : " (as the server)";
    console.log(`accuracy, objects.fps ${fps}${how}:`);
    for (const [name, input, label, frameMs] of inputs) {
      const lines = await detectObjects(input, fps);
      console.log(`  ${name} → ${label}:`, score(lines, label, frameMs));
      // The CDnet sequences are one long event at the default 5 s gap: with a 1 s gap, each
      // passage of people or cars is an event of its own.
      console.log(`  ${name} → ${label}, 1 s gaps:`, score(lines, label, frameMs, 1000));
    }
  }
  await Deno.remove(demoFile.replace(/\/demo\.mp4$/, ""), { recursive: true });
}

// ---- server latency and CPU ----
function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

async function serverRun(objects: boolean, seconds: number) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/vigil.json`,
    JSON.stringify({
      objects: { enabled: objects },
      cameras: [{ id: "cam1", source: `${DATA}vtest.avi` }],
    }),
  );
  const vigil = await startVigil({ source: null, args: ["--config", `${dir}/vigil.json`] });
  try {
    const cookie = await login(vigil.url, vigil.password);
    await new Promise((r) => setTimeout(r, 4000)); // model loaded, detector settled
    const ws = openWebSocket(`${vigil.url.replace(/^http/, "ws")}/ws?mode=detect`, {
      cookie,
      origin: vigil.url,
    });
    let frames = 0, labelled = 0, motion = 0;
    ws.onmessage = (e) => {
      if (typeof e.data !== "string") return void frames++;
      const m = JSON.parse(e.data);
      if (m.type === "motion") motion++, labelled += m.labels?.length ? 1 : 0;
    };
    await new Promise((r) => ws.onopen = r);
    const cpu0 = cpuTicks(vigil.pid), t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = (100 * (cpuTicks(vigil.pid) - cpu0) / 100) / ((performance.now() - t0) / 1000);
    const st = await (await fetch(`${vigil.url}/api/stats`, { headers: { cookie } })).json();
    const closed = new Promise((r) => ws.onclose = r);
    ws.close();
    await closed;
    return {
      objects,
      framesReceived: frames,
      motionMessages: motion,
      withLabels: labelled,
      sendLatencyMs: {
        p50: +st.sendLatencyMs.p50.toFixed(2),
        p99: +st.sendLatencyMs.p99.toFixed(2),
        samples: st.sendLatencyMs.samples,
      },
      serverCpuPercent: +cpu.toFixed(1),
      serverRssMiB: Math.round(
        Number(Deno.readTextFileSync(`/proc/${vigil.pid}/status`).match(/VmRSS:\s+(\d+)/)?.[1]) /
          1024,
      ),
      objectCounters: st.objects?.counters ?? null,
      objectsLog: vigil.output().split("\n").filter((l) => l.includes("objects")).join(" | "),
    }; // deno-fmt-ignore
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (all || values.server) {
  const seconds = Number(values.seconds);
  console.log("server on vtest.avi, detect mode:", await serverRun(true, seconds));
  console.log("server on vtest.avi, detect mode:", await serverRun(false, seconds));
}
