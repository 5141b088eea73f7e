/**
 * `deno task bench [NAME…]`: runs Vigil's benchmarks one after another and prints their
 * results. With no name, all of them. Timings are figures to read, never pass/fail.
 *
 *   detector  accuracy and ms/frame beside the OpenCV anchors (needs ../shared and python3-opencv)
 *   server    latency, CPU, RSS and bytes/s of the server on the demo scene (60 s)
 *   capture   ffmpeg + server CPU per camera, MJPEG pass-through vs re-encode
 *   demo      the demo camera's ffmpeg CPU: live lavfi graph vs the pre-rendered loop
 *   stalled   a WebSocket client that stops reading: time to be ended, memory held
 *   kdf       password hashing cost per login
 *   timings   what tests must not time: a fresh build's skip, addFrame() (deno bench)
 *   notify    motion frame → WebSocket, MQTT, webhook and Web Push latency (50 events)
 *   config    PUT /api/config → the detector using the new mask (20 runs)
 *   live      live mode's bytes/s, full JPEGs vs delta frames, PSNR and server CPU (vtest, demo)
 */
const ROOT = new URL("../", import.meta.url);

const BENCHES: Record<string, string[]> = {
  detector: ["sh", "bench/detector.sh"],
  server: [Deno.execPath(), "run", "-A", "bench/server_load.ts", "--seconds", "60"],
  capture: [Deno.execPath(), "run", "-A", "bench/capture_cpu.ts"],
  demo: [Deno.execPath(), "run", "-A", "bench/demo_cpu.ts"],
  stalled: [Deno.execPath(), "run", "-A", "bench/stalled_client.ts"],
  kdf: [Deno.execPath(), "run", "-A", "bench/kdf_bench.ts"],
  timings: [Deno.execPath(), "bench", "-A", "bench/timings_bench.ts"],
  notify: [Deno.execPath(), "run", "-A", "--lock=tests/deno.lock", "bench/notify_latency.ts"],
  config: [Deno.execPath(), "run", "-A", "--lock=tests/deno.lock", "bench/config_apply.ts"],
  live: [Deno.execPath(), "run", "-A", "--lock=tests/deno.lock", "bench/live_bytes.ts"],
};

const names = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const cmd = BENCHES[name];
  if (!cmd) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    Deno.exit(2);
  }
  console.log(`\n== ${name}: ${cmd.join(" ")}`);
  const { code } = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`== ${name} exited with ${code}`);
    failed++;
  }
}
Deno.exit(failed ? 1 : 0);
