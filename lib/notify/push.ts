import { BoundedQueue } from "./queue.ts";
import type { DeliveryLog } from "./delivery_log.ts";
import type { NotifyDb, PushSubscriptionRecord } from "./notify_db.ts";
import { encryptPush, vapidAuthorization } from "./webpush.ts";
import type { VapidKeys } from "./webpush.ts";
import type { Channel, Notice } from "./types.ts";

/** What the service worker (static/sw.js) gets: enough to show a notification and open it. */
export interface PushMessage {
  type: "start" | "offline" | "online" | "test";
  camera: string;
  cameraName: string;
  title: string;
  body: string;
  ts: number;
  eventId: number | null;
  labels: string[];
  /** Opened when the notification is tapped. */
  url: string;
}

/** A notice as a push message, or null for what pushes leave out (event ends, state changes). */
export function pushMessage(n: Notice, timeZone?: string): PushMessage | null {
  const clock = (ts: number) =>
    new Date(ts).toLocaleTimeString("en-GB", { timeZone, hour12: false });
  if (n.kind === "event") {
    if (n.phase !== "start") return null;
    const what = n.labels.length ? n.labels.join(", ") : "motion";
    return {
      type: "start",
      camera: n.camera,
      cameraName: n.cameraName,
      title: `${n.cameraName}: ${what}`,
      body: `${what[0].toUpperCase()}${what.slice(1)} at ${clock(n.start)}` +
        (n.zones.length ? ` (${n.zones.join(", ")})` : ""),
      ts: n.start,
      eventId: n.eventId > 0 ? n.eventId : null,
      labels: n.labels,
      url: n.url ?? `/?camera=${n.camera}`,
    };
  }
  if (n.phase === "state") return null;
  return {
    type: n.phase,
    camera: n.camera,
    cameraName: n.cameraName,
    title: `${n.cameraName}: ${n.phase === "offline" ? "camera offline" : "camera back"}`,
    body: n.phase === "offline"
      ? `Not running since ${clock(n.since ?? n.ts)}${n.message ? `: ${n.message}` : ""}`
      : `Running again at ${clock(n.ts)}`,
    ts: n.ts,
    eventId: null,
    labels: [],
    url: `/?camera=${n.camera}`,
  };
}

export interface PushOptions {
  db: NotifyDb;
  keys: VapidKeys;
  subject: string;
  log: DeliveryLog;
  timeZone?: string;
  maxQueue?: number;
  timeoutMs?: number;
  /** Seconds a push service keeps an undelivered message (default 1 h: late alarms are noise). */
  ttl?: number;
}

/**
 * Web Push: each alert is encrypted for, and sent to, every stored subscription. A bounded
 * queue feeds one sender; a subscription the push service says is gone (404/410) is deleted.
 */
export class PushChannel implements Channel {
  readonly name = "push";
  readonly queue: BoundedQueue<PushMessage>;
  readonly #opts: PushOptions;
  readonly #done: Promise<void>;

  constructor(opts: PushOptions) {
    this.#opts = opts;
    this.queue = new BoundedQueue(opts.maxQueue ?? 20);
    this.#done = this.#run();
  }

  alert(n: Notice): void {
    const msg = pushMessage(n, this.#opts.timeZone);
    if (msg) this.queue.push(msg);
  }

  /** Sends a test message to one user's devices (the "send a test" button). */
  test(userId: number): Promise<number[]> {
    const msg: PushMessage = {
      type: "test",
      camera: "",
      cameraName: "Vigil",
      title: "Vigil: test",
      body: "Notifications reach this device.",
      ts: Date.now(),
      eventId: null,
      labels: [],
      url: "/alarm",
    };
    return Promise.all(this.#opts.db.subscriptions(userId).map((s) => this.send(s, msg)));
  }

  async #run(): Promise<void> {
    let msg;
    while ((msg = await this.queue.next()) !== null) {
      const subs = this.#opts.db.subscriptions();
      await Promise.all(subs.map((s) => this.send(s, msg!)));
    }
  }

  /** One push request; returns the HTTP status (0 when no answer). */
  async send(sub: PushSubscriptionRecord, msg: PushMessage): Promise<number> {
    const started = performance.now();
    const target = (() => {
      try {
        return new URL(sub.endpoint).host;
      } catch {
        return "(bad endpoint)";
      }
    })();
    let status = 0;
    let error = "";
    try {
      const body = await encryptPush(
        sub.p256dh,
        sub.auth,
        new TextEncoder().encode(JSON.stringify(msg)),
      );
      const res = await fetch(sub.endpoint, {
        method: "POST",
        headers: {
          authorization: await vapidAuthorization(
            this.#opts.keys,
            sub.endpoint,
            this.#opts.subject,
          ),
          "content-encoding": "aes128gcm",
          "content-type": "application/octet-stream",
          ttl: String(this.#opts.ttl ?? 3600),
          urgency: msg.type === "test" ? "normal" : "high",
          topic: msg.camera ? `vigil-${msg.camera}`.slice(0, 32) : "vigil",
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      status = res.status;
      if (status === 404 || status === 410) {
        this.#opts.db.removeSubscription(sub.endpoint);
        error = `HTTP ${status}: subscription gone, removed`;
      } else if (!res.ok) error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message.slice(0, 200);
    }
    this.#opts.log.add({
      ts: Date.now(),
      channel: "push",
      target: `${target} (${sub.username})`,
      what: msg.type === "start"
        ? `start #${msg.eventId ?? "-"} ${msg.camera}`
        : `${msg.type} ${msg.camera}`.trim(),
      ok: error === "",
      status,
      attempts: 1,
      ms: Math.round(performance.now() - started),
      ...(error ? { error } : {}),
    });
    return status;
  }

  async close(): Promise<void> {
    this.queue.close();
    await this.#done;
  }
}
