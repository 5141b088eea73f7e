import { join } from "node:path";
import type { Bus } from "../bus/mod.ts";
import type { NotifySettings } from "../config/mod.ts";
import { parseNotifySettings } from "../config/mod.ts";
import { ArmedSwitch } from "./armed.ts";
import { DeliveryLog } from "./delivery_log.ts";
import { MqttChannel } from "./mqtt.ts";
import type { MqttStatus } from "./mqtt.ts";
import { Notifier } from "./notifier.ts";
import type { Clock } from "./notifier.ts";
import { NotifyDb } from "./notify_db.ts";
import { PushChannel } from "./push.ts";
import { WebhookChannel } from "./webhook.ts";
import { loadOrCreateVapidKeys } from "./webpush.ts";
import type { VapidKeys } from "./webpush.ts";
import type { Channel } from "./types.ts";

export interface NotificationsOptions {
  bus: Bus;
  cameras: { id: string; name: string }[];
  settings?: NotifySettings;
  /** The data folder: `vigil.db` (tables), `vapid.json` (keys). ":memory:" keeps no files. */
  dataDir: string;
  /** The pipeline hook behind `P/C/detect/set`. */
  setDetect: (camera: string, on: boolean) => void;
  detecting: (camera: string) => boolean;
  /** The stored best frame's URL of an event (main.ts: the store's EventRow.thumbnail). */
  snapshotUrl?: (eventId: number) => string | null;
  clock?: Clock;
  log?: (line: string) => void;
  /** Overrides for tests: MQTT reconnect backoff. */
  mqttReconnectMs?: number;
  version?: string;
}

/** Everything that tells people: the notifier, its channels, the armed switch, the log. */
export class Notifications {
  readonly notifier: Notifier;
  readonly armed: ArmedSwitch;
  readonly mqtt: MqttChannel | null;
  readonly webhooks: WebhookChannel;
  readonly push: PushChannel | null;
  readonly vapid: VapidKeys | null;
  readonly db: NotifyDb;
  readonly log: DeliveryLog;
  readonly settings: NotifySettings;
  readonly #setDetect: (camera: string, on: boolean) => void;

  private constructor(
    parts: {
      notifier: Notifier;
      armed: ArmedSwitch;
      mqtt: MqttChannel | null;
      webhooks: WebhookChannel;
      push: PushChannel | null;
      vapid: VapidKeys | null;
      db: NotifyDb;
      log: DeliveryLog;
      settings: NotifySettings;
      setDetect: (camera: string, on: boolean) => void;
    },
  ) {
    this.notifier = parts.notifier;
    this.armed = parts.armed;
    this.mqtt = parts.mqtt;
    this.webhooks = parts.webhooks;
    this.push = parts.push;
    this.vapid = parts.vapid;
    this.db = parts.db;
    this.log = parts.log;
    this.settings = parts.settings;
    this.#setDetect = parts.setDetect;
  }

  static async start(opts: NotificationsOptions): Promise<Notifications> {
    const settings = opts.settings ?? parseNotifySettings({}, opts.cameras.map((c) => c.id));
    const memory = opts.dataDir === ":memory:";
    const db = NotifyDb.open(memory ? ":memory:" : join(opts.dataDir, "vigil.db"));
    const stored = db.get("armed");
    const armed = new ArmedSwitch(
      stored === null ? settings.notify.armed : stored === "1",
      (on) => db.set("armed", on ? "1" : "0"),
    );
    armed.onChange((on, source) =>
      (opts.log ?? console.log)(`vigil: alerts ${on ? "armed" : "disarmed"} (${source})`)
    );
    const log = new DeliveryLog();
    let vapid: VapidKeys | null = null;
    if (settings.notify.push.enabled && !memory) {
      // a broken key file turns Web Push off; it never stops Vigil
      vapid = await loadOrCreateVapidKeys(opts.dataDir).catch((err) => {
        (opts.log ?? console.error)(`vigil: Web Push is off: ${err.message}`);
        return null;
      });
    }
    const channels: Channel[] = [];
    // the notifier is made before its channels exist: MQTT asks it for open events
    let notifier: Notifier | null = null;
    const mqtt = settings.mqtt
      ? new MqttChannel(settings.mqtt, {
        cameras: opts.cameras,
        armed,
        setDetect: opts.setDetect,
        detecting: opts.detecting,
        openCameras: () => notifier?.openCameras() ?? new Set(),
        cameraState: (id) => notifier?.cameraState(id) ?? null,
        previousCameras: JSON.parse(db.get("mqtt.cameras") ?? "[]"),
        rememberCameras: (ids) => db.set("mqtt.cameras", JSON.stringify(ids)),
        log: opts.log,
        reconnectMs: opts.mqttReconnectMs,
        version: opts.version,
      })
      : null;
    if (mqtt) channels.push(mqtt);
    const webhooks = new WebhookChannel(settings.webhooks, log);
    channels.push(webhooks);
    const push = vapid
      ? new PushChannel({
        db,
        keys: vapid,
        subject: settings.notify.push.subject,
        log,
        timeZone: settings.notify.timeZone,
      })
      : null;
    if (push) channels.push(push);
    notifier = new Notifier({
      bus: opts.bus,
      cameras: opts.cameras,
      config: settings.notify,
      channels,
      armed,
      snapshotUrl: opts.snapshotUrl,
      clock: opts.clock,
      log: opts.log,
    });
    notifier.start();
    return new Notifications({
      notifier,
      armed,
      mqtt,
      webhooks,
      push,
      vapid,
      db,
      log,
      settings,
      setDetect: opts.setDetect,
    });
  }

  /** Turns a camera's detection on or off (the API's way; MQTT has its own topic). */
  setDetect(camera: string, on: boolean): void {
    this.#setDetect(camera, on);
    this.mqtt?.detectChanged(camera, on);
  }

  /** The rules (and their counters). */
  rules() {
    return this.notifier.rules;
  }

  /** For /api/health: MQTT's connection (null when not configured). */
  mqttStatus(): MqttStatus | null {
    return this.mqtt?.status() ?? null;
  }

  async close(): Promise<void> {
    await this.notifier.close();
    this.db.close();
  }
}
