import type { Box } from "../protocol.ts";
import { classifyFrame, type DetectedObject } from "./classify.ts";
import type { ObjectModel, RgbaImage } from "./model.ts";
import { loadNanoDet, NANODET_MODEL } from "./nanodet.ts";
import { CropBudget } from "./rate.ts";
import { DEFAULT_OBJECT_SETTINGS, type ObjectSettings, parseObjectSettings } from "./settings.ts";

/** Most crops of one frame, as the server's classifier (ClassifierOptions.maxRegions). */
const MAX_REGIONS = 2;

/**
 * `deno task detect --objects`: the server's classification (same model, regions, labels,
 * minScores and `fps` budget, counted in the input's time) run in this process, one frame at a
 * time. `objects` settings come from the config file's top level merged with cameras[0]'s.
 */
export class OfflineObjects {
  readonly settings: ObjectSettings;
  readonly #model: ObjectModel;
  readonly #budget = new CropBudget();
  /** Frames classified, crops, inference ms in all, failed frames. */
  readonly counters = { frames: 0, crops: 0, ms: 0, failed: 0 };

  private constructor(model: ObjectModel, settings: ObjectSettings) {
    this.#model = model;
    this.settings = settings;
  }

  /** Settings from a parsed config file (throws TypeError/RangeError naming the key). */
  static settingsFrom(config: unknown): { settings: ObjectSettings; model?: string } {
    const file = (config ?? {}) as { objects?: unknown; cameras?: { objects?: unknown }[] };
    const top = parseObjectSettings(file.objects, DEFAULT_OBJECT_SETTINGS, true, ["objects"]);
    const cam = Array.isArray(file.cameras) ? file.cameras[0]?.objects : undefined;
    return {
      settings: parseObjectSettings(cam, top.settings, false, ["cameras", 0, "objects"]).settings,
      model: top.model,
    };
  }

  /** Loads the model (throws ModelError in one line). */
  static async open(config: unknown): Promise<OfflineObjects> {
    const { settings, model } = OfflineObjects.settingsFrom(config);
    return new OfflineObjects(await loadNanoDet(model ?? NANODET_MODEL), settings);
  }

  /**
   * Classifies a motion frame at input time `ms` if the `fps` budget allows: its objects, or
   * null when the frame was not classified (budget spent, objects off, or a failed crop).
   */
  async classify(image: RgbaImage, boxes: Box[], ms: number): Promise<DetectedObject[] | null> {
    if (!this.settings.enabled || boxes.length === 0) return null;
    const n = this.#budget.take(ms, this.settings.fps, MAX_REGIONS);
    if (n === 0) return null;
    const t0 = performance.now();
    try {
      const r = await classifyFrame(this.#model, image, boxes, this.settings, n);
      this.#budget.refund(n - r.regions.length);
      this.counters.frames++;
      this.counters.crops += r.regions.length;
      this.counters.ms += performance.now() - t0;
      return r.objects;
    } catch {
      this.counters.failed++;
      return null;
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}

/**
 * Reads fixed-size frames from a raw video stream (ffmpeg `-f rawvideo`), one per call, into
 * one reused buffer; null at the end.
 */
export function rawFrames(
  stream: ReadableStream<Uint8Array>,
  size: number,
): () => Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const buf = new Uint8Array(size);
  let rest: Uint8Array | null = null;
  return async () => {
    let filled = 0;
    while (filled < size) {
      let chunk = rest;
      rest = null;
      if (!chunk) {
        const r = await reader.read();
        if (r.done) return null;
        chunk = r.value;
      }
      const take = Math.min(size - filled, chunk.length);
      buf.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) rest = chunk.subarray(take);
    }
    return buf;
  };
}
