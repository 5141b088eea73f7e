import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Box, ObjectBox } from "../lib/protocol.ts";
import { BoxOverlay } from "../components/BoxOverlay.tsx";
import { Time } from "../components/Time.tsx";
import { Score } from "../components/Score.tsx";

export interface ViewerFrame {
  ts: number;
  url: string;
  boxes: Box[];
  score: number;
  /** Labelled objects, on frames that were classified. */
  objects?: ObjectBox[];
}

export interface FrameViewerProps {
  eventId: number;
  frames: ViewerFrame[];
  /** The frame shown first (0-based). */
  index: number;
  width: number;
  height: number;
}

function frameHref(i: number): string {
  return `?frame=${i + 1}`;
}

/**
 * One event's frames with their boxes and first / previous / next / last links. Works as plain
 * links without JavaScript (`?frame=N`, 1-based); hydrated, it switches frames in place, takes
 * the arrow keys (← → Home End, space plays) and can play the event at its recorded pace.
 */
export default function FrameViewer(props: FrameViewerProps) {
  const { frames, width, height } = props;
  const index = useSignal(props.index);
  const playing = useSignal(false);
  const ready = useSignal(false);
  const last = frames.length - 1;

  const go = (i: number) => {
    const n = Math.max(0, Math.min(last, i));
    if (n === index.value) return;
    index.value = n;
    history.replaceState(null, "", frameHref(n));
    const next = frames[n + 1];
    if (next) new Image().src = next.url; // preload
  };

  useEffect(() => {
    ready.value = true;
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.altKey || e.ctrlKey || e.metaKey) return;
      const k = e.key;
      if (k === "ArrowRight" || k === "l") go(index.value + 1);
      else if (k === "ArrowLeft" || k === "h") go(index.value - 1);
      else if (k === "Home") go(0);
      else if (k === "End") go(last);
      else if (k === " ") playing.value = !playing.value;
      else return;
      e.preventDefault();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    if (!playing.value) return;
    if (index.value >= last) index.value = 0;
    let t: ReturnType<typeof setTimeout>;
    const step = () => {
      const i = index.value;
      if (i >= last) {
        playing.value = false;
        return;
      }
      const gap = Math.min(1000, Math.max(40, frames[i + 1].ts - frames[i].ts));
      t = setTimeout(() => {
        go(i + 1);
        step();
      }, gap);
    };
    step();
    return () => clearTimeout(t);
  }, [playing.value]);

  if (frames.length === 0) {
    return <p class="muted">This event has no stored frames (yet).</p>;
  }
  const i = index.value;
  const f = frames[i];
  const nav = (label: string, target: number, rel: string, key: string) =>
    target === i || target < 0 || target > last
      ? <span class="btn btn-disabled" aria-disabled="true">{label}</span>
      : (
        <a
          class="btn"
          href={frameHref(target)}
          rel={rel}
          data-nav={key}
          onClick={(e) => {
            e.preventDefault();
            playing.value = false;
            go(target);
          }}
        >
          {label}
        </a>
      );

  return (
    <div class="frame-viewer">
      <figure class="stage">
        <img class="frame" src={f.url} alt={`Frame ${i + 1} of ${frames.length}`} />
        <BoxOverlay boxes={f.boxes} objects={f.objects} width={width} height={height} />
      </figure>
      <div class="frame-nav">
        {nav("« First", 0, "first", "first")}
        {nav("‹ Prev", i - 1, "prev", "prev")}
        <span class="frame-count" data-testid="frame-count">
          {i + 1} / {frames.length}
        </span>
        {nav("Next ›", i + 1, "next", "next")}
        {nav("Last »", last, "last", "last")}
        {ready.value && frames.length > 1 && (
          <button
            type="button"
            class="btn"
            data-nav="play"
            onClick={() => playing.value = !playing.value}
          >
            {playing.value ? "■ Pause" : "▶ Play"}
          </button>
        )}
      </div>
      <p class="frame-meta">
        <span class="frame-time">
          <Time ts={f.ts} format="clock" />.{String(f.ts % 1000).padStart(3, "0")}
        </span>
        <span>
          · <Score score={f.score} of="frame" />
        </span>
        <span>· {f.boxes.length} box{f.boxes.length === 1 ? "" : "es"}</span>
        {ready.value && <span class="hint">· keys ← → Home End, space plays</span>}
      </p>
    </div>
  );
}
