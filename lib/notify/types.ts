import type { CameraState } from "../protocol.ts";

/** An event opening or closing, as every channel gets it. */
export interface EventNotice {
  kind: "event";
  phase: "start" | "end";
  camera: string;
  cameraName: string;
  eventId: number;
  /** First motion frame's time (epoch ms). */
  start: number;
  /** Last motion frame's time; null while open. */
  end: number | null;
  /** The frame that opened (start) or closed (end) the event. */
  ts: number;
  zones: string[];
  labels: string[];
  /** Peak motion score so far. */
  score: number;
  /** The event's best JPEG so far (highest score), or the camera's latest frame. */
  snapshot: Uint8Array | null;
  /** Where a signed-in browser can see the event (`/history/ID`), null for unstored events. */
  url: string | null;
  /** The stored best frame's URL (`/frames/…`, needs a login), null when not stored. */
  snapshotUrl: string | null;
}

/** A camera's state changed (`state`), or it has been down for `offlineSeconds` / came back. */
export interface CameraNotice {
  kind: "camera";
  phase: "state" | "offline" | "online";
  camera: string;
  cameraName: string;
  state: CameraState;
  message: string;
  ts: number;
  /** offline/online: since when it was not running. */
  since?: number;
}

export type Notice = EventNotice | CameraNotice;

/**
 * Where notices go. `publish` gets every notice (state mirrors such as MQTT); `alert` only what
 * passed the rules (armed, schedule, cooldown). Both must return at once: a channel queues.
 */
export interface Channel {
  readonly name: string;
  publish?(n: Notice): void;
  alert?(n: Notice): void;
  close(): Promise<void>;
}

/** The JSON of `P/C/event` and of webhook bodies for events (CONTRACT.md). */
export function eventJson(n: EventNotice): Record<string, unknown> {
  return {
    type: n.phase,
    id: n.eventId,
    camera: n.camera,
    start: n.start,
    end: n.end,
    zones: n.zones,
    labels: n.labels,
    score: n.score,
    snapshot: n.snapshotUrl,
    url: n.url,
    ts: n.ts,
  };
}

/** Webhook body for a camera notice. */
export function cameraJson(n: CameraNotice): Record<string, unknown> {
  return {
    type: n.phase,
    camera: n.camera,
    state: n.state,
    message: n.message,
    ts: n.ts,
    since: n.since ?? null,
  };
}
