/** A motion box `[x, y, w, h]` in the camera's pixels. */
export type Box = [number, number, number, number];

/** The life cycle of one camera's capture. */
export type CameraState =
  | "starting"
  | "running"
  | "stalled"
  | "failed"
  | "stopped";

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
}

export interface MotionMessage {
  type: "motion";
  camera: string;
  ts: number;
  eventId: number;
  score: number;
  boxes: Box[];
  zones: string[];
}

export interface EventMessage {
  type: "event";
  phase: "start" | "end";
  camera: string;
  eventId: number;
  ts: number;
}

export interface StatusMessage {
  type: "status";
  camera: string;
  state: CameraState;
  message: string;
  ts: number;
}

export type BusMessage =
  | FrameMessage
  | MotionMessage
  | EventMessage
  | StatusMessage;
