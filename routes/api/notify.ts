/**
 * The notification switches and the browser's Web Push subscription:
 * `GET|PUT /api/armed`, `GET /api/push/key`, `POST|DELETE /api/push/subscriptions`,
 * `POST /api/push/test`. Without notifications set up (tests), they answer 404.
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit, requireAdmin, requireUser } from "../../lib/auth/mod.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import type { Notifications } from "../../lib/notify/mod.ts";
import { fromB64url } from "../../lib/notify/mod.ts";

async function readJson(c: Context): Promise<Record<string, unknown>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HTTPException(415, { message: "Expected application/json." });
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HTTPException(400, { message: "The body is not valid JSON." });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HTTPException(400, { message: "The body must be a JSON object." });
  }
  return body as Record<string, unknown>;
}

function need(ctx: AppContext): Notifications {
  if (!ctx.notify) throw new HTTPException(404, { message: "notifications are not running" });
  return ctx.notify;
}

/** A browser's push endpoint: https (or http, when `notify.push.allowHttp`), at most 1 kB. */
function checkEndpoint(raw: unknown, allowHttp: boolean): string {
  if (typeof raw !== "string" || raw.length > 1024) {
    throw new HTTPException(400, { message: "endpoint must be the push service's URL" });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HTTPException(400, { message: "endpoint must be the push service's URL" });
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    throw new HTTPException(400, { message: "endpoint must be an https:// URL" });
  }
  if (url.username || url.password) {
    throw new HTTPException(400, { message: "endpoint must not hold a login" });
  }
  return raw;
}

function checkKey(raw: unknown, name: string, bytes: number[]): string {
  let ok = false;
  try {
    ok = typeof raw === "string" && raw.length < 200 && bytes.includes(fromB64url(raw).length);
  } catch { /* below */ }
  if (!ok) throw new HTTPException(400, { message: `keys.${name} is not a valid key` });
  return raw as string;
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  const user = requireUser("api");
  app.get("/api/armed", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ armed: need(ctx).armed.value });
  });
  app.put("/api/armed", requireAdmin("api"), bodyLimit(1024), async (c) => {
    const n = need(ctx);
    const body = await readJson(c);
    if (typeof body.armed !== "boolean") {
      throw new HTTPException(400, { message: 'send {"armed": true} or {"armed": false}' });
    }
    n.armed.set(body.armed, `api:${c.var.user.username}`);
    return c.json({ armed: n.armed.value });
  });

  app.get("/api/push/key", user, (c) => {
    const n = need(ctx);
    if (!n.vapid) throw new HTTPException(404, { message: "Web Push is off (notify.push)" });
    return c.json({ publicKey: n.vapid.publicKey });
  });
  app.post("/api/push/subscriptions", user, bodyLimit(4096), async (c) => {
    const n = need(ctx);
    if (!n.vapid) throw new HTTPException(404, { message: "Web Push is off (notify.push)" });
    const body = await readJson(c);
    const keys = (body.keys ?? {}) as Record<string, unknown>;
    const endpoint = checkEndpoint(body.endpoint, n.settings.notify.push.allowHttp);
    const me = c.var.user;
    n.db.addSubscription({
      userId: me.id,
      username: me.username,
      endpoint,
      p256dh: checkKey(keys.p256dh, "p256dh", [65]),
      auth: checkKey(keys.auth, "auth", [16]),
      userAgent: c.req.header("user-agent") ?? "",
    });
    return c.json({ ok: true, devices: n.db.subscriptions(me.id).length }, 201);
  });
  app.delete("/api/push/subscriptions", user, bodyLimit(4096), async (c) => {
    const n = need(ctx);
    const body = await readJson(c);
    const me = c.var.user;
    if (typeof body.endpoint !== "string") {
      throw new HTTPException(400, { message: "send the endpoint to remove" });
    }
    n.db.removeSubscription(body.endpoint, me.id);
    return c.body(null, 204);
  });
  app.post("/api/push/test", user, async (c) => {
    const n = need(ctx);
    if (!n.push) throw new HTTPException(404, { message: "Web Push is off (notify.push)" });
    const me = c.var.user;
    const statuses = await n.push.test(me.id);
    return c.json({
      devices: statuses.length,
      ok: statuses.filter((s) => s >= 200 && s < 300).length,
    });
  });
}
