/**
 * @module
 * Video: `GET /api/events/:id/clip` (the event's MP4, range requests answered with 206),
 * `GET /api/recordings` (recorded spans) and `GET /api/export` (an MP4 of up to an hour, as an
 * attachment). All need a signed-in user (else 401 JSON).
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requireUser } from "../../lib/auth/mod.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { MAX_EXPORT_MS, serveFile } from "../../lib/record/mod.ts";
import type { Recordings } from "../../lib/record/mod.ts";
import { CAMERA_ID } from "../../lib/store/mod.ts";

const DAY = 86_400_000;

function bad(message: string): HTTPException {
  return new HTTPException(400, { message });
}

function time(c: Context, name: string, required: boolean): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") {
    if (required) throw bad(`${name} is required: a time in epoch milliseconds`);
    return undefined;
  }
  if (!/^\d{1,16}$/.test(raw) || Number(raw) > 8.64e15) {
    throw bad(
      `${name} must be a time in epoch milliseconds (an integer), got ${
        JSON.stringify(raw.slice(0, 40))
      }`,
    );
  }
  return Number(raw);
}

function camera(c: Context, required: boolean): string | undefined {
  const raw = c.req.query("camera");
  if (raw === undefined || raw === "") {
    if (required) throw bad("camera is required: a camera id");
    return undefined;
  }
  if (!CAMERA_ID.test(raw)) {
    throw bad(
      `camera must be a camera id (1 to 32 of a-z, 0-9, '_', '-'), got ${
        JSON.stringify(raw.slice(0, 40))
      }`,
    );
  }
  return raw;
}

function recordings(ctx: AppContext): Recordings {
  if (!ctx.recordings) {
    throw new HTTPException(404, { message: "recording is not set up in this Vigil" });
  }
  return ctx.recordings;
}

/** `2026-12-03T04-05-06Z` for file names. */
function stamp(ts: number): string {
  return new Date(ts).toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  const auth = requireUser("api");

  app.get("/api/events/:id/clip", auth, async (c) => {
    const raw = c.req.param("id") ?? "";
    if (!/^[1-9]\d{0,14}$/.test(raw)) {
      throw bad(`event id must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`);
    }
    const id = Number(raw);
    const result = await recordings(ctx).clip(id);
    switch (result.status) {
      case "missing":
        throw new HTTPException(404, { message: `no event ${id}` });
      case "none":
        throw new HTTPException(404, { message: `no recording covers event ${id}` });
      case "open":
        throw new HTTPException(409, {
          message: `event ${id} is still going on: its clip exists once it has ended`,
        });
      case "pending":
        c.header("Retry-After", String(result.retryAfter));
        c.header("Cache-Control", "no-store");
        return c.json({
          error:
            `the post-capture of event ${id} is still being recorded: retry in ${result.retryAfter} s`,
        }, 409);
    }
    const clip = result.clip;
    const download = c.req.query("download") === "1";
    const name = `vigil-event-${id}.mp4`;
    return await serveFile(c.req.raw, clip.path, {
      "Content-Type": "video/mp4",
      "Cache-Control": "private, max-age=3600",
      "Content-Disposition": `${download ? "attachment" : "inline"}; filename="${name}"`,
      "X-Clip-Start": String(Math.round(clip.start)),
      "X-Clip-End": String(Math.round(clip.end)),
    });
  });

  app.get("/api/recordings", auth, (c) => {
    const cam = camera(c, false);
    const until = time(c, "until", false) ?? Date.now();
    const since = time(c, "since", false) ?? Math.max(0, until - DAY);
    if (since >= until) throw bad("since must be before until");
    c.header("Cache-Control", "no-store");
    return c.json(recordings(ctx).spans({ camera: cam, since, until }));
  });

  app.get("/api/export", auth, async (c) => {
    const cam = camera(c, true)!;
    const since = time(c, "since", true)!;
    // without `until`: the hour from `since` (the history page's "export this hour" form)
    const until = time(c, "until", false) ?? since + MAX_EXPORT_MS;
    if (since >= until) throw bad("since must be before until");
    if (until - since > MAX_EXPORT_MS) {
      throw bad("an export is at most 1 hour (until - since ≤ 3600000)");
    }
    const clip = await recordings(ctx).export(cam, since, until);
    if (!clip) {
      throw new HTTPException(404, { message: `no recording of ${cam} in that span` });
    }
    const name = `vigil-${cam}-${stamp(clip.start)}.mp4`;
    return await serveFile(c.req.raw, clip.path, {
      "Content-Type": "video/mp4",
      "Cache-Control": "no-store",
      "Content-Disposition": `attachment; filename="${name}"`,
    }, () => Deno.remove(clip.path).catch(() => {}));
  });
}
