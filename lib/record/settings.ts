/**
 * Recording settings: `"record": {...}` at the top of the config file (every camera) and in a
 * camera (overrides the top level, key by key).
 */

export type RecordMode = "events" | "continuous" | "off";

export interface RecordSettings {
  /** `events`: keep only segments overlapping an event ± pre/post capture; `continuous`: keep all; `off`: record nothing. */
  mode: RecordMode;
  /** Seconds of video kept before an event's first motion frame. */
  preCapture: number;
  /** Seconds of video kept after an event's last motion frame. */
  postCapture: number;
  /** Recordings older than this many days are deleted (both modes). */
  retainDays: number;
  /** Length of one segment file in seconds (cut at the next keyframe). */
  segmentSeconds: number;
  /** Encoded recordings only (non-H.264 sources): output size (both or neither) and frame rate. */
  width?: number;
  height?: number;
  fps?: number;
  /** Encoded recordings only: a keyframe at least this often (seconds); clips are cut at keyframes. */
  keyframeSeconds: number;
  /** Encoded recordings only: x264 constant rate factor (lower = better and bigger). */
  crf: number;
  /** Encoded recordings only: x264 preset. */
  preset: "ultrafast" | "superfast" | "veryfast" | "faster" | "fast" | "medium";
}

export const DEFAULT_RECORD_SETTINGS: Readonly<RecordSettings> = Object.freeze({
  mode: "events",
  preCapture: 5,
  postCapture: 5,
  retainDays: 7,
  segmentSeconds: 4,
  keyframeSeconds: 1,
  crf: 28,
  preset: "veryfast",
});

const MODES = ["events", "continuous", "off"];
const PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"];
const KEYS: Record<string, (v: unknown, where: string) => unknown> = {
  mode: (v, w) => oneOf(v, w, MODES),
  preCapture: (v, w) => num(v, w, 0, 300),
  postCapture: (v, w) => num(v, w, 0, 300),
  retainDays: (v, w) => num(v, w, 0.001, 3650),
  segmentSeconds: (v, w) => num(v, w, 1, 60),
  width: (v, w) => int(v, w, 16, 8192),
  height: (v, w) => int(v, w, 16, 8192),
  fps: (v, w) => num(v, w, 1, 120),
  keyframeSeconds: (v, w) => num(v, w, 0.2, 10),
  crf: (v, w) => int(v, w, 0, 51),
  preset: (v, w) => oneOf(v, w, PRESETS),
};

function oneOf(v: unknown, where: string, allowed: string[]): string {
  if (typeof v !== "string" || !allowed.includes(v)) {
    throw new RangeError(`${where} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return v;
}

function num(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new RangeError(`${where} must be a number from ${min} to ${max}`);
  }
  return v;
}

function int(v: unknown, where: string, min: number, max: number): number {
  if (!Number.isInteger(v)) throw new RangeError(`${where} must be a whole number`);
  return num(v, where, min, max);
}

/**
 * Validates one raw `"record"` object (as found at `where`) merged over `base`.
 * Throws RangeError/TypeError naming the key and what is allowed.
 */
export function parseRecordSettings(
  raw: unknown,
  base: Readonly<RecordSettings> = DEFAULT_RECORD_SETTINGS,
  where = "record",
): RecordSettings {
  if (raw === undefined) return { ...base };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new TypeError(`${where} must be an object such as {"mode": "events"}`);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(raw)) {
    const check = KEYS[key];
    if (!check) {
      throw new RangeError(
        `${where}.${key} is not a recording setting (known: ${Object.keys(KEYS).join(", ")})`,
      );
    }
    out[key] = check(value, `${where}.${key}`);
  }
  const s = out as unknown as RecordSettings;
  if ((s.width === undefined) !== (s.height === undefined)) {
    throw new RangeError(`${where}: set both width and height, or neither`);
  }
  if (s.width !== undefined && (s.width % 2 || s.height! % 2)) {
    throw new RangeError(`${where}: width and height must be even (H.264 4:2:0)`);
  }
  return s;
}
