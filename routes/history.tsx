import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { requireAdmin } from "../lib/auth/mod.ts";
import { deleteEventFor } from "./api/events.ts";
import { island, renderPage } from "../lib/web/mod.ts";
import { jpegFileSize } from "../lib/jpeg.ts";
import { CAMERA_ID } from "../lib/store/mod.ts";
import type { EventRow } from "../lib/store/mod.ts";
import { formatDateTime, formatDuration } from "../components/format.ts";
import { Confirm } from "../components/Confirm.tsx";
import { Notice } from "../components/AdminTable.tsx";
import { eventClip, ExportForm } from "../components/EventClip.tsx";
import TimelineIsland from "../islands/Timeline.tsx";
import FrameViewerIsland from "../islands/FrameViewer.tsx";

const Timeline = island(TimelineIsland, "Timeline");
const FrameViewer = island(FrameViewerIsland, "FrameViewer");

const PAGE_SIZE = 24;
const UPLOT_CSS = "/static/islands/lib/web/uplot_css.css";

/** Timeline ranges: span and bucket size. */
export const RANGES: Record<string, { label: string; span: number; bucket: number }> = {
  "1h": { label: "1 hour", span: 3_600_000, bucket: 60_000 },
  "6h": { label: "6 hours", span: 6 * 3_600_000, bucket: 5 * 60_000 },
  "24h": { label: "24 hours", span: 24 * 3_600_000, bucket: 15 * 60_000 },
  "7d": { label: "7 days", span: 7 * 24 * 3_600_000, bucket: 2 * 3_600_000 },
};

/** A wrong parameter: app.onError answers it with the shell's error page, 400. */
function badRequest(message: string): HTTPException {
  return new HTTPException(400, { message });
}

function positiveInt(s: string | undefined): number | null | undefined {
  if (s === undefined || s === "") return undefined;
  return /^\d{1,16}$/.test(s) && Number(s) > 0 ? Number(s) : null;
}

function EventItem({ e, clip }: { e: EventRow; clip?: boolean }) {
  return (
    <li class="event">
      <a href={`/history/${e.id}`} class="event-link">
        {e.thumbnail
          ? (
            <img
              class="thumb"
              src={e.thumbnail}
              alt={`Event ${e.id}`}
              loading="lazy"
              decoding="async"
            />
          )
          : <span class="thumb thumb-none">no frames</span>}
        <span class="event-text">
          <span class="event-time">{formatDateTime(e.start)}</span>
          <span class="event-meta">
            <span class="tag">{e.camera}</span>
            {clip && <span class="tag tag-clip" title="has a video clip">▶ video</span>}
            {e.end === null
              ? <span class="tag tag-live">ongoing</span>
              : <span>{formatDuration(e.end - e.start)}</span>}
            <span>{e.frames} frames</span>
            <span>score {e.score.toFixed(2)}</span>
          </span>
        </span>
      </a>
    </li>
  );
}

/**
 * `GET /history` (list + timeline), `GET /history/:id` (frame viewer) and, for admins,
 * `POST /history/:id/delete`.
 */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/history", (c) => {
    const camera = c.req.query("camera") || undefined;
    if (camera !== undefined && !CAMERA_ID.test(camera)) {
      throw badRequest("camera must be a camera id (a-z, 0-9, '_' and '-').");
    }
    const before = positiveInt(c.req.query("before"));
    if (before === null) throw badRequest("before must be a time in epoch milliseconds.");
    const rangeKey = c.req.query("range") || "24h";
    const range = RANGES[rangeKey];
    if (!range) throw badRequest(`range must be one of ${Object.keys(RANGES).join(", ")}.`);

    const events = ctx.store.listEvents({
      camera,
      until: before !== undefined ? before - 1 : undefined,
      limit: PAGE_SIZE + 1,
    });
    const more = events.length > PAGE_SIZE;
    if (more) events.length = PAGE_SIZE;
    const now = Date.now();
    const until = Math.ceil(now / range.bucket) * range.bucket;
    const since = until - range.span;
    const buckets = ctx.store.motionHistogram({ camera, since, until, bucketMs: range.bucket });
    const keep = (extra: Record<string, string>) => {
      const q = new URLSearchParams();
      if (camera) q.set("camera", camera);
      if (rangeKey !== "24h") q.set("range", rangeKey);
      for (const [k, v] of Object.entries(extra)) q.set(k, v);
      const s = q.toString();
      return s ? `/history?${s}` : "/history";
    };
    const cameras = ctx.cameras.list();
    const older = more ? keep({ before: String(events[events.length - 1].start) }) : null;
    const deleted = positiveInt(c.req.query("deleted"));

    return renderPage(
      c,
      <>
        <div class="page-head">
          <h1>History</h1>
          {cameras.length > 1 && (
            <form class="filter" method="get" action="/history">
              <label>
                <span class="sr-only">Camera</span>
                <select name="camera">
                  <option value="">All cameras</option>
                  {cameras.map((k) => (
                    <option key={k.id} value={k.id} selected={k.id === camera}>
                      {k.name || k.id}
                    </option>
                  ))}
                </select>
              </label>
              {rangeKey !== "24h" && <input type="hidden" name="range" value={rangeKey} />}
              <button class="btn" type="submit">Show</button>
            </form>
          )}
        </div>
        <Notice text={deleted ? `Event ${deleted} was deleted.` : undefined} />
        <section class="card">
          <div class="card-head">
            <h2>Motion over the last {range.label}</h2>
            <nav class="segmented small" aria-label="Range">
              {Object.entries(RANGES).map(([k, r]) => {
                const q = new URLSearchParams();
                if (camera) q.set("camera", camera);
                if (k !== "24h") q.set("range", k);
                const s = q.toString();
                return (
                  <a
                    key={k}
                    class="seg"
                    href={s ? `/history?${s}` : "/history"}
                    aria-pressed={k === rangeKey ? "true" : "false"}
                    title={r.label}
                  >
                    {k}
                  </a>
                );
              })}
            </nav>
          </div>
          <Timeline
            buckets={buckets}
            since={since}
            until={until}
            bucketMs={range.bucket}
            query={camera ? `camera=${camera}` : ""}
          />
        </section>
        <section>
          <h2 class="section-title">
            {before !== undefined ? `Events before ${formatDateTime(before)}` : "Latest events"}
          </h2>
          {events.length === 0
            ? <p class="card muted">No motion events stored{camera ? ` for ${camera}` : ""}.</p>
            : (
              <ul class="events" data-testid="events">
                {events.map((e) => (
                  <EventItem key={e.id} e={e} clip={Boolean(ctx.recordings?.clipUrl(e))} />
                ))}
              </ul>
            )}
          <nav class="pager" aria-label="Pages">
            {before !== undefined && <a class="btn" href={keep({})}>« Newest</a>}
            {older && <a class="btn" href={older} rel="next">Older »</a>}
          </nav>
        </section>
        {ctx.recordings && <ExportForm cameras={cameras} now={now} />}
      </>,
      { title: "History", styles: [UPLOT_CSS] },
    );
  });

  app.get("/history/:id", async (c) => {
    const idText = c.req.param("id");
    const id = /^\d{1,15}$/.test(idText) ? Number(idText) : 0;
    const event = id > 0 ? ctx.store.getEvent(id) : null;
    if (!event) {
      throw new HTTPException(404, {
        message: `Event ${idText.slice(0, 20)} does not exist (retention may have deleted it).`,
      });
    }
    const frames = ctx.store.listFrames(id);
    const n = positiveInt(c.req.query("frame"));
    if (n === null) throw badRequest("frame must be a frame number (1 = first).");
    const index = Math.min(Math.max(0, (n ?? 1) - 1), Math.max(0, frames.length - 1));

    // Boxes are in camera pixels: the camera's size, else the stored JPEG's, else VGA.
    const cam = ctx.cameras.get(event.camera);
    let width = cam?.width ?? 0, height = cam?.height ?? 0;
    if (!(width > 0 && height > 0) && frames.length) {
      const rel = decodeURIComponent(frames[0].url.replace(/^\/frames\//, ""));
      const dim = await jpegFileSize(`${ctx.config.data}/${rel}`);
      if (dim) ({ width, height } = dim);
    }
    if (!(width > 0 && height > 0)) [width, height] = [640, 480];

    return renderPage(
      c,
      <>
        <div class="page-head">
          <a class="btn btn-ghost" href="/history">◀ History</a>
          <h1>Event {event.id}</h1>
        </div>
        <p class="event-summary">
          <span class="tag">{event.camera}</span>
          <span>{formatDateTime(event.start)}</span>
          {event.end === null
            ? <span class="tag tag-live">ongoing</span>
            : <span>{formatDuration(event.end - event.start)}</span>}
          <span>{event.frames} frames</span>
          <span>best score {event.score.toFixed(2)}</span>
        </p>
        {await eventClip(ctx, event, frames, width, height)}
        <FrameViewer
          eventId={event.id}
          frames={frames.map((f) => ({ ts: f.ts, url: f.url, boxes: f.boxes, score: f.score }))}
          index={index}
          width={width}
          height={height}
        />
        {c.var.user?.role === "admin" && event.end !== null && (
          <p class="danger-zone">
            <a class="btn btn-danger" href={`/history/${event.id}/delete`}>Delete this event…</a>
          </p>
        )}
      </>,
      { title: `Event ${event.id}` },
    );
  });

  /** The event id of `/history/:id/delete`, or a 400. */
  const deleteId = (idText: string): number => {
    if (!/^[1-9]\d{0,14}$/.test(idText)) {
      throw badRequest("The event id must be a positive integer.");
    }
    return Number(idText);
  };

  app.get("/history/:id/delete", requireAdmin("page"), (c) => {
    const id = deleteId(c.req.param("id"));
    const event = ctx.store.getEvent(id);
    if (!event) throw new HTTPException(404, { message: `Event ${id} does not exist.` });
    if (event.end === null) {
      throw new HTTPException(409, {
        message: `Event ${id} is still being recorded: delete it once it has ended.`,
      });
    }
    return renderPage(
      c,
      <Confirm
        title={`Delete event ${id}?`}
        message={`Its ${event.frames} frames from ${event.camera} are deleted from the disk. This cannot be undone.`}
        action={`/history/${id}/delete`}
        button="Delete event"
        cancel={`/history/${id}`}
      />,
      { title: "Delete event" },
    );
  });

  app.post("/history/:id/delete", requireAdmin("page"), async (c) => {
    const id = deleteId(c.req.param("id"));
    const outcome = await deleteEventFor(c, ctx, id);
    if (outcome === "open") {
      throw new HTTPException(409, {
        message: `Event ${id} is still being recorded: delete it once it has ended.`,
      });
    }
    // deleted, or already gone (a second click, retention): either way back to the list
    return c.redirect(`/history?deleted=${id}`, 303);
  });
}
