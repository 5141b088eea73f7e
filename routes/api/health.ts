import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../../lib/context.ts";

/** `GET /api/health`: public, for monitors and load balancers; no secrets in it. */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/api/health", (c) => {
    const cameras = ctx.cameras.list().map(({ id, state, fps }) => ({
      id,
      state,
      fps,
    }));
    const ok = cameras.every((cam) => cam.state === "running");
    return c.json({ status: ok ? "ok" : "degraded", cameras });
  });
}
