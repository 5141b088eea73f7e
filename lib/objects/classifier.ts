import type { Box } from "../protocol.ts";
import type { DetectedObject } from "./classify.ts";
import { NANODET_MODEL } from "./model_path.ts";
import type { ObjectSettings } from "./settings.ts";
import type { WorkerRequest, WorkerResponse } from "./worker_protocol.ts";
import { CropBudget } from "./rate.ts";

/** One motion frame offered for classification. */
export interface ClassifyJob {
  camera: string;
  eventId: number;
  ts: number;
  jpeg: Uint8Array;
  boxes: Box[];
  settings: ObjectSettings;
}

/** What the Worker found on an offered frame. */
export interface ClassifyResult {
  camera: string;
  eventId: number;
  ts: number;
  objects: DetectedObject[];
  regions: Box[];
  /** Decode + crop + inference time in the Worker. */
  ms: number;
}

/** Why an offered frame was not classified, or "accepted". */
export type OfferOutcome = "accepted" | "off" | "disabled" | "rate" | "busy";

export interface ObjectCounters {
  /** Frames classified, crops classified, and the crops' total time in the Worker. */
  classified: number;
  crops: number;
  ms: number;
  /** Frames dropped because the Worker was busy (never queued). */
  busy: number;
  /** Frames skipped by the `fps` limit. */
  rate: number;
  /** Frames whose decoding or classification failed (skipped). */
  failed: number;
}

export interface ClassifierOptions {
  /** The model's `.json` (default: the vendored NanoDet). */
  model?: string | URL;
  log?: (line: string) => void;
  now?: () => number;
  /** Most crops of one frame (default 2). */
  maxRegions?: number;
  /** Wait at most this long for the model to load (default 60 s). */
  loadTimeoutMs?: number;
  /** The Worker module (tests replace it). */
  workerUrl?: URL;
}

/**
 * Runs the object model in a Worker for every camera. `offer()` never waits and never queues:
 * a frame is classified when its camera is within `fps` crops per second and the Worker is idle,
 * else dropped (and counted). Results arrive on `onResult`. A model that cannot be loaded turns
 * objects off with one log line; motion detection does not depend on any of this.
 */
export class ObjectClassifier {
  onResult: (r: ClassifyResult) => void = () => {};
  /** Why objects are off (the model's one-line error), or null while they work. */
  error: string | null = null;
  modelName = "";
  readonly counters: ObjectCounters = {
    classified: 0,
    crops: 0,
    ms: 0,
    busy: 0,
    rate: 0,
    failed: 0,
  };
  readonly #worker: Worker;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #maxRegions: number;
  #ready = false;
  #inFlight: (ClassifyJob & { id: number; regions: number }) | null = null;
  #nextId = 1;
  #closed = false;
  /** Per camera: the crops it may still have classified (`objects.fps`). */
  readonly #budgets = new Map<string, CropBudget>();
  #failLogged = false;

  private constructor(opts: ClassifierOptions) {
    this.#log = opts.log ?? console.log;
    this.#now = opts.now ?? Date.now;
    this.#maxRegions = opts.maxRegions ?? 2;
    this.#worker = new Worker(opts.workerUrl ?? new URL("./worker.ts", import.meta.url), {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent<WorkerResponse>) => this.#onMessage(e.data);
    this.#worker.onerror = (e) => {
      e.preventDefault();
      this.#off(`the object worker stopped: ${e.message}`);
    };
  }

  /**
   * Starts the Worker and loads the model in the background: `loaded` resolves when it is
   * ready or has failed. Never throws: when the model is missing or corrupt, logs
   * `vigil: objects off: cannot load the object model …` once, and `error` says why (every
   * offer then answers "off"). Until it is loaded, offers answer "off" too.
   */
  static launch(opts: ClassifierOptions = {}): ObjectClassifier {
    const c = new ObjectClassifier(opts);
    const model = opts.model ?? NANODET_MODEL;
    const path = model instanceof URL ? decodeURIComponent(model.pathname) : model;
    const loaded = new Promise<void>((resolve) => c.#whenLoaded = resolve);
    c.#post({ type: "load", path });
    const ms = opts.loadTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () => c.#off(`the object model ${path} did not load within ${ms} ms`),
      ms,
    );
    c.loaded = loaded.then(() => clearTimeout(timer));
    return c;
  }

  /** launch(), then waits for the model (or its failure). */
  static async start(opts: ClassifierOptions = {}): Promise<ObjectClassifier> {
    const c = ObjectClassifier.launch(opts);
    await c.loaded;
    return c;
  }

  /** Resolves when the model is loaded or has failed. */
  loaded: Promise<void> = Promise.resolve();
  #whenLoaded: () => void = () => {};

  /** Whether the model is loaded and classifying. */
  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  /** Whether the Worker is classifying a frame now. */
  get busy(): boolean {
    return this.#inFlight !== null;
  }

  /** Offers a motion frame; returns at once with what happened to it. */
  offer(job: ClassifyJob): OfferOutcome {
    if (!this.ready) return "off";
    if (!job.settings.enabled) return "disabled";
    const now = this.#now();
    let budget = this.#budgets.get(job.camera);
    if (!budget) this.#budgets.set(job.camera, budget = new CropBudget());
    if (!budget.available(now, job.settings.fps)) {
      this.counters.rate++;
      return "rate";
    }
    if (this.#inFlight) {
      this.counters.busy++;
      return "busy";
    }
    const regions = budget.take(now, job.settings.fps, this.#maxRegions);
    const id = this.#nextId++;
    this.#inFlight = { ...job, id, regions };
    // A copy: the JPEG also goes to the store and the browsers.
    this.#post({
      type: "classify",
      id,
      jpeg: job.jpeg.slice(),
      boxes: job.boxes,
      settings: job.settings,
      maxRegions: regions,
    });
    return "accepted";
  }

  #post(msg: WorkerRequest): void {
    if (msg.type === "classify") this.#worker.postMessage(msg, [msg.jpeg.buffer]);
    else this.#worker.postMessage(msg);
  }

  #onMessage(msg: WorkerResponse): void {
    switch (msg.type) {
      case "ready":
        this.#ready = true;
        this.modelName = msg.name;
        this.#whenLoaded();
        return;
      case "error":
        this.#off(msg.message);
        return;
      case "result":
      case "failed": {
        const job = this.#inFlight;
        this.#inFlight = null;
        if (!job || job.id !== msg.id) return;
        if (msg.type === "failed") {
          this.counters.failed++;
          if (!this.#failLogged) {
            this.#failLogged = true;
            this.#log(
              `vigil: camera ${job.camera}: a frame could not be classified (${msg.message}); ` +
                "such frames are skipped and counted",
            );
          }
          return;
        }
        // Crops not used (fewer motion regions than allowed) go back to the camera's budget.
        this.#budgets.get(job.camera)?.refund(Math.max(0, job.regions - msg.regions.length));
        this.counters.classified++;
        this.counters.crops += msg.regions.length;
        this.counters.ms += msg.ms;
        if (this.#closed) return;
        try {
          this.onResult({
            camera: job.camera,
            eventId: job.eventId,
            ts: job.ts,
            objects: msg.objects,
            regions: msg.regions,
            ms: msg.ms,
          });
        } catch (err) {
          this.#log(`vigil: objects: ${(err as Error).message}`);
        }
      }
    }
  }

  #off(message: string): void {
    if (this.error !== null) return;
    message = message.split("\n")[0].trim();
    this.error = message;
    this.#ready = false;
    this.#log(`vigil: objects off: ${message} (motion detection goes on)`);
    this.#whenLoaded();
    this.#worker.terminate();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    this.#whenLoaded();
    this.#worker.terminate();
  }
}
