/** A point `[x, y]` in the camera's pixels. */
export type Point = [number, number];
/** A closed polygon in the camera's pixels (at least three points). */
export type Polygon = Point[];

/** A named region: motion touching it is reported by name in `FrameResult.zones`. */
export interface Zone {
  name: string;
  polygon: Polygon;
}

/**
 * Every detector knob. See docs/configuration.md for the long form; defaults are in
 * {@link DEFAULT_DETECTOR_SETTINGS}.
 */
export interface DetectorSettings {
  /** Detection frame width in pixels (height keeps the aspect). 0 = the source's own width. Never upscales. */
  width: number;
  /** Passes of a 3×3 Gaussian (binomial 1-2-1) blur before differencing; 0 = none. */
  blur: number;
  /** Fraction of the difference a background pixel moves toward the frame each frame (0-1). */
  learningRate: number;
  /** The same for pixels seen as moving: how fast a stopped object becomes background (0-1). */
  foregroundLearningRate: number;
  /**
   * Foreground that has not changed for this many frames (a ghost left where something stood
   * when watching started or the lights switched, a parked car) is learnt into the background
   * within about 20 more frames. 0 = never (only foregroundLearningRate).
   */
  absorbFrames: number;
  /** A pixel moves when it differs from the background by more than this many noise sigmas. */
  noiseFactor: number;
  /** Lower bound of the difference threshold in gray levels (0-255), whatever the noise. */
  minThreshold: number;
  /** Compensate global brightness/contrast changes (auto-exposure, dimming) before differencing. */
  normalize: boolean;
  /** Despeckle sequence on the motion mask: E/e erode (3×3 / cross), D/d dilate (3×3 / cross). */
  despeckle: string;
  /** Smallest moving blob kept, in percent of the frame area. */
  minArea: number;
  /** Largest box reported, in percent of the frame area (100 = no limit). */
  maxArea: number;
  /** Boxes closer than this (percent of the frame width) are merged into one. */
  mergeDistance: number;
  /**
   * Lightswitch threshold, percent of the frame: when more of the frame than this changes
   * (after brightness compensation), spread over the frame (12 of its 4×4 tiles) and mostly
   * new since the previous frame, the frame is taken as a scene change (lights, IR mode), not
   * motion, and the background is re-learnt from it. 0 = off.
   */
  lightswitch: number;
  /** Consecutive motion frames needed to start an event. */
  minFrames: number;
  /** An event ends after this many milliseconds without motion. */
  eventGapMs: number;
  /** An event longer than this (milliseconds) is split into several; 0 = no limit. */
  maxEventMs: number;
  /** Polygons (camera pixels) whose pixels are ignored. */
  masks: Polygon[];
  /** Named polygons (camera pixels); motion touching one reports its name. */
  zones: Zone[];
}

/** Defaults that work without tuning (measured in bench/detector.sh). */
export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = Object.freeze({
  width: 320,
  blur: 1,
  learningRate: 0.02,
  foregroundLearningRate: 0.002,
  absorbFrames: 100,
  noiseFactor: 3,
  minThreshold: 10,
  normalize: true,
  despeckle: "eDe",
  minArea: 0.03,
  maxArea: 100,
  mergeDistance: 1.5,
  lightswitch: 30,
  minFrames: 2,
  eventGapMs: 5000,
  maxEventMs: 600_000,
  masks: Object.freeze([]) as unknown as Polygon[],
  zones: Object.freeze([]) as unknown as Zone[],
}) as DetectorSettings;

type NumberKey = {
  [K in keyof DetectorSettings]: DetectorSettings[K] extends number ? K : never;
}[keyof DetectorSettings];

const NUMBER_RANGES: Record<NumberKey, [min: number, max: number, integer: boolean]> = {
  width: [0, 8192, true],
  blur: [0, 4, true],
  learningRate: [0, 1, false],
  foregroundLearningRate: [0, 1, false],
  absorbFrames: [0, 30000, true],
  noiseFactor: [0.5, 20, false],
  minThreshold: [1, 255, false],
  minArea: [0, 100, false],
  maxArea: [0, 100, false],
  mergeDistance: [0, 100, false],
  lightswitch: [0, 100, false],
  minFrames: [1, 1000, true],
  eventGapMs: [0, 86_400_000, false],
  maxEventMs: [0, 86_400_000, false],
};

const KNOWN = new Set<string>([
  ...Object.keys(NUMBER_RANGES),
  "normalize",
  "despeckle",
  "masks",
  "zones",
]);

/**
 * Validates a raw JSON object (a config file's `detector` section) merged over `base`
 * (default: {@link DEFAULT_DETECTOR_SETTINGS}). Missing keys keep the base's value.
 * Throws TypeError/RangeError naming the bad key and what it accepts.
 */
export function parseDetectorSettings(
  raw: unknown,
  base: DetectorSettings = DEFAULT_DETECTOR_SETTINGS,
): DetectorSettings {
  const out: DetectorSettings = { ...base, masks: [...base.masks], zones: [...base.zones] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new TypeError('detector settings must be a JSON object such as {"minArea": 0.05}');
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(
        `unknown detector setting "${key}" (known: ${[...KNOWN].join(", ")})`,
      );
    }
  }
  for (const key of Object.keys(NUMBER_RANGES) as NumberKey[]) {
    const value = obj[key];
    if (value === undefined) continue;
    const [min, max, integer] = NUMBER_RANGES[key];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(
        `detector setting "${key}" must be a number, not ${JSON.stringify(value)}`,
      );
    }
    if (value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new RangeError(
        `detector setting "${key}" must be ${
          integer ? "a whole number" : "a number"
        } from ${min} to ${max}, not ${value}`,
      );
    }
    out[key] = value;
  }
  if (obj.normalize !== undefined) {
    if (typeof obj.normalize !== "boolean") {
      throw new TypeError(`detector setting "normalize" must be true or false`);
    }
    out.normalize = obj.normalize;
  }
  if (obj.despeckle !== undefined) {
    if (typeof obj.despeckle !== "string" || !/^[EeDd]{0,16}$/.test(obj.despeckle)) {
      throw new TypeError(
        `detector setting "despeckle" must be a string of up to 16 letters E, e (erode) and D, d (dilate), such as "eDe"`,
      );
    }
    out.despeckle = obj.despeckle;
  }
  if (obj.masks !== undefined) {
    if (!Array.isArray(obj.masks)) {
      throw new TypeError(
        `detector setting "masks" must be a list of polygons such as [[[0,0],[100,0],[100,50]]]`,
      );
    }
    out.masks = obj.masks.map((p, i) => parsePolygon(p, `masks[${i}]`));
  }
  if (obj.zones !== undefined) {
    if (!Array.isArray(obj.zones)) {
      throw new TypeError(
        `detector setting "zones" must be a list such as [{"name":"door","polygon":[[0,0],[100,0],[100,50]]}]`,
      );
    }
    const names = new Set<string>();
    out.zones = obj.zones.map((z, i) => {
      if (typeof z !== "object" || z === null || Array.isArray(z)) {
        throw new TypeError(
          `zones[${i}] must be an object {"name": "...", "polygon": [[x,y],...]}`,
        );
      }
      const { name, polygon } = z as Record<string, unknown>;
      if (typeof name !== "string" || name === "" || name.length > 64) {
        throw new TypeError(`zones[${i}].name must be a non-empty string of at most 64 characters`);
      }
      if (names.has(name)) throw new RangeError(`zones[${i}].name "${name}" is used twice`);
      names.add(name);
      return { name, polygon: parsePolygon(polygon, `zones[${i}].polygon`) };
    });
    if (out.zones.length > 32) {
      throw new RangeError(`at most 32 zones are supported, not ${out.zones.length}`);
    }
  }
  return out;
}

function parsePolygon(raw: unknown, where: string): Polygon {
  if (!Array.isArray(raw) || raw.length < 3) {
    throw new TypeError(`${where} must be a list of at least 3 points [x, y] in camera pixels`);
  }
  return raw.map((p, j) => {
    if (
      !Array.isArray(p) || p.length !== 2 || typeof p[0] !== "number" || typeof p[1] !== "number" ||
      !Number.isFinite(p[0]) || !Number.isFinite(p[1])
    ) {
      throw new TypeError(
        `${where}[${j}] must be a point [x, y] of two numbers, not ${JSON.stringify(p)}`,
      );
    }
    return [p[0], p[1]] as Point;
  });
}

/**
 * Settings for camera `cameraIndex` of a config file `{"detector": {...}, "cameras": [{"detector": {...}}]}`:
 * the camera's `detector` over the file's `detector` over the defaults. The server's config loader
 * and `deno task detect --config` both use this, so they merge alike.
 */
export function detectorSettingsFromConfig(json: unknown, cameraIndex = 0): DetectorSettings {
  if (json === undefined || json === null) return parseDetectorSettings(undefined);
  if (typeof json !== "object" || Array.isArray(json)) {
    throw new TypeError("the config file must hold a JSON object");
  }
  const file = json as Record<string, unknown>;
  const shared = parseDetectorSettings(file.detector);
  const cameras = file.cameras;
  if (cameras === undefined) return shared;
  if (!Array.isArray(cameras)) throw new TypeError(`"cameras" must be a list of camera objects`);
  const cam = cameras[cameraIndex];
  if (cam === undefined) return shared;
  if (typeof cam !== "object" || cam === null || Array.isArray(cam)) {
    throw new TypeError(`cameras[${cameraIndex}] must be an object`);
  }
  return parseDetectorSettings((cam as Record<string, unknown>).detector, shared);
}

/**
 * The detection frame size for a camera of `sourceWidth`×`sourceHeight`: `settings.width`
 * wide (never wider than the source; 0 = the source's width), the height keeping the aspect,
 * both even.
 */
export function detectionSize(
  settings: DetectorSettings,
  sourceWidth: number,
  sourceHeight: number,
): { width: number; height: number } {
  if (!(sourceWidth >= 2 && sourceHeight >= 2) || !Number.isFinite(sourceWidth + sourceHeight)) {
    throw new RangeError(`source size must be at least 2x2, not ${sourceWidth}x${sourceHeight}`);
  }
  const want = settings.width > 0 ? Math.min(settings.width, sourceWidth) : sourceWidth;
  const width = Math.max(2, Math.floor(want / 2) * 2);
  const height = Math.max(2, Math.round((sourceHeight * width) / sourceWidth / 2) * 2);
  return { width, height };
}
