import type { Box } from "../protocol.ts";
import type { DetectedObject } from "./classify.ts";
import type {
  ClassifyResult,
  ObjectClassifier,
  ObjectCounters,
  OfferOutcome,
} from "./classifier.ts";
import { eventLabels } from "./labels.ts";
import type { LabelStore } from "./label_store.ts";
import type { ObjectSettings } from "./settings.ts";

/** How long a frame's objects are shown on the frames after it (they move little in 1.5 s). */
const SHOW_MS = 1500;

interface EventState {
  labels: Map<string, number>;
  best: number;
}

export interface ObjectServiceOptions {
  /** null: objects are off for every camera (no model). */
  classifier: ObjectClassifier | null;
  /** Where labels and objects are kept (null: not kept, e.g. offline). */
  store: LabelStore | null;
  /** A camera's settings (undefined: unknown camera, objects off). */
  settingsFor: (camera: string) => ObjectSettings | undefined;
  now?: () => number;
}

/**
 * Objects for every camera pipeline (lib/pipeline's `ObjectsHook`): offers motion frames to the
 * classifier, gathers each event's labels (the union of what was seen with enough score, each
 * with its best score), keeps them with lib/store's events, and makes the best-scoring object
 * frame the event's picture.
 */
export class ObjectService {
  readonly classifier: ObjectClassifier | null;
  readonly store: LabelStore | null;
  readonly #settingsFor: (camera: string) => ObjectSettings | undefined;
  readonly #now: () => number;
  readonly #events = new Map<number, EventState>();
  readonly #latest = new Map<string, { eventId: number; at: number; objects: DetectedObject[] }>();
  /** Results as they arrive (tests, bench). */
  onResult: (r: ClassifyResult) => void = () => {};

  constructor(opts: ObjectServiceOptions) {
    this.classifier = opts.classifier;
    this.store = opts.store;
    this.#settingsFor = opts.settingsFor;
    this.#now = opts.now ?? Date.now;
    if (this.classifier) this.classifier.onResult = (r) => this.#result(r);
  }

  /** Whether objects are on for `camera` (a model is loaded and the camera did not turn them off). */
  enabled(camera: string): boolean {
    return !!this.classifier?.ready && !!this.#settingsFor(camera)?.enabled;
  }

  /** The labels that make an alert for `camera` (empty: any motion). */
  alertOn(camera: string): string[] {
    return this.#settingsFor(camera)?.alertOn ?? [];
  }

  /** A recorded motion frame of event `eventId`; returns at once. */
  offer(camera: string, eventId: number, ts: number, jpeg: Uint8Array, boxes: Box[]): OfferOutcome {
    const settings = this.#settingsFor(camera);
    if (!this.classifier || !settings) return "off";
    const outcome = this.classifier.offer({ camera, eventId, ts, jpeg, boxes, settings });
    if (outcome === "accepted" && !this.#events.has(eventId)) {
      this.#events.set(eventId, { labels: new Map(), best: 0 });
    }
    return outcome;
  }

  /** The labels seen so far in an event, best first. */
  labels(eventId: number): string[] {
    const s = this.#events.get(eventId);
    if (!s) return [];
    return [...s.labels].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l);
  }

  /** The objects of the camera's latest classified frame in `eventId`, while recent. */
  latestObjects(camera: string, eventId: number | null): DetectedObject[] | undefined {
    const l = this.#latest.get(camera);
    if (!l || l.eventId !== eventId || this.#now() - l.at > SHOW_MS) return undefined;
    return l.objects;
  }

  /** The event ended: returns its labels and forgets it (the store keeps them). */
  endEvent(eventId: number): string[] {
    const labels = this.labels(eventId);
    this.#events.delete(eventId);
    return labels;
  }

  #result(r: ClassifyResult): void {
    this.onResult(r);
    const state = this.#events.get(r.eventId);
    const seen = new Map<string, number>();
    for (const o of r.objects) {
      for (const l of eventLabels(o.label)) seen.set(l, Math.max(seen.get(l) ?? 0, o.score));
    }
    let snapshot = false;
    if (state) {
      for (const [l, s] of seen) state.labels.set(l, Math.max(state.labels.get(l) ?? 0, s));
      const best = r.objects[0]?.score ?? 0;
      if (best > state.best) {
        state.best = best;
        snapshot = true;
      }
    }
    this.#latest.set(r.camera, { eventId: r.eventId, at: this.#now(), objects: r.objects });
    if (r.eventId > 0 && r.objects.length > 0) {
      this.store?.record(r.eventId, r.ts, r.objects, seen, snapshot);
    }
  }

  /** For `/api/stats`: whether objects work, why not, and the classifier's counters. */
  status(): {
    state: "on" | "loading" | "off";
    model: string | null;
    error: string | null;
    counters: ObjectCounters | null;
  } {
    const c = this.classifier;
    return {
      state: c?.ready ? "on" : c && c.error === null ? "loading" : "off",
      model: c?.modelName || null,
      error: c ? c.error : "every camera turned objects off",
      counters: c ? { ...c.counters } : null,
    };
  }

  close(): void {
    this.classifier?.close();
    this.store?.close();
  }
}
