/**
 * @module
 * `GET /api/cameras/:id/snapshot`: a camera's latest frame as `image/jpeg`, for signed-in users.
 * The frames come from the bus (lib/bus `latestFrames`). Without a live client, JPEGs are made
 * only every few seconds (lib/pipeline SNAPSHOT_EVERY_MS), so an older one asks the pipeline for
 * a fresh frame first and waits for it briefly.
 */
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireUser } from "../../lib/auth/mod.ts";
import { latestFrames } from "../../lib/bus/mod.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { CAMERA_ID } from "../../lib/protocol.ts";

/** How long a client should wait before asking again when no frame exists yet (seconds). */
const RETRY_AFTER_S = 2;
/** A latest frame older than this is refreshed before it is served (ms). */
export const SNAPSHOT_FRESH_MS = 2000;
/** How long a snapshot waits for a fresh frame before serving what there is (ms). */
const FRESH_WAIT_MS = 1500;

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  const latest = latestFrames(ctx.bus);
  app.get("/api/cameras/:id/snapshot", requireUser("api"), async (c) => {
    const id = c.req.param("id");
    const cam = CAMERA_ID.test(id) ? ctx.cameras.get(id) : undefined;
    if (!cam) {
      throw new HTTPException(404, {
        message: `no camera ${JSON.stringify(id.slice(0, 40))} (known: ${
          ctx.cameras.list().map((x) => x.id).join(", ")
        })`,
      });
    }
    let frame = latest.get(cam.id);
    if (cam.state === "running" && (!frame || Date.now() - frame.ts > SNAPSHOT_FRESH_MS)) {
      await ctx.bus.requestFrame(cam.id, FRESH_WAIT_MS);
      frame = latest.get(cam.id);
    }
    if (!frame) {
      c.header("Retry-After", String(RETRY_AFTER_S));
      c.header("Cache-Control", "no-store");
      throw new HTTPException(503, {
        message: `no frame from camera ${cam.id} yet (it is ${cam.state}): try again shortly`,
      });
    }
    return c.body(frame.jpeg as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "image/jpeg",
      "Content-Length": String(frame.jpeg.length),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      // Extensions: when the frame was captured, and how long ago (no clock skew to correct).
      "X-Frame-Ts": String(frame.ts),
      "X-Frame-Age-Ms": String(Math.max(0, Date.now() - frame.ts)),
    });
  });
}
