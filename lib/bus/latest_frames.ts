import type { Bus, Subscription } from "./bus.ts";
import type { FrameMessage } from "./messages.ts";

/** A camera's most recent frame: its JPEG and capture time. */
export interface LatestFrame {
  jpeg: Uint8Array;
  ts: number;
}

/**
 * The latest JPEG of every camera, for snapshots (`GET /api/cameras/:id/snapshot`, the viewer's
 * picture before any motion). It listens on the bus like any other subscriber, so the pipelines
 * need not know about it, and keeps a reference to one frame per camera (no copy).
 *
 * Frames are taken in the subscription's `acceptFrame`, which the bus calls synchronously on
 * publish: the frame is remembered there and declined, so it never waits in a queue and a
 * snapshot is current the moment a frame is published. The few other messages are drained as
 * they come (the queue is unbounded because this loop empties it on every turn).
 */
export class LatestFrames {
  readonly #frames = new Map<string, FrameMessage>();
  readonly #sub: Subscription;

  constructor(bus: Bus) {
    this.#sub = bus.subscribe({
      maxQueue: Infinity,
      acceptFrame: (frame) => {
        this.#frames.set(frame.camera, frame);
        return false;
      },
    });
    this.#drain();
  }

  async #drain(): Promise<void> {
    while (await this.#sub.next() !== null) { /* not frames: nothing to keep */ }
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
