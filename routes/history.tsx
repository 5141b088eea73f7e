import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { requireAdmin } from "../lib/auth/mod.ts";
import { deleteEventFor } from "./api/events.ts";
import { dayBounds, island, isTimeZone, parseDay, renderPage, serverZone } from "../lib/web/mod.ts";
import { jpegFileSize } from "../lib/jpeg.ts";
import { CAMERA_ID, withThumbnail } from "../lib/store/mod.ts";
import type { EventRow } from "../lib/store/mod.ts";
import { formatDuration } from "../components/format.ts";
import { Time } from "../components/Time.tsx";
import { Score } from "../components/Score.tsx";
import { Confirm } from "../components/Confirm.tsx";
import { Notice } from "../components/AdminTable.tsx";
import { eventClip, ExportForm } from "../components/EventClip.tsx";
import TimelineIsland from "../islands/Timeline.tsx";
import FrameViewerIsland from "../islands/FrameViewer.tsx";
import HistoryFilterIsland from "../islands/HistoryFilter.tsx";
import { isLabel, LABELS } from "../lib/objects/labels.ts";

const Timeline = island(TimelineIsland, "Timeline");
const FrameViewer = island(FrameViewerIsland, "FrameViewer");
const HistoryFilter = island(HistoryFilterIsland, "HistoryFilter");

const PAGE_SIZE = 24;
const UPLOT_CSS = "/static/islands/lib/web/uplot_css.css";
/** Timeline bars of a day view. */
const DAY_BUCKET = 15 * 60_000;

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

/** A camera's display name; the id for cameras no longer configured. */
function cameraName(ctx: AppContext, id: string): string {
  return ctx.cameras.get(id)?.name || id;
}

function EventItem(
  { e, name, clip, labels }: { e: EventRow; name: string; clip?: boolean; labels?: string[] },
) {
  return (
    <li class="event">
      <a href={`/history/${e.id}`} class="event-link">
        {e.thumbnail
          ? (
            <img
              class="thumb"
              src={e.thumbnail}
              alt={`Event ${e.id}`}
              width={160}
              height={120}
              loading="lazy"
              decoding="async"
            />
          )
          : <span class="thumb thumb-none">no frames</span>}
        <span class="event-text">
          <span class="event-time">
            <Time ts={e.start} />
          </span>
          <span class="event-meta">
            <span class="tag" title={`camera ${e.camera}`}>{name}</span>
            {clip && <span class="tag tag-clip" title="has a video clip">▶ video</span>}
            {e.end === null
              ? <span class="tag tag-live">ongoing</span>
              : <span>{formatDuration(e.end - e.start)}</span>}
            <span>{e.frames} frames</span>
            <Score score={e.score} of="event" />
            {labels?.map((l) => <span key={l} class="tag tag-label">{l}</span>)}
          </span>
        </span>
      </a>
    </li>
  );
}

/** The history's filters, checked: 400 for anything malformed. */
function historyQuery(q: (name: string) => string | undefined) {
  const camera = q("camera") || undefined;
  if (camera !== undefined && !CAMERA_ID.test(camera)) {
    throw badRequest("camera must be a camera id (a-z, 0-9, '_' and '-').");
  }
  const before = positiveInt(q("before"));
  if (before === null) throw badRequest("before must be a time in epoch milliseconds.");
  const rangeKey = q("range") || "24h";
  const range = RANGES[rangeKey];
  if (!range) throw badRequest(`range must be one of ${Object.keys(RANGES).join(", ")}.`);
  const tzParam = q("tz") || undefined;
  if (tzParam !== undefined && !isTimeZone(tzParam)) {
    throw badRequest("tz must be a time zone name such as Europe/Berlin.");
  }
  const label = q("label") || undefined;
  if (label !== undefined && !isLabel(label)) {
    throw badRequest(`label must be one of ${LABELS.join(", ")}.`);
  }
  const date = q("date") || undefined;
  let day: [number, number] | null = null;
  if (date !== undefined) {
    if (!parseDay(date)) {
      throw badRequest("date must be a day written YYYY-MM-DD, e.g. 2026-12-03.");
    }
    day = dayBounds(date, tzParam ?? serverZone());
  }
  return { camera, before, rangeKey, range, date, tz: date ? tzParam : undefined, day, label };
}

/**
 * `GET /history` (list + timeline, filtered by camera and day), `GET /history/:id` (frame viewer)
 * and, for admins, `GET|POST /history/:id/delete`.
 *
 * The day filter (`date=YYYY-MM-DD`) is a calendar day in the zone named by `tz` (an IANA name
 * the filter form adds from the browser), else in the server's zone (without JavaScript).
 */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/history", (c) => {
    const { camera, before, rangeKey, range, date, tz, day, label } = historyQuery((n) =>
      c.req.query(n)
    );

    const until = before !== undefined ? before - 1 : undefined;
    const events = ctx.store.listEvents({
      camera,
      since: day ? day[0] : undefined,
      until: day ? Math.min(day[1] - 1, until ?? Infinity) : until,
      limit: PAGE_SIZE + 1,
      label,
    });
    const more = events.length > PAGE_SIZE;
    if (more) events.length = PAGE_SIZE;

    // The timeline: the chosen day, else the last `range` up to now.
    let since: number, end: number, bucketMs: number;
    if (day) {
      [since, end, bucketMs] = [day[0], day[1], DAY_BUCKET];
    } else {
      bucketMs = range.bucket;
      end = Math.ceil(Date.now() / bucketMs) * bucketMs;
      since = end - range.span;
    }
    const buckets = ctx.store.motionHistogram({ camera, since, until: end, bucketMs, label });

    /** The filters as a query string, plus `extra`. */
    const query = (extra: Record<string, string> = {}, withRange = true) => {
      const q = new URLSearchParams();
      if (camera) q.set("camera", camera);
      if (date) q.set("date", date);
      if (tz) q.set("tz", tz);
      if (label) q.set("label", label);
      if (withRange && rangeKey !== "24h") q.set("range", rangeKey);
      for (const [k, v] of Object.entries(extra)) q.set(k, v);
      return q.toString();
    };
    const eventLabels = ctx.objects?.store?.labelsOf(events.map((e) => e.id));
    /** The list filtered by another object label (undefined: any), keeping the other filters. */
    const labelHref = (l: string | undefined) => {
      const q = new URLSearchParams(query());
      if (l) q.set("label", l);
      else q.delete("label");
      return href(q.toString());
    };
    const href = (s: string) => s ? `/history?${s}` : "/history";
    const older = more ? href(query({ before: String(events[events.length - 1].start) })) : null;
    const deleted = positiveInt(c.req.query("deleted"));
    const cameras = ctx.cameras.list().map((k) => ({ id: k.id, name: k.name || k.id }));
    if (camera && !cameras.some((k) => k.id === camera)) cameras.push({ id: camera, name: camera });
    const forCamera = camera ? ` for ${cameraName(ctx, camera)}` : "";

    return renderPage(
      c,
      <>
        <div class="page-head">
          <h1>History</h1>
          <HistoryFilter
            cameras={cameras}
            camera={camera ?? ""}
            date={date ?? ""}
            tz={tz ?? ""}
            range={rangeKey === "24h" ? "" : rangeKey}
            label={label ?? ""}
          />
        </div>
        <Notice text={deleted ? `Event ${deleted} was deleted.` : undefined} />
        <section class="card">
          <div class="card-head">
            <h2>{date ? `Motion on ${date}` : `Motion over the last ${range.label}`}</h2>
            <nav class="segmented small" aria-label="Range">
              {Object.entries(RANGES).map(([k, r]) => {
                // a range shows the last hours up to now: it leaves the day view
                const q = new URLSearchParams();
                if (camera) q.set("camera", camera);
                if (label) q.set("label", label);
                if (k !== "24h") q.set("range", k);
                return (
                  <a
                    key={k}
                    class="seg"
                    href={href(q.toString())}
                    aria-pressed={!date && k === rangeKey ? "true" : "false"}
                    title={`the last ${r.label}`}
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
            until={end}
            bucketMs={bucketMs}
            query={query({}, false)}
          />
        </section>
        <section>
          <h2 class="section-title">
            {before !== undefined
              ? (
                <>
                  Events before <Time ts={before} />
                </>
              )
              : date
              ? `Events of ${date}`
              : "Latest events"}
            {date && <span class="muted zone-note">(a day in {tz ?? serverZone()})</span>}
          </h2>
          <nav class="segmented small labels-nav" aria-label="Objects">
            {[undefined, "person", "vehicle", "dog", "cat", "bird"].map((l) => (
              <a
                key={l ?? "any"}
                class="seg"
                href={labelHref(l)}
                aria-pressed={l === label ? "true" : "false"}
                title={l ? `only events where a ${l} was seen` : "every motion event"}
              >
                {l ?? "all"}
              </a>
            ))}
          </nav>
          {events.length === 0
            ? (
              <p class="card muted">
                No {label ? `events with a ${label}` : "motion events"} stored{forCamera}
                {date ? ` on ${date}` : ""}.
              </p>
            )
            : (
              <ul class="events" data-testid="events">
                {events.map((e) => (
                  <EventItem
                    key={e.id}
                    e={withThumbnail(e, ctx.store, ctx.thumbnails)}
                    name={cameraName(ctx, e.camera)}
                    labels={eventLabels?.get(e.id)}
                    clip={Boolean(ctx.recordings?.clipUrl(e))}
                  />
                ))}
              </ul>
            )}
          <nav class="pager" aria-label="Pages">
            {before !== undefined && <a class="btn" href={href(query())}>« Newest</a>}
            {older && <a class="btn" href={older} rel="next">Older »</a>}
          </nav>
        </section>
        {ctx.recordings && <ExportForm cameras={ctx.cameras.list()} now={Date.now()} />}
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
    const objects = ctx.objects?.store?.objects(id);
    const labels = ctx.objects?.store?.labels(id) ?? [];
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
          <span class="tag" title={`camera ${event.camera}`}>{cameraName(ctx, event.camera)}</span>
          <Time ts={event.start} />
          {event.end === null
            ? <span class="tag tag-live">ongoing</span>
            : <span>{formatDuration(event.end - event.start)}</span>}
          <span>{event.frames} frames</span>
          <Score score={event.score} of="event" />
          {labels.map((l) => <span key={l} class="tag tag-label">{l}</span>)}
        </p>
        {await eventClip(ctx, event, frames, width, height)}
        <FrameViewer
          eventId={event.id}
          frames={frames.map((f) => ({
            ts: f.ts,
            url: f.url,
            boxes: f.boxes,
            score: f.score,
            objects: objects?.get(f.ts),
          }))}
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
        message={`Its ${event.frames} frames from ${
          cameraName(ctx, event.camera)
        } are deleted from the disk. This cannot be undone.`}
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
