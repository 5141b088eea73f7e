/** Child process for capture_orphan_test.ts: runs a demo capture and prints ffmpeg's pid. */
import { CameraCapture } from "../lib/capture/mod.ts";

const cam = new CameraCapture({
  id: "orphan",
  source: Deno.args[0] ?? "demo",
  detectWidth: 160,
  detectHeight: 120,
});
cam.onFrame = () => {};
cam.onState = (state) => {
  if (state === "running") console.log(`ffmpeg ${cam.pid}`);
};
cam.start();
if (Deno.args[1] === "sigterm") {
  Deno.addSignalListener("SIGTERM", async () => {
    await cam.stop();
    Deno.exit(0);
  });
}
