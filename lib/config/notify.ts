/**
 * The config file's `mqtt`, `webhooks` and `notify` keys: checked here, in one place, with a
 * one-line error naming the key (ConfigError is thrown by the caller, lib/config/config.ts).
 * Secrets (`mqtt.password`, `webhooks[].secret`) are kept as given and never logged.
 */
import { LABELS } from "../objects/labels.ts";

export interface MqttConfig {
  /** `mqtt://host:1883` or `mqtts://host:8883`. */
  url: string;
  username?: string;
  password?: string;
  /** `P` in `P/C/motion`; default "vigil". */
  topicPrefix: string;
  /** Publish Home Assistant discovery configs (default true). */
  homeAssistant: boolean;
  /** Home Assistant's discovery prefix (default "homeassistant"). */
  discoveryPrefix: string;
}

export type WebhookEvent = "start" | "end" | "offline" | "online";
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ["start", "end", "offline", "online"];

export interface WebhookConfig {
  url: string;
  /** Which notices it gets (default all four). */
  events: WebhookEvent[];
  /** Only these cameras (default every camera). */
  cameras: string[] | null;
  /** HMAC-SHA256 key for `X-Vigil-Signature`; without it the header is left out. */
  secret?: string;
  /** One attempt's time limit (default 5000 ms). */
  timeoutMs: number;
  /** Attempts after the first (default 5), waiting 1 s, 2 s, 4 s … (retryDelayMs doubled). */
  retries: number;
  retryDelayMs: number;
  /** Most notices waiting; past it the oldest is dropped and counted (default 50). */
  maxQueue: number;
}

/** A time window: minutes after midnight, `from` ≤ t < `to` (wrapping past midnight when from > to). */
export interface ScheduleWindow {
  /** Days of the week the window starts on, 0 = Sunday; all when absent. */
  days: number[];
  from: number;
  to: number;
}

export interface RuleConfig {
  cameras: string[] | null;
  zones: string[] | null;
  /** Only events with one of these object labels (lib/objects), e.g. ["person"]; null: any. */
  labels: string[] | null;
  schedule: ScheduleWindow[] | null;
  /** After a notified event of a camera, its next events are not notified for this long. */
  cooldownSeconds: number;
}

export interface NotifyConfig {
  /** Armed at the first start (later the API switch and `P/armed` decide; kept in the data folder). */
  armed: boolean;
  /** A camera not running for this long is a notice (0 = never). Default 60. */
  offlineSeconds: number;
  /** IANA zone of the schedules; default the server's. */
  timeZone?: string;
  rules: RuleConfig[];
  push: {
    /** Web Push on (default true). */
    enabled: boolean;
    /** The VAPID `sub` claim: a `mailto:` or `https:` contact for push services. */
    subject: string;
    /** Accept `http://` push endpoints (tests with a local fake push service only). */
    allowHttp: boolean;
  };
}

export interface NotifySettings {
  mqtt: MqttConfig | null;
  webhooks: WebhookConfig[];
  notify: NotifyConfig;
}

/** A bad `mqtt`/`webhooks`/`notify` setting; lib/config turns it into a ConfigError. */
export class NotifyConfigError extends Error {}

const fail = (msg: string): never => {
  throw new NotifyConfigError(msg);
};

// deno-lint-ignore no-explicit-any
type Json = any;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, known: string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      fail(`unknown setting "${where}.${key.slice(0, 60)}" (known: ${known.join(", ")})`);
    }
  }
}

function str(v: unknown, where: string, def?: string): string {
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== "string" || v === "") return fail(`${where} must be a non-empty string`);
  return v;
}

function bool(v: unknown, where: string, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== "boolean") return fail(`${where} must be true or false`);
  return v;
}

function int(v: unknown, where: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    return fail(`${where} must be a whole number from ${min} to ${max}`);
  }
  return v as number;
}

function strList(v: unknown, where: string): string[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && s !== "")) {
    return fail(`${where} must be a list of names, e.g. ["door"]`);
  }
  return [...v];
}

const TOPIC_PREFIX = /^[A-Za-z0-9_\-/]{1,64}$/;

export function parseMqtt(raw: Json): MqttConfig | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) return fail('mqtt must be an object like {"url": "mqtt://broker:1883"}');
  onlyKeys(
    raw,
    ["url", "username", "password", "topicPrefix", "homeAssistant", "discoveryPrefix"],
    "mqtt",
  );
  const url = str(raw.url, "mqtt.url");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`mqtt.url must be a URL such as mqtt://broker:1883`);
  }
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(parsed.protocol)) {
    fail("mqtt.url must start with mqtt://, mqtts://, ws:// or wss://");
  }
  if (parsed.username || parsed.password) {
    fail("mqtt.url must not hold the login: use mqtt.username and mqtt.password");
  }
  const topicPrefix = str(raw.topicPrefix, "mqtt.topicPrefix", "vigil");
  if (!TOPIC_PREFIX.test(topicPrefix) || topicPrefix.startsWith("/") || topicPrefix.endsWith("/")) {
    fail("mqtt.topicPrefix must be 1-64 characters of A-Z a-z 0-9 _ - / (no + or #)");
  }
  const discoveryPrefix = str(raw.discoveryPrefix, "mqtt.discoveryPrefix", "homeassistant");
  if (!TOPIC_PREFIX.test(discoveryPrefix)) {
    fail("mqtt.discoveryPrefix must be 1-64 characters of A-Z a-z 0-9 _ - /");
  }
  return {
    url,
    username: raw.username === undefined ? undefined : str(raw.username, "mqtt.username"),
    password: raw.password === undefined ? undefined : str(raw.password, "mqtt.password"),
    topicPrefix,
    homeAssistant: bool(raw.homeAssistant, "mqtt.homeAssistant", true),
    discoveryPrefix,
  };
}

export function parseWebhooks(raw: Json, cameraIds: string[]): WebhookConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    return fail('webhooks must be a list like [{"url": "https://…", "secret": "…"}]');
  }
  return raw.map((w: Json, i: number) => {
    const where = `webhooks[${i}]`;
    if (!isObject(w)) return fail(`${where} must be an object with a "url"`);
    onlyKeys(
      w,
      ["url", "events", "cameras", "secret", "timeoutMs", "retries", "retryDelayMs", "maxQueue"],
      where,
    );
    const url = str(w.url, `${where}.url`);
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch { /* below */ }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      fail(`${where}.url must be an http:// or https:// URL`);
    }
    if (parsed!.username || parsed!.password) {
      fail(
        `${where}.url must not hold a login (user:password@): put a token in the path or use secret`,
      );
    }
    const events = (strList(w.events, `${where}.events`) ?? [...WEBHOOK_EVENTS]) as WebhookEvent[];
    for (const e of events) {
      if (!WEBHOOK_EVENTS.includes(e)) {
        fail(`${where}.events: "${e.slice(0, 20)}" is not one of ${WEBHOOK_EVENTS.join(", ")}`);
      }
    }
    const cameras = strList(w.cameras, `${where}.cameras`);
    for (const c of cameras ?? []) {
      if (!cameraIds.includes(c)) {
        fail(`${where}.cameras: no camera has the id "${c.slice(0, 40)}"`);
      }
    }
    return {
      url,
      events,
      cameras,
      secret: w.secret === undefined ? undefined : str(w.secret, `${where}.secret`),
      timeoutMs: int(w.timeoutMs, `${where}.timeoutMs`, 5000, 100, 120_000),
      retries: int(w.retries, `${where}.retries`, 5, 0, 20),
      retryDelayMs: int(w.retryDelayMs, `${where}.retryDelayMs`, 1000, 1, 600_000),
      maxQueue: int(w.maxQueue, `${where}.maxQueue`, 50, 1, 10_000),
    };
  });
}

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

function clock(v: unknown, where: string): number {
  const m = typeof v === "string" ? v.match(CLOCK) : null;
  if (!m) return fail(`${where} must be a time of day like "22:00"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function parseRule(r: Json, i: number, cameraIds: string[]): RuleConfig {
  const where = `notify.rules[${i}]`;
  if (!isObject(r)) return fail(`${where} must be an object`);
  onlyKeys(r, ["cameras", "zones", "labels", "schedule", "cooldownSeconds"], where);
  const labels = strList(r.labels, `${where}.labels`);
  for (const l of labels ?? []) {
    if (!LABELS.includes(l)) {
      fail(`${where}.labels: "${l.slice(0, 20)}" is not one of ${LABELS.join(", ")}`);
    }
  }
  const cameras = strList(r.cameras, `${where}.cameras`);
  for (const c of cameras ?? []) {
    if (!cameraIds.includes(c)) fail(`${where}.cameras: no camera has the id "${c.slice(0, 40)}"`);
  }
  let schedule: ScheduleWindow[] | null = null;
  if (r.schedule !== undefined) {
    if (!Array.isArray(r.schedule)) {
      fail(`${where}.schedule must be a list like [{"from": "22:00", "to": "06:00"}]`);
    }
    schedule = r.schedule.map((s: Json, j: number) => {
      const w = `${where}.schedule[${j}]`;
      if (!isObject(s)) return fail(`${w} must be an object like {"from": "22:00", "to": "06:00"}`);
      onlyKeys(s, ["days", "from", "to"], w);
      const days = (strList(s.days, `${w}.days`) ?? DAYS).map((d) => {
        const n = DAYS.indexOf(d.toLowerCase());
        if (n < 0) fail(`${w}.days: "${d.slice(0, 12)}" is not one of ${DAYS.join(", ")}`);
        return n;
      });
      const from = clock(s.from, `${w}.from`);
      const to = clock(s.to, `${w}.to`);
      if (from === to) fail(`${w}: from and to are the same time (leave schedule out for always)`);
      return { days, from, to };
    });
  }
  return {
    cameras,
    zones: strList(r.zones, `${where}.zones`),
    labels,
    schedule,
    cooldownSeconds: int(r.cooldownSeconds, `${where}.cooldownSeconds`, 60, 0, 86_400),
  };
}

export const DEFAULT_RULE: RuleConfig = {
  cameras: null,
  zones: null,
  labels: null,
  schedule: null,
  cooldownSeconds: 60,
};

export function parseNotify(raw: Json, cameraIds: string[]): NotifyConfig {
  if (raw === undefined) raw = {};
  if (!isObject(raw)) return fail('notify must be an object like {"rules": [...]}');
  onlyKeys(raw, ["armed", "offlineSeconds", "timeZone", "rules", "push"], "notify");
  let timeZone: string | undefined;
  if (raw.timeZone !== undefined) {
    timeZone = str(raw.timeZone, "notify.timeZone");
    try {
      new Intl.DateTimeFormat("en", { timeZone });
    } catch {
      fail(`notify.timeZone "${timeZone.slice(0, 40)}" is not a time zone (e.g. Europe/Berlin)`);
    }
  }
  let rules = [DEFAULT_RULE];
  if (raw.rules !== undefined) {
    if (!Array.isArray(raw.rules)) fail("notify.rules must be a list of rules");
    rules = raw.rules.map((r: Json, i: number) => parseRule(r, i, cameraIds));
  }
  const push: Json = raw.push ?? {};
  if (!isObject(push)) fail("notify.push must be an object");
  onlyKeys(push, ["enabled", "subject", "allowHttp"], "notify.push");
  const subject = str(push.subject, "notify.push.subject", "mailto:vigil@localhost");
  if (!/^(mailto:|https:\/\/)/.test(subject)) {
    fail("notify.push.subject must start with mailto: or https://");
  }
  return {
    armed: bool(raw.armed, "notify.armed", true),
    offlineSeconds: int(raw.offlineSeconds, "notify.offlineSeconds", 60, 0, 86_400),
    timeZone,
    rules,
    push: {
      enabled: bool(push.enabled, "notify.push.enabled", true),
      subject,
      allowHttp: bool(push.allowHttp, "notify.push.allowHttp", false),
    },
  };
}

/** The three keys of the config file, checked; throws NotifyConfigError. */
export function parseNotifySettings(file: Json, cameraIds: string[]): NotifySettings {
  return {
    mqtt: parseMqtt(file.mqtt),
    webhooks: parseWebhooks(file.webhooks, cameraIds),
    notify: parseNotify(file.notify, cameraIds),
  };
}
