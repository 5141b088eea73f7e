import { isLabel, LABELS } from "./labels.ts";

/** Object classification settings (`"objects"` in the config file, top level and per camera). */
export interface ObjectSettings {
  /** Classify motion at all (default true; a camera can turn it off). */
  enabled: boolean;
  /** At most this many crops classified per camera per second (default 2). */
  fps: number;
  /** Lowest score (0..1) for an object of each label to count; `vehicle` applies to every vehicle. */
  minScore: Record<string, number>;
  /** Labels that make an alert (the alarm page, the API's `alert`); empty: any motion alerts. */
  alertOn: string[];
}

export const DEFAULT_OBJECT_SETTINGS: ObjectSettings = {
  enabled: true,
  fps: 2,
  minScore: {
    person: 0.5,
    vehicle: 0.5,
    dog: 0.5,
    cat: 0.5,
    bird: 0.5,
  },
  alertOn: [],
};

const KEYS = ["enabled", "fps", "minScore", "alertOn"];

/** The lowest score for `label` (a vehicle falls back to `vehicle`'s, then 0.5). */
export function minScoreFor(settings: ObjectSettings, label: string): number {
  return settings.minScore[label] ??
    (label !== "person" && ["car", "truck", "bus", "motorcycle", "bicycle"].includes(label)
      ? settings.minScore.vehicle
      : undefined) ??
    0.5;
}

/**
 * Validates a raw `"objects"` object merged over `base`. Throws TypeError/RangeError naming the
 * bad key (the caller adds where it is). `model` is allowed only where `allowModel` is set (the
 * top level: one model serves every camera) and returned apart.
 */
export function parseObjectSettings(
  raw: unknown,
  base: ObjectSettings = DEFAULT_OBJECT_SETTINGS,
  allowModel = false,
): { settings: ObjectSettings; model?: string } {
  const out: ObjectSettings = {
    ...base,
    minScore: { ...base.minScore },
    alertOn: [...base.alertOn],
  };
  if (raw === undefined) return { settings: out };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new TypeError('must be an object like {"enabled": true, "fps": 2}');
  }
  const r = raw as Record<string, unknown>;
  let model: string | undefined;
  for (const key of Object.keys(r)) {
    if (key === "model" && allowModel) continue;
    if (!KEYS.includes(key)) {
      throw new TypeError(
        `unknown key "${key}" (known: ${[...KEYS, ...(allowModel ? ["model"] : [])].join(", ")})`,
      );
    }
  }
  if (r.model !== undefined) {
    if (typeof r.model !== "string" || r.model === "") {
      throw new TypeError("model must be the path of a TensorFlow.js model.json");
    }
    model = r.model;
  }
  if (r.enabled !== undefined) {
    if (typeof r.enabled !== "boolean") throw new TypeError("enabled must be true or false");
    out.enabled = r.enabled;
  }
  if (r.fps !== undefined) {
    if (typeof r.fps !== "number" || !(r.fps > 0 && r.fps <= 30)) {
      throw new RangeError(`fps must be a number above 0 and at most 30, got ${String(r.fps)}`);
    }
    out.fps = r.fps;
  }
  if (r.minScore !== undefined) {
    if (typeof r.minScore !== "object" || r.minScore === null || Array.isArray(r.minScore)) {
      throw new TypeError('minScore must be an object like {"person": 0.6}');
    }
    for (const [label, v] of Object.entries(r.minScore)) {
      if (!isLabel(label)) {
        throw new RangeError(`minScore: unknown label "${label}" (known: ${LABELS.join(", ")})`);
      }
      if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
        throw new RangeError(`minScore.${label} must be a number from 0 to 1, got ${String(v)}`);
      }
      out.minScore[label] = v;
    }
  }
  if (r.alertOn !== undefined) {
    if (!Array.isArray(r.alertOn) || !r.alertOn.every((l) => isLabel(l))) {
      throw new TypeError(`alertOn must be a list of labels (${LABELS.join(", ")})`);
    }
    out.alertOn = [...new Set(r.alertOn as string[])];
  }
  return { settings: out, model };
}
