/**
 * @module
 * The `/ws` extension for live H.264 video played with Media Source Extensions (docs/api.md):
 * a client asks for it with `video=mse` (query or mode message); the server answers with a
 * `video` text message, then binary video messages in the frame layout (4-byte big-endian
 * length, JSON header, payload) whose header has `"video": "init" | "media"` instead of boxes.
 * Browser-safe: no Deno API (imported by routes/ws.ts and the viewer's bundle).
 */

/** How a live client wants its pictures: JPEG frames (the contract's) or the camera's H.264. */
export type VideoMode = "jpeg" | "mse";
export const VIDEO_MODES: readonly VideoMode[] = ["jpeg", "mse"];

export function isVideoMode(value: unknown): value is VideoMode {
  return typeof value === "string" && (VIDEO_MODES as readonly string[]).includes(value);
}

/**
 * Server → client, text. `ready`: the init segment follows, then media fragments; JPEG frames
 * stop. `waiting`: the relay stopped and is retried; `unavailable`: this camera cannot (not
 * H.264, no relay): in both, JPEG frames go on, and `message` says why.
 */
export interface VideoMessage {
  type: "video";
  camera: string;
  state: "ready" | "waiting" | "unavailable";
  /** ready: RFC 6381 codec string, e.g. `avc1.64001f`. */
  codec?: string;
  /** ready: what to give MediaSource.isTypeSupported / addSourceBuffer. */
  mime?: string;
  width?: number;
  height?: number;
  message?: string;
}

/** The JSON header of a binary video message. */
export interface VideoChunkHeader {
  camera: string;
  /** Server wall clock (ms) when the server got these bytes from ffmpeg. */
  ts: number;
  video: "init" | "media";
  /** media: the fragment's decode time in seconds (the video element's timeline). */
  t?: number;
  /** media: the fragment starts with a keyframe. */
  key?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** One binary video message: 4-byte big-endian length N, N bytes of JSON header, the bytes. */
export function encodeVideoChunk(
  header: VideoChunkHeader,
  bytes: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const json = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + bytes.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, 4);
  out.set(bytes, 4 + json.length);
  return out;
}

/**
 * A binary message's video header and payload, or null when it is not a video message (a
 * JPEG frame, or malformed).
 */
export function parseVideoChunk(
  data: ArrayBuffer | Uint8Array,
): { header: VideoChunkHeader; bytes: Uint8Array } | null {
  const all = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (all.byteLength < 4) return null;
  const n = new DataView(all.buffer, all.byteOffset, all.byteLength).getUint32(0, false);
  if (4 + n > all.byteLength) return null;
  let header: VideoChunkHeader;
  try {
    header = JSON.parse(decoder.decode(all.subarray(4, 4 + n)));
  } catch {
    return null;
  }
  if (
    typeof header !== "object" || header === null ||
    (header.video !== "init" && header.video !== "media") ||
    typeof header.camera !== "string" || typeof header.ts !== "number"
  ) return null;
  return { header, bytes: all.subarray(4 + n) };
}
