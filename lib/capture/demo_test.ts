import assert from "node:assert/strict";
import { demoLoop, demoLoopName } from "./demo.ts";
import { DEMO_PERIOD_S, demoGraph, ffmpegArgs } from "./ffmpeg_args.ts";
import type { FfmpegPlan } from "./ffmpeg_args.ts";

const W = 160, H = 120, FPS = 5;

/** `frames` gray frames of an ffmpeg input, W×H. */
async function gray(input: string[], frames: number): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      ...input,
      "-frames:v",
      String(frames),
      "-vf",
      "format=gray",
      "-f",
      "rawvideo",
      "pipe:1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

Deno.test("demoLoop() renders one period of the demo scene once, and it looks like the live graph", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil_demo_" });
  try {
    const opts = { dir: `${dir}/sub`, width: W, height: H, fps: FPS, jpegQuality: 5 };
    const [a, b] = await Promise.all([demoLoop(opts), demoLoop(opts)]);
    assert.equal(a, b, "concurrent calls share one render");
    assert.equal(a, `${dir}/sub/${demoLoopName(W, H, FPS, 5)}`);
    const mtime = Deno.statSync(a).mtime?.getTime();
    assert.equal(await demoLoop(opts), a);
    assert.equal(Deno.statSync(a).mtime?.getTime(), mtime, "rendered once, then reused");
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name),
      [demoLoopName(W, H, FPS, 5)],
      "no temporary file left",
    );

    // Two periods of the loop played in a loop against the live graph: the same scene at the
    // same times (the object crosses in both), within JPEG's error.
    const n = 2 * DEMO_PERIOD_S * FPS;
    const loop = await gray(["-stream_loop", "-1", "-i", a], n);
    const live = await gray(["-f", "lavfi", "-i", demoGraph(W, H, FPS)], n);
    assert.equal(loop.length, W * H * n);
    assert.equal(live.length, W * H * n);
    let worst = 0, moving = 0;
    for (let f = 0; f < n; f++) {
      let sum = 0, change = 0;
      for (let i = f * W * H; i < (f + 1) * W * H; i++) {
        sum += Math.abs(loop[i] - live[i]);
        if (f > 0) change += Math.abs(live[i] - live[i - W * H]);
      }
      worst = Math.max(worst, sum / (W * H));
      if (change / (W * H) > 0.2) moving++;
    }
    assert.ok(worst < 2, `mean gray difference per frame at most ${worst.toFixed(2)}`);
    assert.ok(moving > 10, `the object moves in ${moving} frames`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demoLoop() rejects when the folder cannot be made", async () => {
  const file = await Deno.makeTempFile();
  try {
    await assert.rejects(demoLoop({ dir: `${file}/x`, jpegQuality: 5 }));
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("ffmpegArgs() plays the demo loop in a loop and passes its JPEGs through", () => {
  const plan: FfmpegPlan = {
    source: "demo",
    passthrough: true,
    detectWidth: 320,
    detectHeight: 240,
    jpegQuality: 5,
    timeoutMs: 10_000,
    demoLoop: "/data/.demo/loop.mkv",
  };
  const args = ffmpegArgs(plan);
  const i = args.indexOf("-i");
  assert.deepEqual(args.slice(i - 3, i + 2), ["-re", "-stream_loop", "-1", "-i", plan.demoLoop]);
  assert.ok(args.join(" ").includes("-c:v:1 copy"), "JPEGs copied");
  assert.ok(!args.includes("lavfi"));
  // without a loop: the live graph, raw pictures out (JPEGs are encoded on demand)
  const live = ffmpegArgs({ ...plan, demoLoop: undefined });
  assert.ok(live.includes("lavfi") && live.includes("rawvideo") && !live.includes("mjpeg"));
});
