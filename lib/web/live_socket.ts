/**
 * @module
 * Browser side of `/ws` (CONTRACT.md; the messages and the frame layout are lib/protocol.ts's):
 * parses binary frames, watches heartbeats (offline after
 * `staleMs` without any message or when the socket closes) and reconnects with capped backoff.
 * Used by the Viewer and Alarm islands; free of Preact so it can be tested on its own.
 */
import { type FrameHeader, type Mode, parseFrame, type ServerMessage } from "../protocol.ts";
import { parseVideoChunk, type VideoChunkHeader, type VideoMode } from "../live/mse_protocol.ts";

/**
 * The `/ws` URL on the page's own origin; `delta`: live frames as keyframes and tiles; `video`
 * only when it asks for H.264.
 */
export function socketUrl(
  loc: { protocol: string; host: string },
  camera: string,
  mode: Mode,
  delta = false,
  video?: VideoMode,
) {
  const proto = loc.protocol === "https:" ? "wss:" : "ws:";
  const q = new URLSearchParams();
  if (camera) q.set("camera", camera);
  q.set("mode", mode);
  if (delta) q.set("delta", "1");
  if (video === "mse") q.set("video", video);
  return `${proto}//${loc.host}/ws?${q}`;
}

export interface LiveSocketOptions {
  /** Called on every (re)connect, so it can reflect the current camera and mode. */
  url: () => string;
  onMessage?: (msg: ServerMessage) => void;
  onFrame?: (header: FrameHeader, jpeg: Uint8Array) => void;
  /** Binary video messages (`video=mse`, lib/live/mse_protocol.ts). */
  onVideo?: (header: VideoChunkHeader, bytes: Uint8Array) => void;
  onOnline?: (online: boolean) => void;
  /**
   * A reconnect is scheduled for `at` (epoch ms, `Date.now()`'s clock), or `null`: a connection
   * attempt is under way (or the socket stopped). For "retrying in 3 s" countdowns.
   */
  onRetry?: (at: number | null) => void;
  /**
   * The server closed the socket because the session ended (code 1008: logout elsewhere, a
   * password change, expiry). Given: called instead of reconnecting. Not given: reconnect.
   */
  onSessionEnded?: () => void;
  /** Offline after this long without any message (default 5000 ms). */
  staleMs?: number;
  /** First reconnect delay (default 500 ms), doubled up to `maxBackoffMs` (default 10 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  WebSocket?: typeof WebSocket;
}

/** The close code the server uses when the connection's session has ended. */
export const SESSION_ENDED = 1008;

/** A self-healing `/ws` connection. */
export class LiveSocket {
  online = false;
  #opts: LiveSocketOptions;
  #ws: WebSocket | null = null;
  #lastMessage = 0;
  #connectedAt = 0;
  #backoff: number;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #stopped = true;

  constructor(opts: LiveSocketOptions) {
    this.#opts = opts;
    this.#backoff = opts.backoffMs ?? 500;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const stale = this.#opts.staleMs ?? 5000;
    this.#watchdog = setInterval(() => {
      // Nothing for too long (also: connected but never a word): report offline, reconnect.
      if (this.#ws && Date.now() - Math.max(this.#lastMessage, this.#connectedAt) > stale) {
        this.#setOnline(false);
        this.#ws.close();
      }
    }, Math.min(1000, stale / 2));
    this.#connect();
  }

  /** Sends a JSON message when connected; returns whether it was sent. */
  send(msg: unknown): boolean {
    if (this.#ws?.readyState !== 1) return false;
    this.#ws.send(JSON.stringify(msg));
    return true;
  }

  /** Drops the connection and connects again at once (e.g. another camera). */
  reconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#detach();
    this.#backoff = this.#opts.backoffMs ?? 500;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#watchdog);
    this.#detach();
    this.#setOnline(false);
    this.#opts.onRetry?.(null);
  }

  #detach(): void {
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onopen =
        ws.onmessage =
        ws.onclose =
        ws.onerror =
          null;
      ws.close();
    }
  }

  #connect(): void {
    this.#opts.onRetry?.(null);
    const WS = this.#opts.WebSocket ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new WS(this.#opts.url());
    } catch {
      this.#scheduleRetry();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    this.#connectedAt = Date.now();
    ws.onmessage = (e) => {
      this.#lastMessage = Date.now();
      this.#backoff = this.#opts.backoffMs ?? 500;
      this.#setOnline(true);
      if (typeof e.data === "string") {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(e.data);
        } catch {
          return;
        }
        this.#opts.onMessage?.(msg);
      } else if (e.data instanceof ArrayBuffer) {
        const video = this.#opts.onVideo ? parseVideoChunk(e.data) : null;
        if (video) return this.#opts.onVideo!(video.header, video.bytes);
        let frame;
        try {
          frame = parseFrame(e.data);
        } catch {
          return;
        }
        this.#opts.onFrame?.(frame.header, frame.jpeg);
      }
    };
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#setOnline(false);
      if (e.code === SESSION_ENDED && this.#opts.onSessionEnded) {
        this.stop();
        this.#opts.onSessionEnded();
        return;
      }
      this.#scheduleRetry();
    };
    ws.onerror = () => {/* onclose follows */};
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(delay * 2, this.#opts.maxBackoffMs ?? 10_000);
    this.#retry = setTimeout(() => this.#connect(), delay);
    this.#opts.onRetry?.(Date.now() + delay);
  }

  #setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    this.#opts.onOnline?.(online);
  }
}
