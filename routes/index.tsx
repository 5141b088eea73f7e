import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { island, renderPage } from "../lib/web/mod.ts";
import { isMode, type Mode } from "../lib/protocol.ts";
import { isVideoMode } from "../lib/live/mse_protocol.ts";
import ViewerIsland from "../islands/Viewer.tsx";
import CameraGridIsland from "../islands/CameraGrid.tsx";

const Viewer = island(ViewerIsland, "Viewer");
const CameraGrid = island(CameraGridIsland, "CameraGrid");

/**
 * `GET /`: with one camera, the viewer; with several, a grid of them all, each tile a link to
 * `/?camera=ID`, the viewer of that camera alone. `?mode=detect|live|off` picks the viewer's
 * start mode; `&video=mse` asks for the camera's H.264 video in live mode (else this
 * browser's last choice); `&delta=1|0` turns the data saver (live frames as changed areas) on
 * or off (else this browser's last choice).
 */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/", (c) => {
    const cameras = ctx.cameras.list().map((cam) => ({
      id: cam.id,
      name: cam.name,
      state: cam.state,
      message: cam.message,
      fps: cam.fps,
      width: cam.width,
      height: cam.height,
      lastMotion: cam.lastMotion,
    }));
    if (cameras.length === 0) {
      return renderPage(
        c,
        <section class="card">
          <h1>No camera configured</h1>
          <p>
            Start Vigil with{" "}
            <code>--source demo</code>, a device, a URL or a video file, or list cameras in a{" "}
            <code>--config</code> file.
          </p>
        </section>,
        { title: "Live" },
      );
    }
    const q = c.req.query("camera");
    const chosen = cameras.find((x) => x.id === q);
    if (!chosen && cameras.length > 1) {
      return renderPage(c, <CameraGrid cameras={cameras} />, { title: "Cameras" });
    }
    const camera = chosen ?? cameras[0];
    const m = c.req.query("mode");
    const mode: Mode = isMode(m) ? m : "detect";
    const v = c.req.query("video");
    return renderPage(
      c,
      <Viewer
        cameras={cameras}
        camera={camera.id}
        mode={mode}
        video={isVideoMode(v) ? v : null}
        delta={c.req.query("delta") === "1" ? true : c.req.query("delta") === "0" ? false : null}
      />,
      { title: cameras.length > 1 ? camera.name || camera.id : "Live" },
    );
  });
}
