/**
 * @module
 * The live delta streams of `/ws` (routes/ws.ts): one hub per camera that has delta clients. It
 * takes the camera's frames from the bus itself (latest wins, so a slow encoder skips frames
 * rather than queueing them), encodes each once (lib/live/delta_encoder.ts) and sends the same
 * message to every client in step. A client that joins, or skips a message because it reads
 * too slowly, is out of step: it gets nothing until the next keyframe, which is asked for at
 * once on a join and at most once a second for skips (so one slow client cannot turn everyone's
 * stream into keyframes).
 */
import type { Bus, FrameMessage, Subscription } from "../bus/mod.ts";
import { encodeFrame, type FrameHeader } from "../protocol.ts";
import { DeltaEncoder, type DeltaEncoderOptions, type EncodedFrame } from "./delta_encoder.ts";

/** A `/ws` connection as the hub sees it. */
export interface DeltaClient {
  /** Sends one binary frame message; false when skipped (the client reads too slowly). */
  sendDelta(bytes: Uint8Array<ArrayBuffer>, frame: FrameMessage): boolean;
}

export interface DeltaHubOptions extends DeltaEncoderOptions {
  /** Out-of-step clients (after a skip) wait at least this long for their keyframe (ms). */
  resyncMs?: number;
  /** Called with each encoded frame and the ms it took (benchmarks, tests). */
  onEncoded?: (out: EncodedFrame, ms: number) => void;
}

/** The binary message of an encoded frame: the bus frame's header plus `delta`. */
export function deltaMessage(f: FrameMessage, out: EncodedFrame): Uint8Array<ArrayBuffer> {
  const header: FrameHeader = {
    camera: f.camera,
    ts: f.ts,
    boxes: f.boxes,
    eventId: f.eventId,
    score: f.score,
    motion: f.motion,
    ...(f.objects ? { objects: f.objects } : {}),
    delta: out.key ? { seq: out.seq, key: true } : {
      seq: out.seq,
      key: false,
      width: out.width,
      height: out.height,
      tile: out.tile,
      cols: out.cols,
      tiles: out.tiles,
    },
  };
  return encodeFrame(header, out.jpeg);
}

/** One camera's delta stream and its clients (true: in step). */
export class DeltaHub {
  readonly #bus: Bus;
  readonly #camera: string;
  readonly #opts: DeltaHubOptions;
  readonly #clients = new Map<DeltaClient, boolean>();
  #encoder: DeltaEncoder | null = null;
  #sub: Subscription | null = null;
  #resyncWanted = false;
  /** Frames whose JPEG could not be decoded (skipped; the stream goes on). */
  badFrames = 0;

  constructor(bus: Bus, camera: string, opts: DeltaHubOptions = {}) {
    this.#bus = bus;
    this.#camera = camera;
    this.#opts = opts;
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Adds a client: it gets the next frame as a keyframe, and every frame after it. */
  add(client: DeltaClient): void {
    if (this.#clients.has(client)) return;
    this.#clients.set(client, false);
    if (!this.#sub) this.#start();
    this.#encoder!.requestKey();
  }

  /** Removes a client; the last one out stops the encoding. */
  remove(client: DeltaClient): void {
    if (!this.#clients.delete(client) || this.#clients.size > 0) return;
    this.#sub?.close();
    this.#sub = null;
    this.#encoder = null;
  }

  #start(): void {
    const sub = this.#bus.subscribe({
      maxQueue: 1024,
      acceptFrame: (f) => f.camera === this.#camera,
    });
    const encoder = new DeltaEncoder(this.#opts);
    this.#sub = sub;
    this.#encoder = encoder;
    this.#pump(sub, encoder);
  }

  async #pump(sub: Subscription, encoder: DeltaEncoder): Promise<void> {
    while (true) {
      const msg = await sub.next();
      if (msg === null || this.#sub !== sub) break;
      if (msg.type !== "frame") continue; // the clients' own subscriptions carry the rest
      const now = performance.now();
      if (this.#resyncWanted && now - encoder.lastKeyAt >= (this.#opts.resyncMs ?? 1000)) {
        this.#resyncWanted = false;
        encoder.requestKey();
      }
      let out: EncodedFrame;
      try {
        out = await encoder.encode(msg.jpeg, now);
      } catch {
        this.badFrames++;
        continue;
      }
      if (this.#sub !== sub) break;
      this.#opts.onEncoded?.(out, performance.now() - now);
      this.#send(msg, out);
    }
    // Overflowed (never drained while encoding?): start again, clients resynchronised.
    if (this.#sub === sub && this.#clients.size > 0) {
      this.#sub = null;
      for (const c of this.#clients.keys()) this.#clients.set(c, false);
      this.#start();
      this.#encoder!.requestKey();
    }
  }

  #send(frame: FrameMessage, out: EncodedFrame): void {
    let bytes: Uint8Array<ArrayBuffer> | null = null;
    for (const [client, inStep] of this.#clients) {
      if (!inStep && !out.key) continue;
      bytes ??= deltaMessage(frame, out);
      const sent = client.sendDelta(bytes, frame);
      if (sent !== inStep && this.#clients.has(client)) this.#clients.set(client, sent);
      if (!sent) this.#resyncWanted = true;
    }
  }
}

/** The hubs of every camera, made on first use, dropped when their last client leaves. */
export class DeltaHubs {
  readonly #bus: Bus;
  readonly #opts: DeltaHubOptions;
  readonly #hubs = new Map<string, DeltaHub>();

  constructor(bus: Bus, opts: DeltaHubOptions = {}) {
    this.#bus = bus;
    this.#opts = opts;
  }

  join(camera: string, client: DeltaClient): void {
    let hub = this.#hubs.get(camera);
    if (!hub) this.#hubs.set(camera, hub = new DeltaHub(this.#bus, camera, this.#opts));
    hub.add(client);
  }

  leave(camera: string, client: DeltaClient): void {
    const hub = this.#hubs.get(camera);
    if (!hub) return;
    hub.remove(client);
    if (hub.size === 0) this.#hubs.delete(camera);
  }

  get(camera: string): DeltaHub | undefined {
    return this.#hubs.get(camera);
  }
}
