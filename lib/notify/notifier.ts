import type { Bus, EventMessage, FrameMessage, MotionMessage, StatusMessage } from "../bus/mod.ts";
import type { Subscription } from "../bus/mod.ts";
import type { CameraState } from "../protocol.ts";
import type { NotifyConfig } from "../config/mod.ts";
import type { ArmedSwitch } from "./armed.ts";
import { Rules } from "./rules.ts";
import type { CameraNotice, Channel, EventNotice, Notice } from "./types.ts";

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
};

export interface NotifierOptions {
  bus: Bus;
  cameras: { id: string; name: string }[];
  config: NotifyConfig;
  channels: Channel[];
  armed: ArmedSwitch;
  /** Where a browser sees an event; default `/history/ID` for stored events (id > 0). */
  eventUrl?: (eventId: number) => string | null;
  /** The stored best frame's URL of an event (lib/store's EventRow.thumbnail). */
  snapshotUrl?: (eventId: number) => string | null;
  clock?: Clock;
  log?: (line: string) => void;
}

interface OpenEvent {
  camera: string;
  eventId: number;
  start: number;
  /** The frame that opened the event (the `start` message's ts). */
  openedAt: number;
  zones: Set<string>;
  labels: Set<string>;
  score: number;
  best: Uint8Array | null;
  bestScore: number;
  /** The start notice has gone to the channels' `publish`. */
  published: boolean;
  /** The start passed the rules and went to `alert` (then so does the end). */
  alerted: boolean;
  /** The rules said no for a reason that later motion cannot change (disarmed, cooldown). */
  settled: boolean;
}

interface CameraWatch {
  state: CameraState | null;
  /** Since when it is not running (null while running). */
  downSince: number | null;
  timer: unknown;
  offlineSent: boolean;
}

/**
 * The notifier core: listens on the bus, turns event start/end (with the event's best JPEG) and
 * camera state changes into notices, applies the rules, and hands notices to the channels.
 * Everything here is synchronous and bounded; channels queue and deliver on their own, so
 * nothing a receiver does can slow detection.
 */
export class Notifier {
  readonly rules: Rules;
  readonly armed: ArmedSwitch;
  readonly channels: Channel[];
  readonly #bus: Bus;
  readonly #names: Map<string, string>;
  readonly #config: NotifyConfig;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #eventUrl: (id: number) => string | null;
  readonly #snapshotUrl: (id: number) => string | null;
  readonly #open = new Map<number, OpenEvent>();
  readonly #latest = new Map<string, Uint8Array>();
  readonly #watch = new Map<string, CameraWatch>();
  #sub: Subscription | null = null;
  #closed = false;
  alerts = 0;

  constructor(opts: NotifierOptions) {
    this.#bus = opts.bus;
    this.#names = new Map(opts.cameras.map((c) => [c.id, c.name]));
    this.#config = opts.config;
    this.channels = opts.channels;
    this.armed = opts.armed;
    this.rules = new Rules(opts.config.rules, opts.config.timeZone);
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.log ?? ((line) => console.error(line));
    this.#eventUrl = opts.eventUrl ?? ((id) => id > 0 ? `/history/${id}` : null);
    this.#snapshotUrl = opts.snapshotUrl ?? (() => null);
  }

  /** Subscribes to the bus; cameras not running within `offlineSeconds` become offline notices. */
  start(): void {
    const now = this.#clock.now();
    for (const id of this.#names.keys()) {
      const w: CameraWatch = { state: null, downSince: now, timer: null, offlineSent: false };
      this.#watch.set(id, w);
      this.#armOffline(id, w);
    }
    this.#subscribe();
  }

  /** Open events by camera (MQTT republishes `motion ON` for them after a reconnect). */
  openCameras(): Set<string> {
    return new Set([...this.#open.values()].map((e) => e.camera));
  }

  /** The camera's last known state (null before its first status message). */
  cameraState(id: string): CameraState | null {
    return this.#watch.get(id)?.state ?? null;
  }

  #subscribe(): void {
    if (this.#closed) return;
    const sub = this.#bus.subscribe({
      maxQueue: 10_000,
      acceptFrame: (frame) => {
        this.#onFrame(frame);
        return false; // remembered here; never queued
      },
    });
    this.#sub = sub;
    (async () => {
      let msg;
      while ((msg = await sub.next()) !== null) {
        try {
          this.handle(msg as EventMessage | MotionMessage | StatusMessage);
        } catch (err) {
          this.#log(`vigil: notifier: ${(err as Error).message}`);
        }
      }
      if (sub.closedReason === "overflow") {
        this.#log("vigil: notifier fell behind the bus; some notices were lost");
        this.#subscribe();
      }
    })();
  }

  #onFrame(frame: FrameMessage): void {
    this.#latest.set(frame.camera, frame.jpeg);
    if (!frame.motion || frame.eventId === null) return;
    const ev = this.#open.get(frame.eventId);
    if (ev && (ev.best === null || frame.score > ev.bestScore)) {
      ev.best = frame.jpeg;
      ev.bestScore = frame.score;
    } else if (!ev) {
      // the frame is offered before the queued `start` is handled: keep it for that start
      const early = this.#early.get(frame.eventId);
      if (!early || frame.score > early.score) {
        this.#early.set(frame.eventId, { jpeg: frame.jpeg, score: frame.score });
      }
    }
  }

  readonly #early = new Map<number, { jpeg: Uint8Array; score: number }>();

  /** One bus message (exposed for tests that drive the notifier without a bus). */
  handle(msg: EventMessage | MotionMessage | StatusMessage | FrameMessage): void {
    switch (msg.type) {
      case "frame":
        return this.#onFrame(msg);
      case "event":
        return msg.phase === "start" ? this.#onStart(msg) : this.#onEnd(msg);
      case "motion":
        return this.#onMotion(msg);
      case "status":
        return this.#onStatus(msg);
    }
  }

  #onStart(msg: EventMessage): void {
    const early = this.#early.get(msg.eventId);
    this.#early.delete(msg.eventId);
    if (this.#early.size > 64) this.#early.clear();
    this.#open.set(msg.eventId, {
      camera: msg.camera,
      eventId: msg.eventId,
      start: msg.ts,
      openedAt: msg.ts,
      zones: new Set(),
      labels: new Set(),
      score: 0,
      best: early?.jpeg ?? null,
      bestScore: early?.score ?? -1,
      published: false,
      alerted: false,
      settled: false,
    });
  }

  #onMotion(msg: MotionMessage): void {
    const ev = this.#open.get(msg.eventId);
    if (!ev) return;
    if (msg.ts < ev.start) ev.start = msg.ts;
    for (const z of msg.zones ?? []) ev.zones.add(z);
    for (const l of msg.labels ?? []) ev.labels.add(l);
    if (msg.score > ev.score) ev.score = msg.score;
    if (!ev.published) {
      ev.published = true;
      this.#publish(this.#eventNotice(ev, "start", ev.openedAt));
    }
    if (!ev.alerted && !ev.settled) this.#tryAlert(ev, ev.openedAt);
  }

  #tryAlert(ev: OpenEvent, ts: number): void {
    const v = this.rules.decide(
      ev.camera,
      [...ev.zones],
      this.#clock.now(),
      this.armed.value,
      [...ev.labels],
    );
    if (v.send) {
      ev.alerted = true;
      this.#alert(this.#eventNotice(ev, "start", ts));
    } else if (v.why !== "no rule") {
      ev.settled = true; // a zone seen later cannot lift a cooldown or the disarmed switch
    }
  }

  #onEnd(msg: EventMessage): void {
    const ev = this.#open.get(msg.eventId);
    if (!ev) return;
    for (const l of msg.labels ?? []) ev.labels.add(l);
    if (!ev.published) {
      ev.published = true;
      this.#publish(this.#eventNotice(ev, "start", ev.openedAt));
    }
    // a label rule may match only once the event's labels are known
    if (!ev.alerted && !ev.settled) this.#tryAlert(ev, ev.openedAt);
    this.#open.delete(msg.eventId);
    const notice = this.#eventNotice(ev, "end", msg.ts);
    notice.end = msg.ts;
    this.#publish(notice);
    if (ev.alerted) this.#alert(notice);
  }

  #eventNotice(ev: OpenEvent, phase: "start" | "end", ts: number): EventNotice {
    return {
      kind: "event",
      phase,
      camera: ev.camera,
      cameraName: this.#names.get(ev.camera) ?? ev.camera,
      eventId: ev.eventId,
      start: ev.start,
      end: null,
      ts,
      zones: [...ev.zones],
      labels: [...ev.labels],
      score: ev.score,
      snapshot: ev.best ?? this.#latest.get(ev.camera) ?? null,
      url: this.#eventUrl(ev.eventId),
      snapshotUrl: ev.eventId > 0 ? this.#snapshotUrl(ev.eventId) : null,
    };
  }

  #onStatus(msg: StatusMessage): void {
    let w = this.#watch.get(msg.camera);
    if (!w) {
      w = { state: null, downSince: null, timer: null, offlineSent: false };
      this.#watch.set(msg.camera, w);
    }
    const changed = w.state !== msg.state;
    w.state = msg.state;
    if (changed) this.#publish(this.#cameraNotice(msg.camera, "state", w, msg));
    if (msg.state === "running") {
      if (w.timer !== null) this.#clock.clearTimeout(w.timer);
      w.timer = null;
      if (w.offlineSent) {
        const n = this.#cameraNotice(msg.camera, "online", w, msg);
        this.#publish(n);
        this.#alert(n);
      }
      w.offlineSent = false;
      w.downSince = null;
    } else if (w.downSince === null) {
      w.downSince = msg.ts;
      this.#armOffline(msg.camera, w);
    }
  }

  #armOffline(camera: string, w: CameraWatch): void {
    const seconds = this.#config.offlineSeconds;
    if (seconds <= 0 || w.timer !== null) return;
    w.timer = this.#clock.setTimeout(() => {
      w.timer = null;
      if (this.#closed || w.downSince === null || w.offlineSent) return;
      w.offlineSent = true;
      const n = this.#cameraNotice(camera, "offline", w, null);
      this.#publish(n);
      this.#alert(n);
    }, seconds * 1000);
  }

  #cameraNotice(
    camera: string,
    phase: CameraNotice["phase"],
    w: CameraWatch,
    msg: StatusMessage | null,
  ): CameraNotice {
    return {
      kind: "camera",
      phase,
      camera,
      cameraName: this.#names.get(camera) ?? camera,
      state: w.state ?? "starting",
      message: msg?.message ?? "",
      ts: msg?.ts ?? this.#clock.now(),
      since: w.downSince ?? undefined,
    };
  }

  #publish(n: Notice): void {
    for (const ch of this.channels) {
      try {
        ch.publish?.(n);
      } catch (err) {
        this.#log(`vigil: ${ch.name}: ${(err as Error).message}`);
      }
    }
  }

  #alert(n: Notice): void {
    this.alerts++;
    for (const ch of this.channels) {
      try {
        ch.alert?.(n);
      } catch (err) {
        this.#log(`vigil: ${ch.name}: ${(err as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#sub?.close();
    for (const w of this.#watch.values()) {
      if (w.timer !== null) this.#clock.clearTimeout(w.timer);
    }
    await Promise.all(this.channels.map((ch) => ch.close().catch(() => {})));
  }
}
