/**
 * The config file's `mqtt`, `webhooks` and `notify` keys, checked against the config schema
 * (lib/config/schema.ts) and resolved with their defaults. Secrets (`mqtt.password`,
 * `webhooks[].secret`) are kept as given and never logged.
 */
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import {
  check,
  checkCameraRefs,
  DAYS,
  fileShape,
  mqttSchema,
  notifySchema,
  WEBHOOK_EVENTS as EVENTS,
} from "./schema.ts";
import type { ConfigFile } from "./schema.ts";

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

export type WebhookEvent = typeof EVENTS[number];
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = EVENTS;

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

/** A bad `mqtt`/`webhooks`/`notify` setting: a ConfigError naming the key's path. */
export class NotifyConfigError extends ConfigError {}

/** The section checked against its schema; the first problem as a NotifyConfigError. */
function checked<S extends z.ZodType>(schema: S, value: unknown, key: string): z.output<S> {
  try {
    return check(schema, value, [key]);
  } catch (err) {
    if (err instanceof ConfigError) throw new NotifyConfigError(err.message, err.path);
    throw err;
  }
}

function refsExist(file: { webhooks?: unknown; notify?: unknown }, cameraIds: string[]): void {
  try {
    checkCameraRefs(file as ConfigFile, cameraIds);
  } catch (err) {
    if (err instanceof ConfigError) throw new NotifyConfigError(err.message, err.path);
    throw err;
  }
}

export function parseMqtt(raw: unknown): MqttConfig | null {
  if (raw === undefined || raw === null) return null;
  const m = checked(mqttSchema, raw, "mqtt");
  return {
    url: m.url,
    username: m.username,
    password: m.password,
    topicPrefix: m.topicPrefix ?? "vigil",
    homeAssistant: m.homeAssistant ?? true,
    discoveryPrefix: m.discoveryPrefix ?? "homeassistant",
  };
}

export function parseWebhooks(raw: unknown, cameraIds: string[]): WebhookConfig[] {
  if (raw === undefined) return [];
  const list = checked(fileShape.webhooks, raw, "webhooks") ?? [];
  refsExist({ webhooks: list }, cameraIds);
  return list.map((w) => ({
    url: w.url,
    events: [...new Set(w.events ?? WEBHOOK_EVENTS)],
    cameras: w.cameras ?? null,
    secret: w.secret,
    timeoutMs: w.timeoutMs ?? 5000,
    retries: w.retries ?? 5,
    retryDelayMs: w.retryDelayMs ?? 1000,
    maxQueue: w.maxQueue ?? 50,
  }));
}

/** "22:00" → minutes after midnight (the schema checked the form). */
function minutes(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

export const DEFAULT_RULE: RuleConfig = {
  cameras: null,
  zones: null,
  labels: null,
  schedule: null,
  cooldownSeconds: 60,
};

export function parseNotify(raw: unknown, cameraIds: string[]): NotifyConfig {
  const n = checked(notifySchema, raw ?? {}, "notify");
  refsExist({ notify: n }, cameraIds);
  return {
    armed: n.armed ?? true,
    offlineSeconds: n.offlineSeconds ?? 60,
    timeZone: n.timeZone,
    rules: n.rules?.map((r) => ({
      cameras: r.cameras ?? null,
      zones: r.zones ?? null,
      labels: r.labels ?? null,
      schedule: r.schedule?.map((w) => ({
        days: (w.days ?? DAYS).map((d) => (DAYS as readonly string[]).indexOf(d.toLowerCase())),
        from: minutes(w.from),
        to: minutes(w.to),
      })) ?? null,
      cooldownSeconds: r.cooldownSeconds ?? 60,
    })) ?? [DEFAULT_RULE],
    push: {
      enabled: n.push?.enabled ?? true,
      subject: n.push?.subject ?? "mailto:vigil@localhost",
      allowHttp: n.push?.allowHttp ?? false,
    },
  };
}

/** The three keys of the config file, checked; throws NotifyConfigError. */
export function parseNotifySettings(
  file: { mqtt?: unknown; webhooks?: unknown; notify?: unknown },
  cameraIds: string[],
): NotifySettings {
  return {
    mqtt: parseMqtt(file.mqtt),
    webhooks: parseWebhooks(file.webhooks, cameraIds),
    notify: parseNotify(file.notify, cameraIds),
  };
}
