/** One delivery attempt's outcome, as the admin page shows it (no secrets, no bodies). */
export interface Delivery {
  ts: number;
  channel: "webhook" | "push" | "mqtt";
  /** Where it went: a webhook's origin and path, a push service's host. */
  target: string;
  /** `start #12 door`, `offline door`, `test`. */
  what: string;
  ok: boolean;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  attempts: number;
  ms: number;
  error?: string;
}

/** The last `max` deliveries, newest first, plus counters. */
export class DeliveryLog {
  readonly #items: Delivery[] = [];
  readonly max: number;
  sent = 0;
  failed = 0;

  constructor(max = 100) {
    this.max = max;
  }

  add(d: Delivery): void {
    if (d.ok) this.sent++;
    else this.failed++;
    this.#items.unshift(d);
    if (this.#items.length > this.max) this.#items.length = this.max;
  }

  list(): Delivery[] {
    return [...this.#items];
  }
}

/** A URL as the log shows it: origin and path, without login or query (they may hold tokens). */
export function publicTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(bad url)";
  }
}
