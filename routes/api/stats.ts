/**
 * @module
 * `GET /api/stats` (admins only): how the running server is doing — frame latency from ffmpeg
 * to the WebSocket send, connected clients, storage. Read by bench/server_load.ts.
 */
import type { Hono } from "hono";
import { requireAdmin } from "../../lib/auth/mod.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/api/stats", requireAdmin("api"), (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({
      uptimeMs: Date.now() - ctx.startedAt,
      clients: ctx.clients.size,
      // percentiles over the most recent sends; null until a frame was sent
      sendLatencyMs: ctx.clients.sendLatency.summary(),
      storage: {
        bytes: ctx.store.storedBytes(),
        pendingWrites: ctx.store.pendingWrites,
        ...ctx.store.health(),
      },
      // frames dropped because the camera's JPEG was cut short (no EOI, shorter than its headers)
      cameras: ctx.cameras.list().map((cam) => ({
        id: cam.id,
        fps: cam.fps,
        truncatedJpegs: cam.truncatedJpegs ?? 0,
        // JPEGs made on demand (motion, live clients, snapshots); pass-through ones not counted
        jpegsEncoded: cam.jpegsEncoded ?? 0,
        jpegMode: cam.jpegMode ?? null,
        missingJpegs: cam.missingJpegs ?? 0,
        framesAnalysed: cam.framesAnalysed ?? 0,
      })),
      // the TCP front: open connections, refused, timed out, accept errors, and the limits
      connections: ctx.connections?.() ?? null,
      // object labels: on (the model), off (why), and the Worker's counters
      objects: ctx.objects?.status() ?? null,
    });
  });
}
