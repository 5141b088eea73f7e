import { Buffer } from "node:buffer";
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import type { MqttConfig } from "../config/mod.ts";
import type { ArmedSwitch } from "./armed.ts";
import { eventJson } from "./types.ts";
import type { Channel, Notice } from "./types.ts";

export type MqttState = "connecting" | "connected" | "disconnected" | "refused";

/** What /api/health and the admin page show; never the password. */
export interface MqttStatus {
  state: MqttState;
  broker: string;
  message: string;
  since: number;
  connects: number;
  /** Messages not sent because the broker was away (not retained ones: those are republished). */
  dropped: number;
}

export interface MqttDeps {
  cameras: { id: string; name: string }[];
  armed: ArmedSwitch;
  /** Turns detection of a camera on or off (`P/C/detect/set`). */
  setDetect: (camera: string, on: boolean) => void;
  detecting: (camera: string) => boolean;
  /** Cameras with an open event now (retained `motion` after a reconnect). */
  openCameras: () => Set<string>;
  /** A camera's current state (retained `state` after a reconnect). */
  cameraState: (camera: string) => string | null;
  /** Camera ids that had discovery configs before (to remove those no longer configured). */
  previousCameras?: string[];
  rememberCameras?: (ids: string[]) => void;
  log?: (line: string) => void;
  /** Reconnect backoff: first delay, doubled per failure, capped (default 1 s … 30 s). */
  reconnectMs?: number;
  reconnectMaxMs?: number;
  version?: string;
}

const MIN_BACKOFF = 1000;
const MAX_BACKOFF = 30_000;

/** `P` + camera id → the topic names of CONTRACT.md. */
export function topics(prefix: string, camera: string) {
  const base = `${prefix}/${camera}`;
  return {
    motion: `${base}/motion`,
    event: `${base}/event`,
    snapshot: `${base}/snapshot`,
    state: `${base}/state`,
    detect: `${base}/detect`,
    detectSet: `${base}/detect/set`,
  };
}

/** Object ids in discovery topics: `vigil_C_motion` for the default prefix. */
function nodeId(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** The retained Home Assistant discovery configs of one camera: topic → JSON. */
export function discoveryConfigs(
  cfg: Pick<MqttConfig, "topicPrefix" | "discoveryPrefix">,
  camera: { id: string; name: string },
  version = "1",
): [string, Record<string, unknown>][] {
  const p = cfg.topicPrefix;
  const n = nodeId(p);
  const t = topics(p, camera.id);
  const id = (what: string) => `${n}_${camera.id}_${what}`;
  const device = {
    identifiers: [`${n}_${camera.id}`],
    name: camera.name,
    manufacturer: "Vigil",
    model: "Vigil camera",
    sw_version: version,
  };
  const common = {
    availability_topic: `${p}/availability`,
    payload_available: "online",
    payload_not_available: "offline",
    device,
  };
  const d = cfg.discoveryPrefix;
  return [
    [`${d}/binary_sensor/${id("motion")}/config`, {
      ...common,
      name: "Motion",
      unique_id: id("motion"),
      object_id: id("motion"),
      state_topic: t.motion,
      payload_on: "ON",
      payload_off: "OFF",
      device_class: "motion",
    }],
    [`${d}/image/${id("snapshot")}/config`, {
      ...common,
      name: "Snapshot",
      unique_id: id("snapshot"),
      object_id: id("snapshot"),
      image_topic: t.snapshot,
      content_type: "image/jpeg",
    }],
    [`${d}/switch/${id("detect")}/config`, {
      ...common,
      name: "Detection",
      unique_id: id("detect"),
      object_id: id("detect"),
      command_topic: t.detectSet,
      state_topic: t.detect,
      payload_on: "ON",
      payload_off: "OFF",
      icon: "mdi:motion-sensor",
    }],
    [`${d}/sensor/${id("state")}/config`, {
      ...common,
      name: "Camera state",
      unique_id: id("state"),
      object_id: id("state"),
      state_topic: t.state,
      icon: "mdi:cctv",
    }],
  ];
}

/** Discovery topics of a camera (for removal: an empty retained message deletes each). */
function discoveryTopics(cfg: MqttConfig, id: string): string[] {
  return discoveryConfigs(cfg, { id, name: id }).map(([topic]) => topic);
}

/**
 * MQTT: mirrors Vigil's state to a broker (availability with a last will, retained `motion`,
 * `state`, `snapshot`, `detect`, `armed`), sends `event` JSON on each phase, takes `detect/set`
 * and `armed` commands, and publishes Home Assistant discovery. A broker that is down or refuses
 * the login never stops Vigil: the client reconnects with backoff, and after each connect the
 * current retained state is published again (so no stale `motion ON` stays behind). While the
 * broker is away, non-retained messages are dropped (counted), never queued without bound.
 */
export class MqttChannel implements Channel {
  readonly name = "mqtt";
  readonly config: MqttConfig;
  readonly #deps: MqttDeps;
  readonly #client: MqttClient;
  readonly #log: (line: string) => void;
  readonly #snapshots = new Map<string, Uint8Array>();
  readonly #unsubscribeArmed: () => void;
  #backoff: number;
  #status: MqttStatus;
  #lastLogged = "";
  #closed = false;

  constructor(config: MqttConfig, deps: MqttDeps) {
    this.config = config;
    this.#deps = deps;
    this.#log = deps.log ?? ((line) => console.error(line));
    this.#backoff = deps.reconnectMs ?? MIN_BACKOFF;
    const broker = (() => {
      const u = new URL(config.url);
      return `${u.protocol}//${u.host}`;
    })();
    this.#status = {
      state: "connecting",
      broker,
      message: `connecting to ${broker}`,
      since: Date.now(),
      connects: 0,
      dropped: 0,
    };
    const p = config.topicPrefix;
    this.#client = mqtt.connect(config.url, {
      username: config.username,
      password: config.password,
      clientId: `vigil_${nodeId(p)}_${crypto.randomUUID().slice(0, 8)}`,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: this.#backoff,
      reconnectOnConnackError: true,
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: `${p}/availability`, payload: "offline", qos: 1, retain: true },
    });
    this.#client.on("connect", () => this.#onConnect());
    this.#client.on("message", (topic, payload) => this.#onMessage(topic, payload));
    this.#client.on("error", (err) =>
      this.#setState(
        /not authori[sz]ed|bad user ?name|password/i.test(err.message) ? "refused" : "disconnected",
        `${broker}: ${err.message}`,
      ));
    this.#client.on("close", () => {
      if (this.#closed) return;
      if (this.#status.state === "connected") {
        this.#setState("disconnected", `${broker}: connection lost`);
      }
      // exponential backoff: mqtt.js reads reconnectPeriod each time it schedules a reconnect
      this.#client.options.reconnectPeriod = this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, deps.reconnectMaxMs ?? MAX_BACKOFF);
    });
    this.#unsubscribeArmed = deps.armed.onChange((armed, source) => {
      if (source !== "mqtt") this.#send(`${p}/armed`, armed ? "ON" : "OFF", true);
    });
  }

  status(): MqttStatus {
    return { ...this.#status };
  }

  #setState(state: MqttState, message: string): void {
    if (state !== this.#status.state) this.#status.since = Date.now();
    this.#status.state = state;
    this.#status.message = message;
    const line = `${state}: ${message}`;
    if (line !== this.#lastLogged) {
      this.#lastLogged = line;
      this.#log(`vigil: mqtt ${state === "connected" ? "connected to" : state + ":"} ${message}`);
    }
  }

  #onConnect(): void {
    this.#backoff = this.#deps.reconnectMs ?? MIN_BACKOFF;
    this.#client.options.reconnectPeriod = this.#backoff;
    this.#status.connects++;
    this.#setState("connected", this.#status.broker);
    const p = this.config.topicPrefix;
    this.#client.subscribe([`${p}/+/detect/set`, `${p}/armed`], { qos: 1 });
    this.#send(`${p}/availability`, "online", true);
    this.#republish();
  }

  /** The whole retained state, as it is now (after every connect). */
  #republish(): void {
    const p = this.config.topicPrefix;
    const open = this.#deps.openCameras();
    const ids = this.#deps.cameras.map((c) => c.id);
    if (this.config.homeAssistant) {
      for (const cam of this.#deps.cameras) {
        for (const [topic, cfg] of discoveryConfigs(this.config, cam, this.#deps.version)) {
          this.#send(topic, JSON.stringify(cfg), true);
        }
      }
    }
    // cameras gone from the config: their discovery configs and retained topics are deleted
    for (const old of this.#deps.previousCameras ?? []) {
      if (ids.includes(old)) continue;
      for (const topic of discoveryTopics(this.config, old)) this.#send(topic, "", true);
      const t = topics(p, old);
      for (const topic of [t.motion, t.snapshot, t.state, t.detect]) this.#send(topic, "", true);
    }
    this.#deps.rememberCameras?.(ids);
    this.#send(`${p}/armed`, this.#deps.armed.value ? "ON" : "OFF", true);
    for (const id of ids) {
      const t = topics(p, id);
      this.#send(t.motion, open.has(id) ? "ON" : "OFF", true);
      this.#send(t.detect, this.#deps.detecting(id) ? "ON" : "OFF", true);
      const state = this.#deps.cameraState(id);
      if (state) this.#send(t.state, state, true);
      const snap = this.#snapshots.get(id);
      if (snap) this.#send(t.snapshot, snap, true);
    }
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    const p = this.config.topicPrefix;
    const text = new TextDecoder().decode(payload).trim().toUpperCase();
    const on = text === "ON" || text === "TRUE" || text === "1";
    const off = text === "OFF" || text === "FALSE" || text === "0";
    if (!on && !off) return;
    if (topic === `${p}/armed`) {
      this.#deps.armed.set(on, "mqtt");
      return;
    }
    const m = topic.slice(p.length + 1).match(/^([a-z0-9_-]{1,32})\/detect\/set$/);
    if (!m || !this.#deps.cameras.some((c) => c.id === m[1])) return;
    this.#deps.setDetect(m[1], on);
    this.#send(topics(p, m[1]).detect, on ? "ON" : "OFF", true);
  }

  #send(topic: string, payload: string | Uint8Array, retain: boolean): void {
    if (this.#closed) return;
    if (!this.#client.connected) {
      // retained state is republished after the next connect; the rest is dropped
      if (!retain) this.#status.dropped++;
      return;
    }
    const body = typeof payload === "string" ? payload : Buffer.from(payload);
    this.#client.publish(topic, body, { qos: 0, retain }, (err) => {
      if (err && !retain) this.#status.dropped++;
    });
  }

  publish(n: Notice): void {
    const t = topics(this.config.topicPrefix, n.camera);
    if (n.kind === "event") {
      this.#send(t.motion, n.phase === "start" ? "ON" : "OFF", true);
      this.#send(t.event, JSON.stringify(eventJson(n)), false);
      if (n.snapshot) {
        this.#snapshots.set(n.camera, n.snapshot);
        this.#send(t.snapshot, n.snapshot, true);
      }
    } else if (n.phase === "state") {
      this.#send(t.state, n.state, true);
    }
  }

  /** Publishes the detect state of a camera changed elsewhere (API, config). */
  detectChanged(camera: string, on: boolean): void {
    this.#send(topics(this.config.topicPrefix, camera).detect, on ? "ON" : "OFF", true);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#unsubscribeArmed();
    // a clean stop says offline itself (the will is only for crashes)
    if (this.#client.connected) {
      await new Promise<void>((resolve) =>
        this.#client.publish(
          `${this.config.topicPrefix}/availability`,
          "offline",
          { qos: 1, retain: true },
          () => resolve(),
        )
      ).catch(() => {});
    }
    this.#closed = true;
    await this.#client.endAsync(true).catch(() => {});
  }
}
