import type { ComponentChildren, Ref } from "preact";
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { Box, ObjectBox } from "../lib/protocol.ts";
import { BoxOverlay } from "./BoxOverlay.tsx";

export interface CameraStageProps {
  img: Ref<HTMLImageElement>;
  /** A canvas for the live delta stream, shown instead of the image while `onCanvas`. */
  canvas?: Ref<HTMLCanvasElement>;
  onCanvas?: boolean;
  alt: string;
  /** The camera's size (the boxes' pixel space); the stage takes its aspect ratio. */
  width: number;
  height: number;
  boxes: readonly Box[];
  /** Labelled objects (lib/objects) to draw with the boxes. */
  objects?: readonly ObjectBox[];
  /** Extra classes: `stage-motion`, `stage-off`, `stage-old`, … */
  class?: string;
  /** A corner label over the picture, e.g. "12 s ago". */
  badge?: string | null;
  /** Shown over the stage while there is no picture. */
  empty?: ComponentChildren;
  onLoad?: (img: HTMLImageElement) => void;
  /** A `<video>` for live H.264 (components/mse_feed.ts), shown instead of the image. */
  video?: Ref<HTMLVideoElement>;
  showVideo?: boolean;
}

/** Whether this browser lets a page put an element in full screen. */
function fullscreenSupported(): boolean {
  return typeof document !== "undefined" && document.fullscreenEnabled === true &&
    typeof HTMLElement.prototype.requestFullscreen === "function";
}

/**
 * Full screen for the stage it sits in (and back). Rendered hidden: it shows itself once in the
 * browser, where the Fullscreen API exists (not on iPhones, not without JavaScript).
 */
export function FullscreenButton() {
  const supported = useSignal(false);
  const active = useSignal(false);
  useEffect(() => {
    supported.value = fullscreenSupported();
    const changed = () => active.value = document.fullscreenElement !== null;
    document.addEventListener("fullscreenchange", changed);
    return () => document.removeEventListener("fullscreenchange", changed);
  }, []);
  const toggle = (e: Event) => {
    e.preventDefault();
    e.stopPropagation();
    const stage = (e.currentTarget as HTMLElement).closest(".stage");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else stage?.requestFullscreen().catch(() => {});
  };
  const label = active.value ? "Exit full screen" : "Full screen";
  return (
    <button
      type="button"
      class="fs-btn"
      hidden={!supported.value}
      aria-label={label}
      title={label}
      data-testid="fullscreen"
      onClick={toggle}
    >
      <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path
          d={active.value
            ? "M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5"
            : "M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"}
          fill="none"
          stroke="currentColor"
          stroke-width="2"
        />
      </svg>
    </button>
  );
}

/** A camera picture: the image, its motion boxes over it, a badge, and the full-screen button. */
export function CameraStage(props: CameraStageProps) {
  return (
    <div class={`stage${props.class ? ` ${props.class}` : ""}`}>
      <img
        ref={props.img}
        class="frame"
        alt={props.alt}
        hidden={props.onCanvas === true || props.showVideo === true}
        onLoad={(e) => props.onLoad?.(e.currentTarget as HTMLImageElement)}
      />
      {props.canvas && (
        <canvas
          ref={props.canvas}
          class="frame"
          role="img"
          aria-label={props.alt}
          hidden={props.onCanvas !== true || props.showVideo === true}
          data-testid="live-canvas"
        />
      )}
      {props.video && (
        <video
          ref={props.video}
          class="frame"
          aria-label={props.alt}
          muted
          playsInline
          autoplay
          hidden={props.showVideo !== true}
          data-testid="live-video"
        />
      )}
      <BoxOverlay
        boxes={props.boxes}
        objects={props.objects}
        width={props.width}
        height={props.height}
      />
      {props.empty && <div class="stage-empty">{props.empty}</div>}
      {props.badge && <span class="stage-badge" data-testid="frame-age">{props.badge}</span>}
      <FullscreenButton />
    </div>
  );
}
