/**
 * Recording settings: `"record": {...}` at the top of the config file (every camera) and in a
 * camera (overrides the top level, key by key). Keys, ranges and defaults are in the config
 * schema (lib/config/schema.ts).
 */
import {
  checkPlain,
  DEFAULT_RECORD_SETTINGS as SCHEMA_DEFAULTS,
  recordSchema,
} from "../config/schema.ts";
import type { Full, RecordFile } from "../config/schema.ts";

export type RecordMode = NonNullable<RecordFile["mode"]>;

/** Every recording setting; `width`, `height` and `fps` stay unset for the source's own. */
export type RecordSettings =
  & Omit<Full<RecordFile>, "width" | "height" | "fps">
  & Pick<RecordFile, "width" | "height" | "fps">;

export const DEFAULT_RECORD_SETTINGS: Readonly<RecordSettings> = SCHEMA_DEFAULTS;

/**
 * Validates one raw `"record"` object (as found at `where`, e.g. `cameras[0].record`) merged
 * over `base`. Throws RangeError/TypeError whose message starts with the key's path.
 */
export function parseRecordSettings(
  raw: unknown,
  base: Readonly<RecordSettings> = DEFAULT_RECORD_SETTINGS,
  where = "record",
): RecordSettings {
  if (raw === undefined) return { ...base };
  const path = pathOf(where);
  const s: RecordSettings = { ...base, ...checkPlain(recordSchema, raw, path) };
  if ((s.width === undefined) !== (s.height === undefined)) {
    const missing = s.width === undefined ? "width" : "height";
    throw Object.assign(
      new RangeError(`${where}.${missing}: set both width and height, or neither`),
      {
        path: [...path, missing],
      },
    );
  }
  if (s.width !== undefined && (s.width % 2 || s.height! % 2)) {
    const odd = s.width % 2 ? "width" : "height";
    throw Object.assign(
      new RangeError(`${where}.${odd}: width and height must be even (H.264 4:2:0)`),
      {
        path: [...path, odd],
      },
    );
  }
  return s;
}

/** `cameras[0].record` → `["cameras", 0, "record"]`. */
function pathOf(dotted: string): (string | number)[] {
  return [...dotted.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : m[1]
  );
}
