import {
  checkPlain,
  DEFAULT_DETECTOR_SETTINGS as SCHEMA_DEFAULTS,
  detectorSchema,
} from "../config/schema.ts";
import type { DetectorFile } from "../config/schema.ts";

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
 * Every detector knob, inferred from the config schema (lib/config/schema.ts, where each key's
 * help, range and default are; docs/configuration.md lists them).
 */
export type DetectorSettings = { [K in keyof DetectorFile]-?: Exclude<DetectorFile[K], undefined> };

/** Defaults that work without tuning (measured in bench/detector.sh); from the schema. */
export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = SCHEMA_DEFAULTS;

/**
 * Validates a raw JSON object (a config file's `detector` section) merged over `base`
 * (default: {@link DEFAULT_DETECTOR_SETTINGS}). Missing keys keep the base's value.
 * Throws TypeError (wrong type, unknown key) or RangeError (out of range) whose message starts
 * with the key's path (`blur: must be a whole number between 0 and 4`), with a `path` array;
 * `where` is put in front of it (`["cameras", 0, "detector"]`).
 */
export function parseDetectorSettings(
  raw: unknown,
  base: DetectorSettings = DEFAULT_DETECTOR_SETTINGS,
  where: (string | number)[] = [],
): DetectorSettings {
  const out: DetectorSettings = { ...base, masks: [...base.masks], zones: [...base.zones] };
  if (raw === undefined || raw === null) return out;
  return { ...out, ...checkPlain(detectorSchema, raw, where) };
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
  const shared = parseDetectorSettings(file.detector, undefined, ["detector"]);
  const cameras = file.cameras;
  if (cameras === undefined) return shared;
  if (!Array.isArray(cameras)) throw new TypeError("cameras: must be a list of camera objects");
  const cam = cameras[cameraIndex];
  if (cam === undefined) return shared;
  if (typeof cam !== "object" || cam === null || Array.isArray(cam)) {
    throw new TypeError(`cameras[${cameraIndex}]: must be an object`);
  }
  return parseDetectorSettings((cam as Record<string, unknown>).detector, shared, [
    "cameras",
    cameraIndex,
    "detector",
  ]);
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
