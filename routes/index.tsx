import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { island, renderPage } from "../lib/web/mod.ts";
import type { Mode } from "../lib/web/live_socket.ts";
import ViewerIsland from "../islands/Viewer.tsx";

const Viewer = island(ViewerIsland, "Viewer");

/** `GET /`: the live viewer. `?camera=ID&mode=detect|live|off` pick the start state. */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/", (c) => {
    const cameras = ctx.cameras.list().map((cam) => ({
      id: cam.id,
      name: cam.name,
      state: cam.state,
      message: cam.message,
      width: cam.width,
      height: cam.height,
      lastMotion: cam.lastMotion,
    }));
    const q = c.req.query("camera");
    const camera = cameras.find((x) => x.id === q)?.id ?? cameras[0]?.id ?? "";
    const m = c.req.query("mode");
    const mode: Mode = m === "live" || m === "off" ? m : "detect";
    return renderPage(
      c,
      cameras.length === 0
        ? (
          <section class="card">
            <h1>No camera configured</h1>
            <p>
              Start Vigil with{" "}
              <code>--source demo</code>, a device, a URL or a video file, or list cameras in a{" "}
              <code>--config</code> file.
            </p>
          </section>
        )
        : <Viewer cameras={cameras} camera={camera} mode={mode} />,
      { title: "Live" },
    );
  });
}
