import type { Bus, Subscription } from "./bus.ts";

/** A camera's most recent frame: its JPEG and capture time. */
export interface LatestFrame {
  jpeg: Uint8Array;
  ts: number;
}

/**
 * The latest JPEG of every camera, for snapshots (`GET /api/cameras/:id/snapshot`, the viewer's
 * picture before any motion). It listens on the bus like any other subscriber, so the pipelines
 * need not know about it; it keeps a reference to one frame per camera (no copy) and takes
 * frames latest-wins, so it never holds more than that.
 */
export class LatestFrames {
  readonly #frames = new Map<string, LatestFrame>();
  readonly #bus: Bus;
  #sub: Subscription;

  constructor(bus: Bus) {
    this.#bus = bus;
    this.#sub = bus.subscribe();
    this.#run();
  }

  async #run(): Promise<void> {
    while (true) {
      for await (const msg of this.#sub) {
        if (msg.type === "frame") this.#frames.set(msg.camera, { jpeg: msg.jpeg, ts: msg.ts });
      }
      // Only a burst of other messages faster than this loop can overflow it: listen again.
      if (this.#sub.closedReason !== "overflow") return;
      this.#sub = this.#bus.subscribe();
    }
  }

  /** The camera's latest frame, or undefined before its first. */
  get(camera: string): LatestFrame | undefined {
    return this.#frames.get(camera);
  }

  /** Stops listening and forgets the frames. */
  close(): void {
    this.#sub.close();
    this.#frames.clear();
  }
}

const shared = new WeakMap<Bus, LatestFrames>();

/** The one `LatestFrames` of `bus`, started on first use. */
export function latestFrames(bus: Bus): LatestFrames {
  let latest = shared.get(bus);
  if (!latest) {
    latest = new LatestFrames(bus);
    shared.set(bus, latest);
  }
  return latest;
}
