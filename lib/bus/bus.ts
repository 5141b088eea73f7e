import type { BusMessage, FrameMessage } from "./messages.ts";

export interface SubscribeOptions {
  /** Most non-frame messages held for a slow subscriber; past it the subscription closes. */
  maxQueue?: number;
  /** Which frames this subscriber wants (e.g. only motion frames in detect mode). */
  acceptFrame?: (frame: FrameMessage) => boolean;
  /**
   * Whether this subscriber wants every frame of `camera`, motion or not (a live view, a
   * recording). Frames nobody wants this way get no JPEG unless they show motion.
   */
  wantsEveryFrame?: (camera: string) => boolean;
}

/**
 * In-process publish/subscribe. Publishing never blocks and never buffers without bound:
 * each subscriber keeps only the latest frame per camera, and a bounded FIFO of other messages.
 */
export class Bus {
  #subs = new Set<Subscription>();
  /** Cameras asked for one fresh frame (a snapshot), and who waits for it. */
  #requests = new Map<string, (() => void)[]>();

  publish(msg: BusMessage): void {
    for (const sub of this.#subs) sub._offer(msg);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const sub = new Subscription(options, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  get size(): number {
    return this.#subs.size;
  }

  /** Whether any subscriber wants every frame of `camera` (so each needs its JPEG). */
  wantsEveryFrame(camera: string): boolean {
    for (const sub of this.#subs) {
      if (!sub.closedReason && sub.wantsEveryFrame?.(camera)) return true;
    }
    return false;
  }

  /**
   * Asks `camera`'s pipeline for one frame with a JPEG soon (a snapshot); resolves once one
   * was published, or after `timeoutMs`.
   */
  requestFrame(camera: string, timeoutMs = 2000): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const waiting = this.#requests.get(camera);
    if (waiting) waiting.push(done);
    else this.#requests.set(camera, [done]);
    return promise;
  }

  /** For the pipeline: whether a frame of `camera` was asked for (see requestFrame). */
  frameRequested(camera: string): boolean {
    return this.#requests.has(camera);
  }

  /** For the pipeline: a frame of `camera` with a JPEG was published; wakes its requesters. */
  frameDelivered(camera: string): void {
    const waiting = this.#requests.get(camera);
    if (!waiting) return;
    this.#requests.delete(camera);
    for (const done of waiting) done();
  }
}

export type CloseReason = "closed" | "overflow";

/** One subscriber's view of the bus; iterate it with `for await`. */
export class Subscription implements AsyncIterable<BusMessage> {
  acceptFrame: (frame: FrameMessage) => boolean;
  wantsEveryFrame: ((camera: string) => boolean) | undefined;
  closedReason: CloseReason | null = null;
  readonly #maxQueue: number;
  readonly #queue: BusMessage[] = [];
  /** Latest frame per camera, in arrival order of cameras. */
  readonly #frames = new Map<string, FrameMessage>();
  #wake: (() => void) | null = null;
  readonly #detach: () => void;

  constructor(options: SubscribeOptions, detach: () => void) {
    this.#maxQueue = options.maxQueue ?? 64;
    this.acceptFrame = options.acceptFrame ?? (() => true);
    this.wantsEveryFrame = options.wantsEveryFrame;
    this.#detach = detach;
  }

  /** Called by the bus. */
  _offer(msg: BusMessage): void {
    if (this.closedReason) return;
    if (msg.type === "frame") {
      if (!this.acceptFrame(msg)) return;
      this.#frames.delete(msg.camera); // re-insert so the oldest camera is served first
      this.#frames.set(msg.camera, msg);
    } else {
      if (this.#queue.length >= this.#maxQueue) {
        this.#close("overflow");
        return;
      }
      this.#queue.push(msg);
    }
    this.#notify();
  }

  /** Drops any frame waiting to be delivered (e.g. after a mode change). */
  dropFrames(): void {
    this.#frames.clear();
  }

  /** The next message, or `null` once closed. Queued messages come before frames. */
  async next(): Promise<BusMessage | null> {
    while (true) {
      const queued = this.#queue.shift();
      if (queued) return queued;
      const first = this.#frames.keys().next();
      if (!first.done) {
        const frame = this.#frames.get(first.value)!;
        this.#frames.delete(first.value);
        return frame;
      }
      if (this.closedReason) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  close(): void {
    this.#close("closed");
  }

  #close(reason: CloseReason): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.#queue.length = 0;
    this.#frames.clear();
    this.#detach();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusMessage> {
    while (true) {
      const msg = await this.next();
      if (msg === null) return;
      yield msg;
    }
  }
}
