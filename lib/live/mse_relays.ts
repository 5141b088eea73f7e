/**
 * @module
 * The live video relays of all cameras (lib/live/mse_relay.ts), one per camera, made on
 * demand. A camera's relay opens its source the way the recorder does (lib/capture's
 * inputArgs with the camera's RTSP transport, timeout and extra input options), from the
 * settings as they are now, so a settings change reaches the next start. Only RTSP cameras
 * and video files can carry H.264; the others (demo, V4L2, HTTP MJPEG) are answered at once.
 */
import { inputArgs, sourceKind } from "../capture/ffmpeg_args.ts";
import type { CameraConfig } from "../config/mod.ts";
import { type RelayPlan, type RelaySink, VideoRelay } from "./mse_relay.ts";

export interface VideoRelaysOptions {
  /** The cameras' settings now (a getter: they change live). */
  cameras: () => readonly CameraConfig[];
  ffmpegPath?: string;
  lingerMs?: number;
  log?: (line: string) => void;
}

/** Why a camera's source cannot give H.264 video without transcoding, or null if it may. */
export function notRelayable(source: string): string | null {
  switch (sourceKind(source)) {
    case "demo":
      return "the demo scene is not H.264 video: JPEG frames instead";
    case "v4l2":
      return "USB (V4L2) cameras are sent as JPEG frames: no H.264 pass-through";
    case "http":
      return "HTTP cameras send MJPEG: JPEG frames instead";
    default:
      return null;
  }
}

/** How to open `cam` for the relay (as lib/record's recorder opens it), or why not. */
export function relayPlan(cam: CameraConfig | undefined): RelayPlan {
  if (!cam) return { unavailable: "this camera is no longer configured" };
  const why = notRelayable(cam.source);
  if (why) return { unavailable: why };
  const c = cam.capture;
  const input = inputArgs({
    source: cam.source,
    passthrough: false,
    detectWidth: 2,
    detectHeight: 2,
    jpegQuality: 5,
    timeoutMs: typeof c.timeoutMs === "number" ? c.timeoutMs : 10_000,
    rtspTransport: c.rtspTransport === "udp" || c.rtspTransport === "tcp"
      ? c.rtspTransport
      : undefined,
    inputArgs: Array.isArray(c.inputArgs) ? c.inputArgs.map(String) : undefined,
  });
  return { key: JSON.stringify([cam.source, input]), source: cam.source, input };
}

export class VideoRelays {
  readonly #o: VideoRelaysOptions;
  readonly #relays = new Map<string, VideoRelay>();
  #stopped = false;

  constructor(opts: VideoRelaysOptions) {
    this.#o = opts;
  }

  /** Adds a video client of `camera`; returns its leave function. */
  join(camera: string, sink: RelaySink): () => void {
    if (this.#stopped) {
      sink.stopped("the server is stopping", true);
      return () => {};
    }
    let relay = this.#relays.get(camera);
    if (!relay) {
      relay = new VideoRelay({
        camera,
        plan: () => relayPlan(this.#o.cameras().find((c) => c.id === camera)),
        ffmpegPath: this.#o.ffmpegPath,
        lingerMs: this.#o.lingerMs,
        log: this.#o.log ?? console.log,
      });
      this.#relays.set(camera, relay);
    }
    return relay.join(sink);
  }

  /** The running relays' ffmpeg pids by camera (tests, benchmarks). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, r] of this.#relays) if (r.pid !== null) out[id] = r.pid;
    return out;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#relays.values()].map((r) => r.stop("the server is stopping")));
  }
}
