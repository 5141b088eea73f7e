import type { Hono } from "hono";
import type { AppContext, AppEnv, CameraInfo } from "../../lib/context.ts";
import {
  ERROR_LINE_CHARS,
  ERROR_LINES,
  publicMessage,
  redactSource,
} from "../../lib/capture/mod.ts";

/** One camera in the answer: CONTRACT's id, state and fps, then what to tell people. */
export interface CameraHealth {
  id: string;
  state: CameraInfo["state"];
  fps: number;
  /** What the state means and what to do; without login, no address and no ffmpeg output. */
  message: string;
  /** ffmpeg's last stderr lines (passwords redacted): signed in, and failed or stalled only. */
  error?: string[];
  /** The camera's video recording: its state and, when it failed, why and what to do. */
  recording?: { state: string; message: string };
}

/** `GET /api/health`: public, for monitors and load balancers; no secrets in it. */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/api/health", (c) => {
    const signedIn = Boolean(c.get("user"));
    const sources = new Map((ctx.config.cameras ?? []).map((cam) => [cam.id, cam.source]));
    const cameras = ctx.cameras.list().map((cam) => {
      const health: CameraHealth = {
        id: cam.id,
        state: cam.state,
        fps: cam.fps,
        message: signedIn
          ? redactSource(cam.message)
          : publicMessage(cam.message, sources.get(cam.id) ?? ""),
      };
      const relevant = cam.state === "failed" || cam.state === "stalled";
      if (signedIn && relevant && cam.error?.length) {
        // Redacted again here: this is the last stop before the network.
        health.error = cam.error.slice(-ERROR_LINES)
          .map((line) => redactSource(line).slice(0, ERROR_LINE_CHARS));
      }
      if (cam.recording) {
        const message = signedIn
          ? redactSource(cam.recording.message)
          : publicMessage(cam.recording.message, sources.get(cam.id) ?? "");
        health.recording = { state: cam.recording.state, message };
      }
      return health;
    });
    // Storage failing degrades history, not alerts: said here so people free space in time.
    const storage = ctx.store?.health() ?? { status: "ok" as const };
    const ok = cameras.every((cam) =>
      cam.state === "running" && cam.recording?.state !== "failed"
    ) && storage.status === "ok";
    // The answer depends on the session cookie: no shared cache may keep it.
    c.header("Cache-Control", "no-store");
    c.header("Vary", "Cookie");
    // MQTT's connection, when configured (it does not change `status`: alerts still work)
    const mqtt = ctx.notify?.mqttStatus();
    return c.json({
      status: ok ? "ok" : "degraded",
      ...(storage.message ? { message: storage.message } : {}),
      cameras,
      storage,
      ...(mqtt
        ? {
          mqtt: {
            state: mqtt.state,
            since: mqtt.since,
            ...(signedIn ? { message: mqtt.message } : {}),
          },
        }
        : {}),
    });
  });
}
