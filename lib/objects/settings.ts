import type { z } from "zod";
import {
  checkPlain,
  DEFAULT_OBJECTS_SETTINGS,
  objectsSchema,
  topObjectsSchema,
} from "../config/schema.ts";

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
  ...DEFAULT_OBJECTS_SETTINGS,
  minScore: { ...DEFAULT_OBJECTS_SETTINGS.minScore } as Record<string, number>,
  alertOn: [...DEFAULT_OBJECTS_SETTINGS.alertOn],
};

/** The lowest score for `label` (a vehicle falls back to `vehicle`'s, then 0.5). */
export function minScoreFor(settings: ObjectSettings, label: string): number {
  return settings.minScore[label] ??
    (label !== "person" && ["car", "truck", "bus", "motorcycle", "bicycle"].includes(label)
      ? settings.minScore.vehicle
      : undefined) ??
    0.5;
}

/**
 * Validates a raw `"objects"` object merged over `base`. Throws TypeError/RangeError whose
 * message starts with the bad key's path after `where` (e.g. `["cameras", 0, "objects"]`).
 * `model` is allowed only where `allowModel` is set (the top level: one model serves every
 * camera) and returned apart.
 */
export function parseObjectSettings(
  raw: unknown,
  base: ObjectSettings = DEFAULT_OBJECT_SETTINGS,
  allowModel = false,
  where: (string | number)[] = [],
): { settings: ObjectSettings; model?: string } {
  const out: ObjectSettings = {
    ...base,
    minScore: { ...base.minScore },
    alertOn: [...base.alertOn],
  };
  if (raw === undefined) return { settings: out };
  const { model, ...r } = checkPlain(
    allowModel ? topObjectsSchema : objectsSchema,
    raw,
    where,
  ) as z.output<typeof topObjectsSchema>;
  if (r.enabled !== undefined) out.enabled = r.enabled;
  if (r.fps !== undefined) out.fps = r.fps;
  for (const [label, v] of Object.entries(r.minScore ?? {})) {
    if (v !== undefined) out.minScore[label] = v;
  }
  if (r.alertOn !== undefined) out.alertOn = [...new Set(r.alertOn)];
  return { settings: out, model };
}
