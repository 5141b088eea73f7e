/**
 * One camera's feed for an island: a `/ws` connection (lib/web/live_socket.ts) for its frames,
 * motion, events and state, plus snapshots (`/api/cameras/:id/snapshot`) so a picture shows at
 * once and stays fresh while nothing moves. Used by the Viewer (one camera, any mode) and by
 * each tile of the CameraGrid (detect mode).
 */
import { type Signal, useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Box, CameraState, CameraSummary, Mode, ObjectBox } from "../lib/protocol.ts";
import { LiveSocket, socketUrl } from "../lib/web/live_socket.ts";
import { BlobImage, fetchSnapshot } from "../lib/web/snapshot.ts";
import { DeltaCanvas } from "../lib/web/delta_canvas.ts";
import type { VideoHooks } from "./mse_feed.ts";

/** The picture on screen: a frame pushed over the socket, or a snapshot. */
export interface ShownFrame {
  kind: "socket" | "snapshot";
  /** Capture time (server clock). */
  ts: number;
  /** When it was captured on this browser's clock (for "12 s ago" without clock skew). */
  at: number;
  boxes: Box[];
  /** Labelled objects from the frame's header (lib/objects), when classified. */
  objects?: ObjectBox[];
}

/** A pushed frame stays on screen this long before snapshots take over again (ms). */
export const MOTION_HOLD_MS = 10_000;
/** A pushed frame older than this is marked old (at 15 fps, frames are ~70 ms apart). */
export const SOCKET_OLD_MS = 2_000;
/** A tile lights up for this long after a motion message. */
export const LIT_MS = 3_000;

export interface FeedOptions {
  camera: CameraSummary;
  mode: Mode;
  /** How often to refresh the snapshot while no pushed frame is on screen (ms). */
  snapshotMs: number;
  /** On the viewer: back to the login page when the session ends. */
  onSessionEnded?: () => void;
  /** The camera list from `hello` (the viewer keeps it for its camera switch). */
  onCameras?: (cameras: CameraSummary[]) => void;
  /**
   * Whether live frames come as keyframes and changed tiles, drawn on `canvas` (far fewer bytes,
   * more work for the server); asked on every connect.
   */
  delta?: () => boolean;
  /** Live H.264 video where wanted (components/mse_feed.ts); absent: JPEG frames only. */
  video?: VideoHooks;
}

export interface Feed {
  camera: Signal<string>;
  mode: Signal<Mode>;
  online: Signal<boolean>;
  /** True until the first connection succeeds or 5 s pass. */
  connecting: Signal<boolean>;
  /** Whether a connection ever succeeded (so "lost" rather than "cannot reach"). */
  wasOnline: Signal<boolean>;
  /** When the next reconnect happens (epoch ms), null while connected or trying. */
  retryAt: Signal<number | null>;
  state: Signal<CameraState>;
  message: Signal<string>;
  lastMotion: Signal<number | null>;
  /** This browser's clock at the last motion message (for lighting up). */
  motionAt: Signal<number>;
  inEvent: Signal<boolean>;
  frame: Signal<ShownFrame | null>;
  /** Set when the image loads: its natural size. */
  natural: Signal<[number, number] | null>;
  /** Ticks every second (for ages and countdowns). */
  now: Signal<number>;
  img: RefObject<HTMLImageElement>;
  /** The live delta stream's picture (shown instead of `img` while `onCanvas`). */
  canvas: RefObject<HTMLCanvasElement>;
  onCanvas: Signal<boolean>;
  setMode(mode: Mode): void;
  setCamera(camera: CameraSummary): void;
  /** The video choice changed (opts.video's query()): tell the server. */
  videoChanged(): void;
  /** The delta choice changed (opts.delta()): tell the server. */
  deltaChanged(): void;
  clearFrame(): void;
}

/** Whether the shown frame is old enough to be marked so. */
export function isOld(frame: ShownFrame | null, now: number, snapshotMs: number): boolean {
  if (!frame) return false;
  return now - frame.at > (frame.kind === "socket" ? SOCKET_OLD_MS : 3 * snapshotMs);
}

export function useCameraFeed(opts: FeedOptions): Feed {
  const camera = useSignal(opts.camera.id);
  const mode = useSignal<Mode>(opts.mode);
  const online = useSignal(false);
  const connecting = useSignal(true);
  const wasOnline = useSignal(false);
  const retryAt = useSignal<number | null>(null);
  const state = useSignal<CameraState>(opts.camera.state);
  const message = useSignal(opts.camera.message);
  const lastMotion = useSignal<number | null>(opts.camera.lastMotion);
  const motionAt = useSignal(0);
  const inEvent = useSignal(false);
  const frame = useSignal<ShownFrame | null>(null);
  const natural = useSignal<[number, number] | null>(null);
  const now = useSignal(Date.now());
  const img = useRef<HTMLImageElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const onCanvas = useSignal(false);
  const deltaCanvas = useRef(new DeltaCanvas(() => canvas.current));
  const blob = useRef(new BlobImage());
  const sock = useRef<LiveSocket | null>(null);
  /** The camera whose snapshot is being fetched, if any. */
  const fetching = useRef<string | null>(null);

  /** A pushed frame is on screen and recent: snapshots wait. */
  const holding = () => {
    const f = frame.value;
    return f?.kind === "socket" && Date.now() - f.at < MOTION_HOLD_MS;
  };

  const refreshSnapshot = async () => {
    // Only cameras that may have a frame (a failed one has none worth asking for), only when
    // something would be shown, and not in a background tab.
    const st = state.value;
    const id = camera.value;
    if (mode.value === "off" || holding() || fetching.current === id) return;
    if ((st !== "running" && st !== "stalled") || document.visibilityState === "hidden") return;
    fetching.current = id;
    try {
      const snap = await fetchSnapshot(id);
      // The camera or the mode may have changed while it came.
      if (!snap || camera.value !== id || (mode.value as Mode) === "off" || holding()) return;
      blob.current.show(img.current, snap.jpeg);
      onCanvas.value = false;
      frame.value = { kind: "snapshot", ts: snap.ts, at: Date.now() - snap.ageMs, boxes: [] };
    } finally {
      if (fetching.current === id) fetching.current = null;
    }
  };

  useEffect(() => {
    const tick = setInterval(() => now.value = Date.now(), 1000);
    const giveUp = setTimeout(() => connecting.value = false, 5000);
    const snapTimer = setInterval(refreshSnapshot, opts.snapshotMs);
    // Background tabs fetch nothing; coming back, the picture is brought up to date at once.
    const visible = () => {
      if (document.visibilityState === "visible") refreshSnapshot();
    };
    document.addEventListener("visibilitychange", visible);
    refreshSnapshot();
    const video = opts.video;
    const s = new LiveSocket({
      url: () => {
        deltaCanvas.current.reset(); // a new connection starts with a keyframe
        video?.reset(); // a new connection: the server starts the stream again
        return socketUrl(location, camera.value, mode.value, opts.delta?.(), video?.query());
      },
      onVideo: video?.onVideo,
      onSessionEnded: opts.onSessionEnded,
      onOnline: (on) => {
        online.value = on;
        if (on) {
          wasOnline.value = true;
          connecting.value = false;
        }
        now.value = Date.now();
      },
      onRetry: (at) => {
        retryAt.value = at;
        now.value = Date.now();
      },
      onMessage: (msg) => {
        video?.onMessage(msg);
        switch (msg.type) {
          case "hello":
            if (Array.isArray(msg.cameras)) {
              opts.onCameras?.(msg.cameras);
              const me = msg.cameras.find((c) => c?.id === camera.value);
              if (me?.lastMotion) lastMotion.value = Math.max(lastMotion.value ?? 0, me.lastMotion);
            }
            break;
          case "status":
            if (msg.camera !== camera.value) break;
            state.value = msg.state;
            message.value = msg.message;
            if (!frame.value) refreshSnapshot();
            break;
          case "motion":
            if (msg.camera !== camera.value) break;
            lastMotion.value = msg.ts;
            motionAt.value = Date.now();
            break;
          case "event":
            if (msg.camera === camera.value) inEvent.value = msg.phase === "start";
            break;
        }
      },
      onFrame: (header, jpeg) => {
        if (header.camera !== camera.value || mode.value === "off") return;
        const shown = (h: typeof header) => {
          // The mode or camera may have changed while a delta was decoded.
          if (h.camera !== camera.value || mode.value === "off") return;
          frame.value = {
            kind: "socket",
            ts: h.ts,
            at: Date.now(),
            boxes: h.boxes,
            objects: h.objects,
          };
          if (h.boxes.length) lastMotion.value = Math.max(lastMotion.value ?? 0, h.ts);
        };
        if (header.delta) {
          deltaCanvas.current.push(header, jpeg, (h) => {
            onCanvas.value = true;
            shown(h);
          });
          return;
        }
        blob.current.show(img.current, jpeg);
        onCanvas.value = false;
        shown(header);
      },
    });
    sock.current = s;
    video?.bind(() => s.send({ type: "mode", mode: mode.value, video: "jpeg" }));
    s.start();
    return () => {
      clearInterval(tick);
      clearInterval(snapTimer);
      document.removeEventListener("visibilitychange", visible);
      clearTimeout(giveUp);
      s.stop();
      blob.current.clear(null);
    };
  }, []);

  const clearFrame = () => {
    frame.value = null;
    onCanvas.value = false;
    deltaCanvas.current.reset();
    blob.current.clear(img.current);
  };

  return {
    camera,
    mode,
    online,
    connecting,
    wasOnline,
    retryAt,
    state,
    message,
    lastMotion,
    motionAt,
    inEvent,
    frame,
    natural,
    now,
    img,
    canvas,
    onCanvas,
    setMode(m) {
      if (m === mode.value) return;
      mode.value = m;
      deltaCanvas.current.reset(); // entering live again starts with a keyframe
      const video = opts.video?.query();
      if (!sock.current?.send({ type: "mode", mode: m, ...(video ? { video } : {}) })) {
        sock.current?.reconnect();
      }
      if (m === "off") clearFrame();
      else if (!frame.value || frame.value.kind === "snapshot") refreshSnapshot();
    },
    setCamera(c) {
      if (c.id === camera.value) return;
      camera.value = c.id;
      state.value = c.state;
      message.value = c.message;
      lastMotion.value = c.lastMotion;
      inEvent.value = false;
      natural.value = null;
      clearFrame();
      sock.current?.reconnect();
      refreshSnapshot();
    },
    deltaChanged() {
      const delta = opts.delta?.() ?? false;
      deltaCanvas.current.reset(); // deltas start again with a keyframe
      if (!sock.current?.send({ type: "mode", mode: mode.value, delta })) sock.current?.reconnect();
    },
    videoChanged() {
      const video = opts.video?.query();
      if (!video) return;
      if (!sock.current?.send({ type: "mode", mode: mode.value, video })) sock.current?.reconnect();
    },
    clearFrame,
  };
}
