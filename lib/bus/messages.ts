import type { Box, EventMessage, MotionMessage, ObjectBox, StatusMessage } from "../protocol.ts";

// The wire's shapes (lib/protocol.ts) are the bus's: motion, event and status messages travel
// from the pipelines to `/ws` unchanged.
export type { Box, CameraState, EventMessage, MotionMessage, StatusMessage } from "../protocol.ts";

/** Every analysed frame, with its display JPEG. Latest-wins per subscriber and camera. */
export interface FrameMessage {
  type: "frame";
  camera: string;
  ts: number;
  jpeg: Uint8Array;
  boxes: Box[];
  motion: boolean;
  eventId: number | null;
  score: number;
  /** `performance.now()` when the frame arrived from ffmpeg (for the send latency). */
  arrivedAt?: number;
  /** Objects of the latest classified frame of this event, while recent (lib/objects). */
  objects?: ObjectBox[];
}

export type BusMessage =
  | FrameMessage
  | MotionMessage
  | EventMessage
  | StatusMessage;
