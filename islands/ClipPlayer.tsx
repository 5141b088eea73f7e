import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Box } from "../lib/bus/messages.ts";
import { BoxOverlay } from "../components/BoxOverlay.tsx";

export interface ClipPlayerProps {
  /** The clip's URL (`/api/events/:id/clip`). */
  src: string;
  /** `[videoMs, epochMs]` at the start of each joined piece of the clip. */
  map: [number, number][];
  /** The event's motion frames: their time and boxes (camera pixels). */
  frames: { ts: number; boxes: Box[] }[];
  width: number;
  height: number;
}

/** Boxes stay on screen this long after their frame (about two frames at 10-15 fps). */
const HOLD_MS = 250;

/** The wall-clock time shown at `videoMs` of the clip. */
export function clipEpoch(map: [number, number][], videoMs: number): number {
  let piece = map[0];
  for (const p of map) if (p[0] <= videoMs) piece = p;
  return piece[1] + (videoMs - piece[0]);
}

/** The boxes of the last motion frame at or before `epoch` (within HOLD_MS), else none. */
export function boxesAt(frames: { ts: number; boxes: Box[] }[], epoch: number): Box[] {
  let lo = 0, hi = frames.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].ts <= epoch) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && epoch - frames[found].ts <= HOLD_MS ? frames[found].boxes : [];
}

/**
 * The event's video clip with the motion boxes drawn over it at the times they were found.
 * Without JavaScript it is a plain `<video controls>`; hydrated, the boxes follow playback
 * and seeking (the clip's time is mapped to the wall clock through `map`).
 */
export default function ClipPlayer(props: ClipPlayerProps) {
  const boxes = useSignal<Box[]>([]);
  const ref = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    let raf = 0;
    const update = () => {
      const next = boxesAt(props.frames, clipEpoch(props.map, video.currentTime * 1000));
      if (next !== boxes.value) boxes.value = next;
    };
    const loop = () => {
      update();
      raf = video.paused || video.ended ? 0 : requestAnimationFrame(loop);
    };
    const onPlay = () => {
      cancelAnimationFrame(raf);
      loop();
    };
    video.addEventListener("play", onPlay);
    video.addEventListener("seeked", update);
    video.addEventListener("timeupdate", update);
    update();
    return () => {
      cancelAnimationFrame(raf);
      video.removeEventListener("play", onPlay);
      video.removeEventListener("seeked", update);
      video.removeEventListener("timeupdate", update);
    };
  }, []);

  return (
    <figure class="stage clip-stage">
      <video
        ref={ref}
        class="frame clip-video"
        src={props.src}
        controls
        playsInline
        muted
        preload="metadata"
        data-testid="clip"
      />
      <BoxOverlay boxes={boxes.value} width={props.width} height={props.height} />
    </figure>
  );
}
