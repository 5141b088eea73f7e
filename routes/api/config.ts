/**
 * @module
 * The configuration over HTTP, for admins: `GET /api/config` (the config file's JSON, secrets
 * masked, with its ETag) and `PUT /api/config` (the whole file: validated, written atomically,
 * applied live, audited). A PUT with a stale `If-Match` gets 409; a bad one 400 naming the key,
 * and nothing changes.
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit, clientAddress, requireAdmin } from "../../lib/auth/mod.ts";
import type { SignedInEnv } from "../../lib/auth/mod.ts";
import { ConfigError, resolveConfig } from "../../lib/config/mod.ts";
import type { VigilConfig } from "../../lib/config/mod.ts";
import { configEtag, writeConfigFile } from "../../lib/config/file.ts";
import { maskSecrets, unmaskSecrets } from "../../lib/config/secrets.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";

/** A config file with many cameras and polygons stays far below this. */
const MAX_BODY = 64 * 1024;

/** no-transform: not gzipped, so the ETag stays strong (compression would make it W/"…"). */
const NO_STORE = "no-store, no-transform";

/** True when the request's If-Match (absent: true) names `etag`. */
function ifMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

/** For the audit log: which top-level keys and which cameras changed (never their values). */
export function describeChange(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  const parts = keys.filter((k) => k !== "cameras");
  if (keys.includes("cameras")) {
    const byId = (v: unknown) =>
      new Map(
        (Array.isArray(v) ? v : []).map((c, i) => [
          String((c as Record<string, unknown>)?.id ?? `#${i}`),
          JSON.stringify(c),
        ]),
      );
    const old = byId(before.cameras), now = byId(after.cameras);
    const ids: string[] = [];
    for (const [id, json] of now) {
      if (!old.has(id)) ids.push(`+${id}`);
      else if (old.get(id) !== json) ids.push(id);
    }
    for (const id of old.keys()) if (!now.has(id)) ids.push(`-${id}`);
    parts.push(`cameras (${ids.join(" ") || "order"})`);
  }
  return parts.length ? `changed ${parts.join(", ")}` : "saved without changes";
}

async function readBody(c: Context): Promise<unknown> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HTTPException(415, { message: "Expected application/json." });
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the body is not valid JSON: ${(err as Error).message}`, []);
  }
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  /** PUTs one at a time: each one's If-Match is checked against the file the last one wrote. */
  let queue: Promise<unknown> = Promise.resolve();

  app.get("/api/config", requireAdmin("api"), (c) => {
    c.header("ETag", configEtag(ctx.config.file));
    c.header("Cache-Control", NO_STORE);
    return c.json(maskSecrets(ctx.config.file));
  });

  app.put("/api/config", requireAdmin("api"), bodyLimit(MAX_BODY), async (c) => {
    const run = queue.then(() => save(c));
    queue = run.catch(() => {});
    return await run;
  });

  async function save(c: Context<AppEnv & SignedInEnv>): Promise<Response> {
    const current = ctx.config;
    const etag = configEtag(current.file);
    if (!ifMatches(c.req.header("if-match"), etag)) {
      return c.json({
        error: "The settings were changed by someone else since you loaded them: reload them " +
          "and make your change again.",
        etag,
      }, 409);
    }
    let next: VigilConfig;
    try {
      const sent = await readBody(c);
      const file = typeof sent === "object" && sent !== null && !Array.isArray(sent)
        ? unmaskSecrets(sent as Record<string, unknown>, current.file)
        : sent;
      next = resolveConfig(file, current.startup);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return c.json({ error: err.message, path: err.path ?? [] }, 400);
    }
    const write = async () => {
      try {
        await writeConfigFile(current.startup.configPath, next.file);
      } catch (err) {
        throw new HTTPException(500, {
          message: `The settings could not be saved to ${current.startup.configPath}: ${
            (err as Error).message
          } (nothing was changed)`,
        });
      }
    };
    let restartNeeded: string[] = [];
    try {
      if (ctx.live) ({ restartNeeded } = await ctx.live.apply(next, write));
      else await write();
    } catch (err) {
      // A capture option only lib/capture checks (the file is not written then).
      if (!(err instanceof ConfigError)) throw err;
      return c.json({ error: err.message, path: err.path ?? [] }, 400);
    }
    // What only a restart changes stays as it runs (the saved file says what comes next).
    ctx.config = {
      ...next,
      port: current.port,
      host: current.host,
      data: current.data,
      tlsCert: current.tlsCert,
      tlsKey: current.tlsKey,
      allowedHosts: current.allowedHosts,
      objectModel: current.objectModel,
    };
    ctx.auth.audit("config_changed", {
      actor: c.var.user.username,
      address: clientAddress(c),
      detail: describeChange(current.file, next.file),
    });
    c.header("ETag", configEtag(next.file));
    c.header("Cache-Control", NO_STORE);
    if (restartNeeded.length) c.header("X-Vigil-Restart-Needed", restartNeeded.join(","));
    return c.json(maskSecrets(next.file));
  }
}
