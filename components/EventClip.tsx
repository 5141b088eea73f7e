/**
 * The video part of an event page (routes/history.tsx): the clip with its motion boxes
 * (islands/ClipPlayer.tsx) and a download link, or a line saying why there is none yet.
 */
import type { AppContext } from "../lib/context.ts";
import type { EventRow, FrameRow } from "../lib/store/mod.ts";
import { island } from "../lib/web/mod.ts";
import ClipPlayerIsland from "../islands/ClipPlayer.tsx";

const ClipPlayer = island(ClipPlayerIsland, "ClipPlayer");

/** Makes (or finds) the event's clip and renders it; null when recording is not set up. */
export async function eventClip(
  ctx: AppContext,
  event: EventRow,
  frames: FrameRow[],
  width: number,
  height: number,
) {
  if (!ctx.recordings) return null;
  const result = await ctx.recordings.clip(event.id).catch(() => ({ status: "none" as const }));
  const url = `/api/events/${event.id}/clip`;
  switch (result.status) {
    case "ready":
      return (
        <section class="event-clip" data-testid="event-clip">
          <ClipPlayer
            src={url}
            map={result.clip.map}
            frames={frames.map((f) => ({ ts: f.ts, boxes: f.boxes }))}
            width={width}
            height={height}
          />
          <p class="clip-actions">
            <a class="btn" href={`${url}?download=1`} download={`vigil-event-${event.id}.mp4`}>
              ⤓ Download clip
            </a>
            <span class="muted">
              {((result.clip.end - result.clip.start) / 1000).toFixed(1)} s of video
            </span>
          </p>
        </section>
      );
    case "open":
      return <p class="muted event-clip">The video clip is ready once the event has ended.</p>;
    case "pending":
      return (
        <p class="muted event-clip">
          The video after the event is still being recorded: reload in {result.retryAfter} s.
        </p>
      );
    default:
      return <p class="muted event-clip">No video was recorded for this event.</p>;
  }
}

/**
 * The history page's video section: cameras whose recording failed (and what to do), and the
 * "export an hour of video" form (no JavaScript needed).
 */
export function ExportForm(
  props: {
    cameras: { id: string; name: string; recording?: { state: string; message: string } }[];
    now: number;
  },
) {
  const hour = 3_600_000;
  if (!props.cameras.length) return null;
  const failed = props.cameras.filter((c) => c.recording?.state === "failed");
  return (
    <section>
      <h2 class="section-title">Export video</h2>
      {failed.map((c) => (
        <p key={c.id} class="error recording-problem" role="status">
          {c.name || c.id}: {c.recording!.message}
        </p>
      ))}
      <form class="filter export-form" method="get" action="/api/export">
        <label>
          <span class="sr-only">Camera</span>
          <select name="camera">
            {props.cameras.map((c) => <option key={c.id} value={c.id}>{c.name || c.id}</option>)}
          </select>
        </label>
        <label>
          <span class="sr-only">Hour</span>
          <select name="since">
            {Array.from(
              { length: 24 },
              (_, k) => (
                <option key={k} value={props.now - (k + 1) * hour}>
                  {k === 0 ? "the last hour" : `${k}–${k + 1} hours ago`}
                </option>
              ),
            )}
          </select>
        </label>
        <button class="btn" type="submit">⤓ Export this hour</button>
      </form>
    </section>
  );
}
