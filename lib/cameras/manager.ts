/**
 * @module
 * The running cameras and what follows their settings: one capture and pipeline per camera,
 * their recorders, the notifications, the retention limits. `apply()` moves a running Vigil
 * to a new configuration without a restart: only a camera whose source, size, rate or capture
 * options changed gets a new ffmpeg; any other change reaches the next frame.
 */
import type { Bus } from "../bus/mod.ts";
import { CameraCapture } from "../capture/mod.ts";
import { ConfigError } from "../config/mod.ts";
import type { CameraConfig, VigilConfig } from "../config/mod.ts";
import type { CameraInfo, CameraRegistry } from "../context.ts";
import { detectionSize } from "../motion/mod.ts";
import type { Notifications } from "../notify/mod.ts";
import type { ObjectService } from "../objects/service.ts";
import { CameraPipeline } from "../pipeline/mod.ts";
import type { Recordings } from "../record/mod.ts";
import type { Store } from "../store/mod.ts";

const DAY_MS = 86_400_000;
/** Longest wait in apply() for a running camera's next frame with its new settings. */
const SETTLE_MS = 2000;

/** Keys only a restart of Vigil changes: the listening socket, TLS, the data folder. */
const RESTART_KEYS = ["port", "host", "data", "tlsCert", "tlsKey", "allowedHosts"] as const;

export interface CameraManagerDeps {
  bus: Bus;
  store: Store;
  recordings: Recordings;
  objects?: ObjectService;
  /** Where demo cameras keep their pre-rendered loop. */
  demoDir: string;
  /** Starts the notifications for a configuration (again after a change of theirs). */
  startNotifications: (config: VigilConfig) => Promise<Notifications>;
  log?: (line: string) => void;
}

/** What apply() did. */
export interface ApplyResult {
  /** Keys whose new value takes effect only when Vigil restarts, e.g. `["port"]`. */
  restartNeeded: string[];
  added: string[];
  removed: string[];
  /** Cameras that got a new capture (source, size, rate or capture options changed). */
  restarted: string[];
  /** Cameras whose other settings changed, in use from their next frame. */
  updated: string[];
}

/**
 * The camera's capture; its options are checked here, so a bad one is a ConfigError naming
 * the camera (at start, Vigil stops; on a settings change, nothing changes).
 */
export function createCapture(cam: CameraConfig, index: number, demoDir: string): CameraCapture {
  try {
    return new CameraCapture({
      id: cam.id,
      source: cam.source,
      width: cam.width,
      height: cam.height,
      fps: cam.fps,
      ...cam.capture,
      demoDir,
      detectSize: (w: number, h: number) => detectionSize(cam.detector, w, h),
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new ConfigError(`cameras[${index}]: ${err.message}`, ["cameras", index]);
    }
    throw err;
  }
}

/** What a camera's ffmpeg is started from: a change of any of it needs a new capture. */
function captureKey(cam: CameraConfig): string {
  return JSON.stringify([
    cam.source,
    cam.width,
    cam.height,
    cam.fps,
    cam.capture,
    cam.detector.width, // the detection size ffmpeg scales to
  ]);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The notifications depend on these: the settings and the cameras' ids and names. */
function notifyKey(config: VigilConfig): string {
  return JSON.stringify([
    config.notifications ?? null,
    config.cameras.map((c) => [c.id, c.name]),
  ]);
}

export class CameraManager implements CameraRegistry {
  readonly #deps: CameraManagerDeps;
  /** The configuration Vigil started with: what restart-only keys are compared with. */
  readonly #initial: VigilConfig;
  #config: VigilConfig;
  /** In the configuration's camera order. */
  #pipelines: CameraPipeline[];
  #notify: Notifications | null = null;
  #started = false;
  /** apply() calls run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(config: VigilConfig, deps: CameraManagerDeps) {
    this.#deps = deps;
    this.#initial = config;
    this.#config = config;
    this.#pipelines = config.cameras.map((cam, i) =>
      this.#pipeline(cam, createCapture(cam, i, deps.demoDir))
    );
  }

  /** Builds the pipelines (a bad capture option is a ConfigError) and starts notifications. */
  static async open(config: VigilConfig, deps: CameraManagerDeps): Promise<CameraManager> {
    const m = new CameraManager(config, deps);
    m.#notify = await deps.startNotifications(config);
    return m;
  }

  get config(): VigilConfig {
    return this.#config;
  }

  /** The running notifications (replaced when their settings change). */
  get notify(): Notifications | null {
    return this.#notify;
  }

  pipeline(id: string): CameraPipeline | undefined {
    return this.#pipelines.find((p) => p.config.id === id);
  }

  /** A camera's settings now (for the objects service, which asks per frame). */
  camera(id: string): CameraConfig | undefined {
    return this.pipeline(id)?.config;
  }

  list(): CameraInfo[] {
    return this.#pipelines.map((p) => this.#withRecording(p.info()));
  }

  get(id: string): CameraInfo | undefined {
    const p = this.pipeline(id);
    return p ? this.#withRecording(p.info()) : undefined;
  }

  start(): void {
    this.#started = true;
    for (const p of this.#pipelines) p.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#queue.catch(() => {});
    await Promise.all(this.#pipelines.map((p) => p.stop()));
  }

  /** Closes the notifications (after stop(), at shutdown). */
  async close(): Promise<void> {
    await this.#notify?.close();
    this.#notify = null;
  }

  /**
   * Moves to `next`. Everything that can be refused (a capture option) is checked before
   * anything changes; then `beforeChange` runs (the route writes the file there: when it
   * throws, nothing changes), then cameras are removed, added, restarted or updated, the
   * recorders, retention limits and notifications follow. Resolves once every running camera
   * whose settings changed analysed a frame with them (at most about 2 s). Calls are serialized.
   */
  apply(next: VigilConfig, beforeChange?: () => Promise<void>): Promise<ApplyResult> {
    const run = this.#queue.then(() => this.#apply(next, beforeChange));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(next: VigilConfig, beforeChange?: () => Promise<void>): Promise<ApplyResult> {
    const deps = this.#deps;
    const old = new Map(this.#pipelines.map((p) => [p.config.id, p]));
    // 1. Plan, and make the new captures (this checks their options) before changing anything.
    const fresh = new Map<string, CameraCapture>();
    next.cameras.forEach((cam, i) => {
      const was = old.get(cam.id);
      if (!was || captureKey(was.config) !== captureKey(cam)) {
        fresh.set(cam.id, createCapture(cam, i, deps.demoDir));
      }
    });
    await beforeChange?.();

    const result: ApplyResult = {
      restartNeeded: this.restartNeeded(next),
      added: [],
      removed: [],
      restarted: [],
      updated: [],
    };
    const nextIds = new Set(next.cameras.map((c) => c.id));
    // 2. Cameras: stop the removed and the replaced ones first (their ffmpeg ends).
    const ending = [...old.values()].filter((p) =>
      !nextIds.has(p.config.id) || fresh.has(p.config.id)
    );
    await Promise.all(ending.map((p) => p.stop()));
    const settling: Promise<void>[] = [];
    this.#pipelines = next.cameras.map((cam) => {
      const was = old.get(cam.id);
      const capture = fresh.get(cam.id);
      if (capture) {
        const p = this.#pipeline(cam, capture);
        if (was) {
          p.detecting = was.detecting;
          result.restarted.push(cam.id);
        } else result.added.push(cam.id);
        if (this.#started) p.start();
        return p;
      }
      if (!same(was!.config, cam)) {
        result.updated.push(cam.id);
        const running = was!.info().state === "running";
        const used = was!.updateSettings(cam);
        if (running) settling.push(used);
      }
      return was!;
    });
    for (const id of old.keys()) if (!nextIds.has(id)) result.removed.push(id);

    // 3. What follows the cameras.
    const before = this.#config;
    this.#config = next;
    await deps.recordings.setCameras(next.cameras);
    deps.store.setLimits({
      maxAgeMs: next.retention.maxAgeDays * DAY_MS,
      maxBytes: next.retention.maxDiskMB * 1024 * 1024,
    });
    if (notifyKey(before) !== notifyKey(next)) {
      // Closed first: the new MQTT connection uses the same client and topics.
      await this.#notify?.close();
      this.#notify = null;
      this.#notify = await deps.startNotifications(next);
    }
    // 4. Until the new settings are in use (a camera that stops sending frames does not hold it).
    await Promise.race([
      Promise.all(settling),
      new Promise((resolve) => setTimeout(resolve, SETTLE_MS)),
    ]);
    return result;
  }

  /** Keys of `next` that differ from what Vigil started with and need a restart. */
  restartNeeded(next: VigilConfig): string[] {
    const now = this.#initial;
    const keys: string[] = RESTART_KEYS.filter((k) => !same(now[k], next[k]));
    if (now.objectModel !== next.objectModel) keys.push("objects.model");
    // The object classifier is started only when some camera wanted it at start.
    const wanted = (c: VigilConfig) => c.cameras.some((cam) => cam.objects?.enabled);
    if (!this.#deps.objects?.classifier && !wanted(now) && wanted(next)) keys.push("objects");
    return keys;
  }

  #pipeline(cam: CameraConfig, capture: CameraCapture): CameraPipeline {
    const d = this.#deps;
    return new CameraPipeline(cam, {
      bus: d.bus,
      recorder: d.store,
      capture,
      objects: d.objects,
      log: d.log,
    });
  }

  #withRecording(info: CameraInfo): CameraInfo {
    const rec = this.#deps.recordings.info(info.id);
    return rec ? { ...info, recording: rec } : info;
  }
}
