/**
 * @module
 * Motion events as JSON: `GET /api/events`, `GET /api/events/:id`, `GET /api/events/:id/frames`
 * and the timeline histogram `GET /api/timeline`. All need a logged-in user (else 401 JSON).
 * `DELETE /api/events/:id` is for admins only (403 for viewers).
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { clientAddress, requireAdmin, requireUser, type SignedInEnv } from "../../lib/auth/mod.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { withThumbnail } from "../../lib/store/mod.ts";
import { CAMERA_ID } from "../../lib/protocol.ts";
import { isLabel, LABELS } from "../../lib/objects/labels.ts";
import { alertMatch } from "../../lib/objects/alert.ts";
import type { EventRow } from "../../lib/store/mod.ts";

/** Most events one request returns. */
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
/** Most bars the timeline returns. */
export const MAX_BUCKETS = 2000;
const DAY = 86_400_000;
const NICE_BUCKETS = [
  1_000,
  5_000,
  10_000,
  30_000,
  60_000,
  300_000,
  600_000,
  900_000,
  1_800_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  DAY,
  7 * DAY,
];

/** A wrong query parameter: app.onError answers it as 400 `{"error"}`. */
function badParam(message: string): HTTPException {
  return new HTTPException(400, { message });
}

function noEvent(id: number): HTTPException {
  return new HTTPException(404, { message: `no event ${id}` });
}

/** Non-negative integer (digits only, no sign, exponent or fraction); undefined when absent. */
function intParam(
  c: Context,
  name: string,
  what: string,
  min: number,
  max: number,
): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw badParam(`${name} must be ${what}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return Number(raw);
}

function timeParam(c: Context, name: string): number | undefined {
  return intParam(c, name, "a time in epoch milliseconds (an integer)", 0, 8.64e15);
}

function cameraParam(c: Context): string | undefined {
  const raw = c.req.query("camera");
  if (raw === undefined || raw === "") return undefined;
  if (!CAMERA_ID.test(raw)) {
    throw badParam(
      `camera must be a camera id (1 to 32 of a-z, 0-9, '_', '-'), got ${
        JSON.stringify(raw.slice(0, 40))
      }`,
    );
  }
  return raw;
}

/** `label=person`: one of the object labels; undefined when absent. */
export function labelParam(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!isLabel(raw)) {
    throw badParam(
      `label must be one of ${LABELS.join(", ")}, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return raw;
}

function eventIdParam(c: Context): number {
  const raw = c.req.param("id") ?? "";
  if (!/^[1-9]\d{0,14}$/.test(raw)) {
    throw badParam(
      `event id must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}

/**
 * Deletes a closed event for the admin making the request and records it in the audit log.
 * Shared by the API and the history page.
 */
export async function deleteEventFor(
  c: Context<AppEnv & SignedInEnv>,
  ctx: AppContext,
  id: number,
): Promise<"deleted" | "open" | "missing"> {
  const event = ctx.store.getEvent(id);
  const outcome = await ctx.store.deleteEvent(id);
  if (outcome === "deleted" && event) {
    ctx.auth.audit("event_deleted", {
      actor: c.var.user.username,
      address: clientAddress(c),
      detail: `event ${id} of ${event.camera}, ${event.frames} frames`,
    });
  }
  return outcome;
}

/** An event as the API shows it: with `clip`, its video's URL or null (lib/record). */
function withClip(ctx: AppContext, e: EventRow): EventRow & { clip: string | null } {
  return { ...e, clip: ctx.recordings?.clipUrl(e) ?? null };
}

/** The bucket used when `bucket` is not given: the smallest nice size giving at most 200 bars. */
export function defaultBucket(spanMs: number): number {
  for (const b of NICE_BUCKETS) if (spanMs / b <= 200) return b;
  return Math.ceil(spanMs / 200);
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  /** Whether an event rings under its camera's `objects.alertOn` (without one: any motion). */
  const alert = (camera: string, labels: string[]) =>
    alertMatch(ctx.objects?.enabled(camera) ? ctx.objects.alertOn(camera) : [], labels) !== null;
  // app.ts sets c.get("user") for every request; without one these routes answer 401 JSON.
  const auth = requireUser("api");
  app.get(
    "/api/events",
    auth,
    (c) => {
      const camera = cameraParam(c);
      const since = timeParam(c, "since");
      const until = timeParam(c, "until");
      const limit = intParam(c, "limit", `an integer from 1 to ${MAX_LIMIT}`, 1, MAX_LIMIT) ??
        DEFAULT_LIMIT;
      if (since !== undefined && until !== undefined && since > until) {
        throw badParam("since must not be after until");
      }
      const label = labelParam(c.req.query("label"));
      const rows = ctx.store.listEvents({ camera, since, until, limit, label });
      const labels = ctx.objects?.store?.labelsOf(rows.map((e) => e.id));
      const events = rows.map((e) => {
        const l = labels?.get(e.id) ?? [];
        return {
          ...withThumbnail(e, ctx.store, ctx.thumbnails),
          labels: l,
          alert: alert(e.camera, l),
        };
      });
      c.header("Cache-Control", "no-store");
      return c.json(events.map((e) => withClip(ctx, e)));
    },
  );

  app.get(
    "/api/events/:id",
    auth,
    (c) => {
      const id = eventIdParam(c);
      const ev = ctx.store.getEvent(id);
      if (!ev) throw noEvent(id);
      c.header("Cache-Control", "no-store");
      const labels = ctx.objects?.store?.labels(id) ?? [];
      return c.json({
        ...withClip(ctx, withThumbnail(ev, ctx.store, ctx.thumbnails)),
        labels,
        alert: alert(ev.camera, labels),
      });
    },
  );

  app.delete(
    "/api/events/:id",
    requireAdmin("api"),
    async (c) => {
      const id = eventIdParam(c);
      const outcome = await deleteEventFor(c, ctx, id);
      if (outcome === "missing") throw noEvent(id);
      if (outcome === "open") {
        throw new HTTPException(409, {
          message: `event ${id} is still being recorded: delete it once it ended`,
        });
      }
      return c.body(null, 204);
    },
  );

  app.get(
    "/api/events/:id/frames",
    auth,
    (c) => {
      const id = eventIdParam(c);
      if (!ctx.store.getEvent(id)) throw noEvent(id);
      const objects = ctx.objects?.store?.objects(id);
      const frames = ctx.store.listFrames(id).map((f) => ({
        ts: f.ts,
        url: f.url,
        boxes: f.boxes,
        score: f.score,
        ...(objects?.has(f.ts) ? { objects: objects.get(f.ts) } : {}),
      }));
      c.header("Cache-Control", "no-store");
      return c.json(frames);
    },
  );

  app.get(
    "/api/timeline",
    auth,
    (c) => {
      const camera = cameraParam(c);
      const until = timeParam(c, "until") ?? Date.now();
      const since = timeParam(c, "since") ?? Math.max(0, until - DAY);
      if (since >= until) throw badParam("since must be before until");
      const bucketMs =
        intParam(c, "bucket", "a bucket size in milliseconds (≥ 1000)", 1000, 8.64e15) ??
          defaultBucket(until - since);
      const count = Math.ceil((until - since) / bucketMs);
      if (count > MAX_BUCKETS) {
        throw badParam(
          `${count} buckets asked for, at most ${MAX_BUCKETS}: use a larger bucket or a shorter span`,
        );
      }
      const label = labelParam(c.req.query("label"));
      const buckets = ctx.store.motionHistogram({ camera, since, until, bucketMs, label });
      c.header("Cache-Control", "no-store");
      return c.json({ since, until, bucket: bucketMs, buckets });
    },
  );
}
