import type { WebhookConfig } from "../config/mod.ts";
import { BoundedQueue, sleep } from "./queue.ts";
import { DeliveryLog, publicTarget } from "./delivery_log.ts";
import { cameraJson, eventJson } from "./types.ts";
import type { Channel, Notice } from "./types.ts";

const encoder = new TextEncoder();

/** `sha256=<hex HMAC-SHA256 of body with secret>`: the `X-Vigil-Signature` header's value. */
export async function signBody(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

interface Job {
  body: string;
  what: string;
}

/** What a notice looks like to a webhook, or null when this webhook does not want it. */
function bodyFor(hook: WebhookConfig, n: Notice): Job | null {
  if (hook.cameras && !hook.cameras.includes(n.camera)) return null;
  if (n.kind === "event") {
    if (!hook.events.includes(n.phase)) return null;
    return { body: JSON.stringify(eventJson(n)), what: `${n.phase} #${n.eventId} ${n.camera}` };
  }
  if (n.phase === "state" || !hook.events.includes(n.phase)) return null;
  return { body: JSON.stringify(cameraJson(n)), what: `${n.phase} ${n.camera}` };
}

/** One webhook: a bounded queue and one sender that retries with exponential backoff. */
class Hook {
  readonly config: WebhookConfig;
  readonly queue: BoundedQueue<Job>;
  readonly #log: DeliveryLog;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;

  constructor(config: WebhookConfig, log: DeliveryLog) {
    this.config = config;
    this.queue = new BoundedQueue(config.maxQueue);
    this.#log = log;
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    let job;
    while ((job = await this.queue.next()) !== null) {
      await this.#deliver(job);
    }
  }

  async #deliver(job: Job): Promise<void> {
    const { url, secret, timeoutMs, retries, retryDelayMs } = this.config;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "Vigil",
    };
    if (secret) headers["x-vigil-signature"] = await signBody(secret, job.body);
    const started = performance.now();
    let status = 0;
    let error = "";
    let attempt = 0;
    for (; attempt <= retries && !this.#abort.signal.aborted; attempt++) {
      if (attempt > 0) await sleep(retryDelayMs * 2 ** (attempt - 1), this.#abort.signal);
      if (this.#abort.signal.aborted) break;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body: job.body,
          redirect: "manual",
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#abort.signal]),
        });
        await res.body?.cancel();
        status = res.status;
        if (res.ok) {
          error = "";
          break;
        }
        error = `HTTP ${res.status}`;
      } catch (err) {
        status = 0;
        error = (err as Error).name === "TimeoutError"
          ? `no answer in ${timeoutMs} ms`
          : (err as Error).message.slice(0, 200);
      }
    }
    this.#log.add({
      ts: Date.now(),
      channel: "webhook",
      target: publicTarget(url),
      what: job.what,
      ok: error === "" && status >= 200 && status < 300,
      status,
      attempts: Math.min(attempt + 1, retries + 1),
      ms: Math.round(performance.now() - started),
      ...(error ? { error } : {}),
    });
  }

  async close(): Promise<void> {
    this.#abort.abort();
    this.queue.close();
    await this.#done;
  }
}

/** Every configured webhook; gets only alerts (what passed the rules). */
export class WebhookChannel implements Channel {
  readonly name = "webhooks";
  readonly hooks: Hook[];

  constructor(hooks: WebhookConfig[], log: DeliveryLog) {
    this.hooks = hooks.map((h) => new Hook(h, log));
  }

  alert(n: Notice): void {
    for (const hook of this.hooks) {
      const job = bodyFor(hook.config, n);
      if (job) hook.queue.push(job);
    }
  }

  /** Queued and dropped notices per webhook (for the admin page). */
  stats(): { target: string; queued: number; dropped: number }[] {
    return this.hooks.map((h) => ({
      target: publicTarget(h.config.url),
      queued: h.queue.length,
      dropped: h.queue.dropped,
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.hooks.map((h) => h.close()));
  }
}
