/**
 * @module
 * The wire protocol between Vigil's server and its browsers (CONTRACT.md, docs/api.md), defined
 * once: the camera-id pattern, camera states, modes, `Box`, every `/ws` message, and the binary
 * frame layout (`encodeFrame` on the server, `parseFrame` in the browser). Imported by
 * routes/ws.ts, lib/bus, lib/config and the islands' lib/web/live_socket.ts, so it uses no Deno
 * API: only what browsers have too.
 */

/** Camera ids: lower-case letters, digits, `_` and `-`, 1 to 32 characters. */
export const CAMERA_ID = /^[a-z0-9_-]{1,32}$/;

/** A motion box `[x, y, w, h]` in the camera's pixels. */
export type Box = [number, number, number, number];

/** An object found on a frame (lib/objects): one of Vigil's labels, its score 0..1, its box. */
export interface ObjectBox {
  label: string;
  score: number;
  box: Box;
}

/** The life cycle of one camera's capture. */
export type CameraState =
  | "starting"
  | "running"
  | "stalled"
  | "failed"
  | "stopped";

/** How a client wants frames: motion frames only, every frame, or none. */
export type Mode = "detect" | "live" | "off";
/** The modes, in the order the viewer offers them. */
export const MODES: readonly Mode[] = ["detect", "live", "off"];

/** Whether `value` is one of the modes. */
export function isMode(value: unknown): value is Mode {
  return typeof value === "string" && (MODES as readonly string[]).includes(value);
}

/** What the UI, `hello` and `/api/health` know about one camera. */
export interface CameraSummary {
  id: string;
  name: string;
  state: CameraState;
  message: string;
  fps: number;
  width: number;
  height: number;
  lastMotion: number | null;
}

/** A camera as the server keeps it: the summary, plus ffmpeg's words while it fails. */
export interface CameraInfo extends CameraSummary {
  /** ffmpeg's last stderr lines (passwords redacted) while the camera is failed or stalled. */
  error?: string[];
  /** Frames dropped because their JPEG was cut short (no EOI, or shorter than its headers). */
  truncatedJpegs?: number;
  /**
   * Where display JPEGs come from: the camera's own (passthrough), ffmpeg for every frame
   * (someone watches every frame), or made on demand from raw pictures.
   */
  jpegMode?: "passthrough" | "every-frame" | "on-demand";
  /** JPEGs encoded on demand (not passed through) since the camera started. */
  jpegsEncoded?: number;
  /** Motion frames whose JPEG could not be made (reported, not stored). */
  missingJpegs?: number;
  /** Frames analysed since the camera started. */
  framesAnalysed?: number;
}

import { isVideoMode, type VideoMessage, type VideoMode } from "./live/mse_protocol.ts";
export type { VideoMessage, VideoMode };

// ---- server → client, text ----

export interface HelloMessage {
  type: "hello";
  camera: string;
  mode: Mode;
  cameras: CameraSummary[];
  /** Extensions: who is connected, this connection's id, the heartbeat interval. */
  user?: string;
  clientId?: string;
  heartbeatMs?: number;
}

export interface HeartbeatMessage {
  type: "heartbeat";
  ts: number;
}

export interface MotionMessage {
  type: "motion";
  camera: string;
  ts: number;
  eventId: number;
  score: number;
  boxes: Box[];
  /** Names of the zones the motion touched (extension). */
  zones: string[];
  /** Object labels seen in this event so far, best first (when objects are on). */
  labels?: string[];
}

export interface EventMessage {
  type: "event";
  phase: "start" | "end";
  camera: string;
  eventId: number;
  ts: number;
  /** On `end`, when objects are on: the event's labels, best first. */
  labels?: string[];
}

export interface StatusMessage {
  type: "status";
  camera: string;
  state: CameraState;
  message: string;
  ts: number;
}

/** Acknowledges a mode change (extension). */
export interface ModeAckMessage {
  type: "mode";
  camera: string;
  mode: Mode;
  /** The client's video choice, when it made one (lib/live/mse_protocol.ts). */
  video?: VideoMode;
}

export interface ErrorMessage {
  type: "error";
  message: string;
}

/** Every text message the server sends. */
export type ServerMessage =
  | HelloMessage
  | HeartbeatMessage
  | MotionMessage
  | EventMessage
  | StatusMessage
  | ModeAckMessage
  | VideoMessage
  | ErrorMessage;

// ---- client → server ----

/** The one message a client sends: switch this connection's mode. */
export interface ModeMessage {
  type: "mode";
  mode: Mode;
  /** Extension: live frames as keyframes and changed tiles (`DeltaInfo`) from now on, or not. */
  delta?: boolean;
  /** Extension: live pictures as JPEG frames (default) or the camera's H.264 (`mse`). */
  video?: VideoMode;
}

/** Largest message a client may send; past it the server closes the socket with 1009. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

/**
 * Reads a client's text message: the mode it asks for, or an error text that says what the
 * server accepts (sent back as `{"type":"error","message"}`).
 */
export function parseClientMessage(text: string): ModeMessage | { error: string } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: "message is not valid JSON" };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    return { error: 'message must be a JSON object like {"type":"mode","mode":"live"}' };
  }
  const { type, mode, video } = msg as Record<string, unknown>;
  if (type !== "mode") {
    return {
      error: `unknown message type ${JSON.stringify(type)?.slice(0, 40) ?? "(none)"}: ` +
        `the server accepts only {"type":"mode","mode":"live"|"detect"|"off"}`,
    };
  }
  if (!isMode(mode)) {
    return {
      error: `unknown mode ${JSON.stringify(mode)?.slice(0, 40) ?? "(none)"}: ` +
        "use live, detect or off",
    };
  }
  const { delta } = msg as Record<string, unknown>;
  if (delta !== undefined && typeof delta !== "boolean") {
    return { error: "delta must be true or false" };
  }
  if (video !== undefined && !isVideoMode(video)) {
    return {
      error: `unknown video ${JSON.stringify(video)?.slice(0, 40) ?? "(none)"}: use jpeg or mse`,
    };
  }
  return {
    type: "mode",
    mode,
    ...(delta === undefined ? {} : { delta }),
    ...(video === undefined ? {} : { video }),
  };
}

// ---- server → client, binary frames ----

/**
 * The JSON header of a binary frame. The contract's fields are `camera`, `ts` and `boxes`;
 * Vigil's server always adds `eventId` (null outside an event), `score` and `motion`.
 */
export interface FrameHeader {
  camera: string;
  ts: number;
  boxes: Box[];
  eventId?: number | null;
  score?: number;
  motion?: boolean;
  /** The objects of the camera's latest classified frame of this event (while recent). */
  objects?: ObjectBox[];
  /** Only for clients that asked for delta frames (`delta=1`): what the JPEG is. */
  delta?: DeltaInfo;
}

/**
 * A live delta frame's place in its stream. `key: true`: the JPEG is the whole frame. Else the
 * JPEG is an atlas of `tile`×`tile` squares, `cols` per row, in the order of `tiles`; each
 * index `i` of `tiles` is the square at column `i % ceil(width/tile)`, row
 * `floor(i / ceil(width/tile))` of the frame (edge squares cut to the frame), to be pasted on
 * the picture left by the previous message, whose `seq` is this one's minus 1. A client that
 * misses one waits for the next keyframe. No tile: no JPEG bytes.
 */
export interface DeltaInfo {
  seq: number;
  key: boolean;
  width?: number;
  height?: number;
  tile?: number;
  cols?: number;
  tiles?: number[];
}

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;

/** Whether `d` is a well-formed `DeltaInfo` (tile indices inside the frame's grid). */
export function isDeltaInfo(d: unknown): d is DeltaInfo {
  if (typeof d !== "object" || d === null) return false;
  const { seq, key, width, height, tile, cols, tiles } = d as Record<string, unknown>;
  if (!Number.isInteger(seq) || typeof key !== "boolean") return false;
  if (key) return true;
  if (!isCount(width) || !isCount(height) || !isCount(tile) || !isCount(cols)) return false;
  const total = Math.ceil(width / tile) * Math.ceil(height / tile);
  return Array.isArray(tiles) &&
    tiles.every((t) => Number.isInteger(t) && t >= 0 && t < total);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * One binary frame message: 4-byte big-endian length N, N bytes of UTF-8 JSON `header`, then
 * the JPEG bytes.
 */
export function encodeFrame(header: FrameHeader, jpeg: Uint8Array): Uint8Array<ArrayBuffer> {
  const json = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + jpeg.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, 4);
  out.set(jpeg, 4 + json.length);
  return out;
}

function isBox(b: unknown): b is Box {
  return Array.isArray(b) && b.length === 4 && b.every((n) => typeof n === "number");
}

function isObjectList(list: unknown): list is ObjectBox[] {
  return Array.isArray(list) &&
    list.every((o) =>
      typeof o === "object" && o !== null && typeof o.label === "string" &&
      typeof o.score === "number" && isBox(o.box)
    );
}

/**
 * Splits a binary frame message into its header and JPEG (a view, not a copy). Throws a
 * TypeError when the message is malformed: shorter than its length prefix says, a header that
 * is not UTF-8 JSON, or one without a string `camera`, a numeric `ts` and `[x,y,w,h]` boxes.
 */
export function parseFrame(
  data: ArrayBuffer | Uint8Array,
): { header: FrameHeader; jpeg: Uint8Array } {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) throw new TypeError("Frame message shorter than its 4-byte header");
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (4 + n > bytes.byteLength) {
    throw new TypeError(`Frame header length ${n} exceeds the message (${bytes.byteLength} bytes)`);
  }
  let header: FrameHeader;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + n)));
  } catch (err) {
    throw new TypeError(`Frame header is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (
    typeof header !== "object" || header === null || typeof header.camera !== "string" ||
    typeof header.ts !== "number" || !Array.isArray(header.boxes) || !header.boxes.every(isBox)
  ) {
    throw new TypeError("Frame header lacks camera, ts or boxes ([x,y,w,h] numbers)");
  }
  if (header.objects !== undefined && !isObjectList(header.objects)) delete header.objects;
  if (header.delta !== undefined && !isDeltaInfo(header.delta)) {
    throw new TypeError("Frame header has a malformed delta");
  }
  return { header, jpeg: bytes.subarray(4 + n) };
}
