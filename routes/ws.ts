/**
 * @module
 * `GET /ws?camera=ID&mode=detect|live|off[&video=mse]`: the browser's live feed over a native Deno WebSocket.
 * The protocol is in docs/api.md (CONTRACT.md's, plus documented extensions).
 */
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  checkWebSocketOrigin,
  clientAddress,
  currentSession,
  sessionToken,
} from "../lib/auth/mod.ts";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { StallWatch } from "../lib/clients/mod.ts";
import { type DeltaClient, type DeltaHubOptions, DeltaHubs } from "../lib/live/delta_hub.ts";
import type { BusMessage, FrameMessage, Subscription } from "../lib/bus/mod.ts";
import {
  type CameraInfo,
  type CameraSummary,
  encodeFrame,
  isMode,
  MAX_CLIENT_MESSAGE_BYTES,
  type Mode,
  parseClientMessage,
  type ServerMessage,
} from "../lib/protocol.ts";
import { MseClientFeed } from "../lib/live/mse_client.ts";
import { isVideoMode, type VideoMode } from "../lib/live/mse_protocol.ts";

export { MAX_CLIENT_MESSAGE_BYTES };

/** How often an open socket checks that its session still exists (logout, password change). */
export const SESSION_CHECK_MS = 5000;

export interface WsOptions {
  /** A heartbeat goes out when nothing was sent for this long (ms). Default 1000. */
  heartbeatMs?: number;
  /** Frames are skipped while the socket has more than this many bytes unsent. Default 1.5 MiB. */
  skipFramesAboveBytes?: number;
  /** The client is dropped (close 1013) when this many bytes are unsent. Default 8 MiB. */
  dropAboveBytes?: number;
  /** Bus queue bound for this client's non-frame messages. Default 64. */
  maxQueue?: number;
  /** Live sockets one session may hold; past it the upgrade gets 429. Default 16. */
  maxPerSession?: number;
  /** Live sockets one user may hold over all their sessions; past it 429. Default 32. */
  maxPerUser?: number;
  /**
   * A client whose unsent data has not drained for this long (ms) is dropped: its TCP
   * connection ended at once (through the TCP front), it leaves the clients list. Also the
   * WebSocket ping timeout: a client that answers no ping for this long is closed. Default 10000.
   */
  stallMs?: number;
  /** The live delta streams' settings (lib/live/delta_hub.ts); defaults there. */
  delta?: DeltaHubOptions;
}

/** The TCP front's handle on the client's connection (lib/net's GuardedInfo), when served by it. */
interface FrontLink {
  stalledMs(): number;
  abort(): void;
}

function frontLink(env: unknown): FrontLink | null {
  const e = env as Partial<FrontLink> | undefined;
  return typeof e?.stalledMs === "function" && typeof e.abort === "function"
    ? { stalledMs: e.stalledMs, abort: e.abort }
    : null;
}

/** Counts live sockets per key; `take` refuses past the cap. */
class SocketCounter {
  readonly #counts = new Map<string, number>();
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
  add(key: string): void {
    this.#counts.set(key, this.count(key) + 1);
  }
  remove(key: string): void {
    const n = this.count(key) - 1;
    if (n <= 0) this.#counts.delete(key);
    else this.#counts.set(key, n);
  }
}

const encoder = new TextEncoder();
/** Encoded binary messages, shared by every client that sends the same frame. */
const encodedFrames = new WeakMap<FrameMessage, Uint8Array<ArrayBuffer>>();

/** A bus frame as its binary message (lib/protocol.ts's layout), encoded once for all clients. */
export function frameBytes(f: FrameMessage): Uint8Array<ArrayBuffer> {
  let out = encodedFrames.get(f);
  if (!out) {
    out = encodeFrame({
      camera: f.camera,
      ts: f.ts,
      boxes: f.boxes,
      eventId: f.eventId,
      score: f.score,
      motion: f.motion,
      ...(f.objects ? { objects: f.objects } : {}),
    }, f.jpeg);
    encodedFrames.set(f, out);
  }
  return out;
}

/**
 * The frames a client of `camera` in `mode` wants from its own bus subscription. A live client
 * that asked for deltas gets its frames from the camera's delta hub instead.
 */
export function acceptFrameFor(
  mode: Mode,
  camera: string,
  delta = false,
): (f: FrameMessage) => boolean {
  if (mode === "live" && delta) return () => false;
  if (mode === "live") return (f) => f.camera === camera;
  if (mode === "detect") return (f) => f.camera === camera && f.motion;
  return () => false;
}

/** Whether a client in `mode` wants every frame (so the pipeline encodes each one's JPEG). */
export function wantsEveryFrameFor(mode: Mode, camera: string): (c: string) => boolean {
  return mode === "live" ? (c) => c === camera : () => false;
}

/** The wire form of a non-frame bus message, without internal fields. */
export function toClientMessage(msg: Exclude<BusMessage, FrameMessage>): ServerMessage {
  switch (msg.type) {
    case "motion":
      return {
        type: "motion",
        camera: msg.camera,
        ts: msg.ts,
        eventId: msg.eventId,
        score: msg.score,
        boxes: msg.boxes,
        zones: msg.zones,
        ...(msg.labels ? { labels: msg.labels } : {}),
      };
    case "event":
      return {
        type: "event",
        phase: msg.phase,
        camera: msg.camera,
        eventId: msg.eventId,
        ts: msg.ts,
        ...(msg.labels ? { labels: msg.labels } : {}),
      };
    case "status":
      return {
        type: "status",
        camera: msg.camera,
        state: msg.state,
        message: msg.message,
        ts: msg.ts,
      };
  }
}

/** The camera list of `hello`: the summary fields only (ffmpeg's lines are /api/health's). */
function summaries(cameras: CameraInfo[]): CameraSummary[] {
  return cameras.map((c) => ({
    id: c.id,
    name: c.name,
    state: c.state,
    message: c.message,
    fps: c.fps,
    width: c.width,
    height: c.height,
    lastMotion: c.lastMotion,
  }));
}

/** One connected client: its bus subscription, heartbeat timer and message handling. */
class Connection implements DeltaClient {
  readonly id = crypto.randomUUID();
  #mode: Mode;
  /** Live frames as keyframes and changed tiles (`delta=1`), from the camera's delta hub. */
  #delta: boolean;
  readonly #hubs: DeltaHubs;
  readonly #camera: string;
  readonly #socket: WebSocket;
  readonly #ctx: AppContext;
  readonly #opts: Required<WsOptions>;
  readonly #user: string;
  #sub: Subscription | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastSend = 0;
  #closed = false;
  #framesSent = 0;
  #framesSkipped = 0;
  /** framesSent + framesSkipped last pushed to the registry. */
  #reported = 0;
  readonly #sessionAlive: () => boolean;
  readonly #release: () => void;
  readonly #link: FrontLink | null;
  readonly #stall: StallWatch;
  #sessionChecked = Date.now();
  /** The client's choice for live pictures; `mse`: the camera's H.264 (lib/live). */
  #video: VideoMode;
  #videoFeed: MseClientFeed | null = null;
  #leaveVideo: (() => void) | null = null;

  constructor(
    socket: WebSocket,
    ctx: AppContext,
    opts: Required<WsOptions>,
    hubs: DeltaHubs,
    info: {
      camera: string;
      mode: Mode;
      delta: boolean;
      video: VideoMode;
      user: string;
      address: string;
      userAgent: string;
      sessionAlive: () => boolean;
      /** Called once when the connection ends (frees its place under the caps). */
      release: () => void;
      link: FrontLink | null;
    },
  ) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#opts = opts;
    this.#camera = info.camera;
    this.#mode = info.mode;
    this.#delta = info.delta;
    this.#hubs = hubs;
    this.#video = info.video;
    this.#user = info.user;
    this.#sessionAlive = info.sessionAlive;
    this.#release = info.release;
    this.#link = info.link;
    this.#stall = new StallWatch(opts.stallMs, Date.now());
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      ctx.clients.add({
        id: this.id,
        user: info.user,
        address: info.address,
        userAgent: info.userAgent,
        since: Date.now(),
        mode: this.#mode,
        camera: this.#camera,
        framesSent: 0,
        framesSkipped: 0,
      });
      this.#start();
    };
    socket.onmessage = (e) => this.#onMessage(e.data);
    socket.onclose = () => this.#cleanup();
    socket.onerror = () => this.#cleanup();
  }

  #start(): void {
    if (this.#closed) return;
    this.#sub = this.#ctx.bus.subscribe({
      maxQueue: this.#opts.maxQueue,
      acceptFrame: this.#acceptFrame(),
      // Live deltas come from the camera's hub, made from every frame's JPEG all the same.
      wantsEveryFrame: this.#wantsEveryFrame(),
    });
    this.#sendHello();
    const cam = this.#ctx.cameras.get(this.#camera);
    if (cam) {
      this.#sendMessage({
        type: "status",
        camera: cam.id,
        state: cam.state,
        message: cam.message,
        ts: Date.now(),
      });
    }
    this.#syncVideo();
    const beat = Math.max(10, Math.min(250, this.#opts.heartbeatMs / 4));
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (now - this.#sessionChecked >= SESSION_CHECK_MS) {
        this.#sessionChecked = now;
        if (!this.#sessionAlive()) return this.#close(1008, "session ended: log in again");
      }
      if (this.#stall.check(now, this.#socket.bufferedAmount, this.#link?.stalledMs() ?? 0)) {
        return this.#drop(`client stalled: nothing read for ${this.#opts.stallMs / 1000} s`);
      }
      if (now - this.#lastSend >= this.#opts.heartbeatMs) {
        this.#sendMessage({ type: "heartbeat", ts: now });
      }
      if (this.#framesSent + this.#framesSkipped !== this.#reported) {
        this.#reported = this.#framesSent + this.#framesSkipped;
        this.#ctx.clients.update(this.id, {
          framesSent: this.#framesSent,
          framesSkipped: this.#framesSkipped,
        });
      }
    }, beat);
    this.#pump();
    this.#followHub();
  }

  /** Joins the camera's delta hub while live with deltas; leaves it otherwise. */
  #followHub(): void {
    if (!this.#closed && this.#mode === "live" && this.#delta) {
      this.#hubs.join(this.#camera, this);
    } else this.#hubs.leave(this.#camera, this);
  }

  /** A delta hub's message: sent unless the client reads too slowly (then skipped). */
  sendDelta(bytes: Uint8Array<ArrayBuffer>, frame: FrameMessage): boolean {
    if (this.#closed || this.#videoFeed?.playing) return false;
    const buffered = this.#socket.bufferedAmount;
    if (buffered > this.#opts.dropAboveBytes) {
      this.#close(1013, "client too slow: too much data unsent");
      return false;
    }
    if (buffered > this.#opts.skipFramesAboveBytes) {
      this.#framesSkipped++;
      return false;
    }
    this.#send(bytes);
    if (frame.arrivedAt !== undefined) {
      this.#ctx.clients.sendLatency.record(performance.now() - frame.arrivedAt);
    }
    this.#framesSent++;
    return true;
  }

  #sendHello(): void {
    this.#sendMessage({
      type: "hello",
      camera: this.#camera,
      mode: this.#mode,
      cameras: summaries(this.#ctx.cameras.list()),
      user: this.#user,
      clientId: this.id,
      heartbeatMs: this.#opts.heartbeatMs,
    });
  }

  async #pump(): Promise<void> {
    const sub = this.#sub!;
    while (true) {
      const msg = await sub.next();
      if (msg === null || this.#closed) break;
      if (msg.type === "frame") {
        if (!sub.acceptFrame(msg)) continue; // the mode changed while it waited
        const buffered = this.#socket.bufferedAmount;
        if (buffered > this.#opts.dropAboveBytes) {
          this.#close(1013, "client too slow: too much data unsent");
          break;
        }
        if (buffered > this.#opts.skipFramesAboveBytes) { // slow browser: skip, never queue
          this.#framesSkipped++;
          continue;
        }
        this.#send(frameBytes(msg));
        if (msg.arrivedAt !== undefined) {
          this.#ctx.clients.sendLatency.record(performance.now() - msg.arrivedAt);
        }
        this.#framesSent++;
      } else if (msg.camera === this.#camera) {
        this.#sendMessage(toClientMessage(msg));
      }
    }
    if (sub.closedReason === "overflow") {
      this.#close(1013, "client too slow: message queue overflowed, reconnect");
    }
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    if (typeof data !== "string") {
      const size = data instanceof ArrayBuffer ? data.byteLength : MAX_CLIENT_MESSAGE_BYTES + 1;
      if (size > MAX_CLIENT_MESSAGE_BYTES) return this.#tooBig();
      return this.#error("binary messages are not accepted: send JSON text");
    }
    if (
      data.length > MAX_CLIENT_MESSAGE_BYTES ||
      (data.length * 3 > MAX_CLIENT_MESSAGE_BYTES &&
        encoder.encode(data).length > MAX_CLIENT_MESSAGE_BYTES)
    ) {
      return this.#tooBig();
    }
    const msg = parseClientMessage(data);
    if ("error" in msg) return this.#error(msg.error);
    if (msg.video) this.#video = msg.video;
    this.#setMode(msg.mode, msg.delta, msg.video);
  }

  #setMode(mode: Mode, delta = this.#delta, video?: VideoMode): void {
    this.#mode = mode;
    this.#delta = delta;
    if (this.#sub) {
      this.#sub.acceptFrame = this.#acceptFrame();
      this.#sub.wantsEveryFrame = this.#wantsEveryFrame();
      this.#sub.dropFrames();
      this.#followHub();
    }
    this.#ctx.clients.update(this.id, { mode });
    this.#sendMessage({ type: "mode", camera: this.#camera, mode, ...(video ? { video } : {}) });
    this.#syncVideo();
  }

  /** The mode's frames, but none while the camera's H.264 video flows to this client. */
  #acceptFrame(): (f: FrameMessage) => boolean {
    const wanted = acceptFrameFor(this.#mode, this.#camera, this.#delta);
    return (f) => wanted(f) && !this.#videoFeed?.playing;
  }

  /**
   * Every frame's JPEG in live mode, but none needed while the H.264 video flows or starts (else
   * a video slow to start would switch the capture to encoding every frame).
   */
  #wantsEveryFrame(): (camera: string) => boolean {
    const wants = wantsEveryFrameFor(this.#mode, this.#camera);
    return (c) => wants(c) && !this.#videoFeed?.playing && !this.#videoFeed?.starting;
  }

  /** Joins or leaves the camera's video relay as the mode and video choice say (lib/live). */
  #syncVideo(): void {
    const want = this.#mode === "live" && this.#video === "mse" && !this.#closed;
    if (!want && this.#videoFeed) {
      this.#leaveVideo?.();
      this.#leaveVideo = null;
      this.#videoFeed = null;
    }
    if (!want || this.#videoFeed) return;
    const feed = new MseClientFeed(this.#camera, {
      send: (data) => this.#send(data),
      bufferedAmount: () => this.#socket.bufferedAmount,
      close: (code, reason) => this.#close(code, reason),
    }, {
      skipAboveBytes: this.#opts.skipFramesAboveBytes,
      dropAboveBytes: this.#opts.dropAboveBytes,
    });
    this.#videoFeed = feed;
    const relays = this.#ctx.videoRelays;
    if (!relays) return feed.unavailable("this server has no video relay: JPEG frames instead");
    this.#leaveVideo = relays.join(this.#camera, feed);
  }

  #error(message: string): void {
    this.#sendMessage({ type: "error", message });
  }

  #tooBig(): void {
    this.#close(1009, `message too big (at most ${MAX_CLIENT_MESSAGE_BYTES} bytes)`);
  }

  #sendMessage(msg: ServerMessage): void {
    this.#send(JSON.stringify(msg));
  }

  #send(data: string | Uint8Array): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    try {
      this.#socket.send(data as string | Uint8Array<ArrayBuffer>);
      this.#lastSend = Date.now();
    } catch {
      this.#cleanup();
    }
  }

  #close(code: number, reason: string): void {
    try {
      this.#socket.close(code, reason);
    } catch { /* already closing */ }
    this.#cleanup();
  }

  /**
   * Ends a client that stopped reading: a close frame could never reach it (it would wait
   * behind the unsent data, and so would Deno's own close), so the TCP connection is ended.
   */
  #drop(reason: string): void {
    this.#close(1013, reason);
    this.#link?.abort();
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    clearInterval(this.#timer);
    this.#hubs.leave(this.#camera, this);
    this.#leaveVideo?.();
    this.#sub?.close();
    this.#ctx.clients.remove(this.id);
  }
}

/**
 * Registers `/ws`. Checks before the upgrade: a logged-in user (else 401), the page's own
 * origin (else 403), valid `camera` and `mode` (else 400), an upgrade request (else 426), and
 * at most `maxPerSession` live sockets per session and `maxPerUser` per user (else 429).
 */
export function register(app: Hono<AppEnv>, ctx: AppContext, options: WsOptions = {}): void {
  const opts: Required<WsOptions> = {
    heartbeatMs: options.heartbeatMs ?? 1000,
    skipFramesAboveBytes: options.skipFramesAboveBytes ?? 1.5 * 1024 * 1024,
    dropAboveBytes: options.dropAboveBytes ?? 8 * 1024 * 1024,
    maxQueue: options.maxQueue ?? 64,
    maxPerSession: options.maxPerSession ?? 16,
    maxPerUser: options.maxPerUser ?? 32,
    stallMs: options.stallMs ?? 10_000,
    delta: options.delta ?? {},
  };
  const sockets = new SocketCounter();
  const hubs = new DeltaHubs(ctx.bus, opts.delta);
  app.get("/ws", (c) => {
    const user = c.get("user");
    if (!user) throw new HTTPException(401, { message: "log in first (no valid session)" });
    if (!checkWebSocketOrigin(c)) {
      throw new HTTPException(403, {
        message: "WebSocket connections from other sites are refused",
      });
    }
    const cameras = ctx.cameras.list();
    const camera = c.req.query("camera") ?? cameras[0]?.id;
    if (camera === undefined) throw new HTTPException(400, { message: "no camera is configured" });
    if (!ctx.cameras.get(camera)) {
      throw new HTTPException(400, {
        message: `unknown camera ${JSON.stringify(camera.slice(0, 40))} (known: ${
          cameras.map((x) => x.id).join(", ")
        })`,
      });
    }
    const mode = c.req.query("mode") ?? "detect";
    if (!isMode(mode)) {
      throw new HTTPException(400, {
        message: `mode must be live, detect or off, got ${JSON.stringify(mode.slice(0, 40))}`,
      });
    }
    const video = c.req.query("video") ?? "jpeg";
    if (!isVideoMode(video)) {
      throw new HTTPException(400, {
        message: `video must be jpeg or mse, got ${JSON.stringify(video.slice(0, 40))}`,
      });
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HTTPException(426, {
        message: "this is a WebSocket endpoint: connect with new WebSocket(url)",
      });
    }
    // Bounded per session and per user: each socket holds a bus subscription and buffers.
    const sessionKey = `s:${currentSession(c)?.id ?? `u${user.id}`}`;
    const userKey = `u:${user.id}`;
    if (sockets.count(sessionKey) >= opts.maxPerSession) {
      throw new HTTPException(429, {
        message: `too many live connections for this session (at most ${opts.maxPerSession}): ` +
          "close other tabs or windows",
      });
    }
    if (sockets.count(userKey) >= opts.maxPerUser) {
      throw new HTTPException(429, {
        message: `too many live connections for user ${user.username} (at most ${opts.maxPerUser}` +
          "): close other tabs or log out elsewhere",
      });
    }
    // Everything about the request is read before the upgrade (the request is closed after it).
    const token = sessionToken(c);
    const delta = c.req.query("delta");
    if (delta !== undefined && delta !== "1" && delta !== "0") {
      throw new HTTPException(400, { message: "delta must be 1 or 0" });
    }
    const info = {
      camera,
      mode,
      delta: delta === "1",
      video,
      user: user.username,
      address: clientAddress(c),
      userAgent: (c.req.header("user-agent") ?? "").slice(0, 300),
      sessionAlive: () => ctx.auth.sessionForToken(token) !== null,
      release: () => {
        sockets.remove(sessionKey);
        sockets.remove(userKey);
      },
      link: frontLink(c.env),
    };
    let upgraded;
    try {
      // Deno pings a client that sent nothing for half of idleTimeout and closes it when no pong
      // comes in the other half: a client gone without a FIN (Wi-Fi lost) is ended in stallMs.
      upgraded = Deno.upgradeWebSocket(c.req.raw, {
        idleTimeout: Math.max(2, Math.round(opts.stallMs / 1000)),
      });
    } catch (err) {
      throw new HTTPException(400, {
        message: `WebSocket upgrade failed: ${(err as Error).message}`,
      });
    }
    sockets.add(sessionKey);
    sockets.add(userKey);
    new Connection(upgraded.socket, ctx, opts, hubs, info);
    return upgraded.response;
  });
}
