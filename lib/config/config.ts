import { join } from "node:path";
import { parseArgs } from "node:util";
import { detectorSettingsFromConfig } from "../motion/mod.ts";
import { CAMERA_ID } from "../protocol.ts";
import type { DetectorSettings } from "../motion/mod.ts";
import type { ConnectionLimits } from "../net/mod.ts";
import { DEFAULT_OBJECT_SETTINGS, parseObjectSettings } from "../objects/settings.ts";
import type { ObjectSettings } from "../objects/settings.ts";
import { NotifyConfigError, parseNotifySettings } from "./notify.ts";
import type { NotifySettings } from "./notify.ts";

export type { ConnectionLimits };
import { parseRecordSettings } from "../record/settings.ts";
import type { RecordSettings } from "../record/settings.ts";

/** One camera as configured: where frames come from and how motion is found in them. */
export interface CameraConfig {
  id: string;
  name: string;
  source: string;
  /** Wanted capture size and rate; undefined lets the source decide (demo: 640x480 at 15 fps). */
  width?: number;
  height?: number;
  fps?: number;
  /** Extra capture settings from the config file, handed to lib/capture as they are. */
  capture: Record<string, unknown>;
  detector: DetectorSettings;
  /** Object labels (`"objects"`: the top level's, merged with the camera's own). */
  objects?: ObjectSettings;
  /** Video recording (lib/record): the file's top-level `record` merged with the camera's. */
  record?: RecordSettings;
}

export interface RetentionConfig {
  /** Events older than this are deleted. */
  maxAgeDays: number;
  /** When the stored frames exceed this, the oldest events are deleted first. */
  maxDiskMB: number;
}

export interface VigilConfig {
  port: number;
  host: string;
  data: string;
  tlsCert?: string;
  tlsKey?: string;
  cameras: CameraConfig[];
  retention: RetentionConfig;
  /**
   * Extra host names (or addresses) the server answers to, besides localhost, its own
   * addresses and the machine's name (a request with any other `Host` gets 421).
   */
  allowedHosts?: string[];
  /** From VIGIL_MAX_CONNECTIONS, VIGIL_MAX_CONNECTIONS_PER_ADDRESS, VIGIL_HEADER_TIMEOUT_MS, VIGIL_IDLE_TIMEOUT_MS. */
  connections?: ConnectionLimits;
  /** `objects.model` at the top level: another object model's `.json` (default: NanoDet). */
  objectModel?: string;
  /** `mqtt`, `webhooks` and `notify` (lib/config/notify.ts); absent: none, default rules. */
  notifications?: NotifySettings;
  /** The config file's JSON as given (before flags and defaults): what GET /api/config shows. */
  file: Record<string, unknown>;
  /** The flags and environment variables, kept to resolve a changed file again. */
  startup: StartupOptions;
  /** File settings that a flag or variable overrides. */
  overrides: Override[];
}

/** A bad flag, environment variable or config file: the message says what to fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
  /**
   * The bad key's path in the config file, e.g. `["cameras", 0, "detector", "minArea"]`
   * (empty for the whole file; undefined when it is not the file's fault: a flag, a variable).
   */
  path?: (string | number)[];
  constructor(message: string, path?: (string | number)[]) {
    super(message);
    this.path = path;
  }
}

export const USAGE = `Usage: deno task start [-- FLAGS]

  --port N          HTTP port (0 = pick a free one)            env PORT, default 8000
  --host H          address to bind                            env HOST, default 0.0.0.0
  --data DIR        motion frames and the SQLite index         env VIGIL_DATA, default ./frames
  --source SPEC     demo, /dev/videoN, rtsp://…, http(s)://…, or a video file
                                                               env VIGIL_SOURCE, default /dev/video0 if present, else demo
  --config FILE     JSON file: several cameras, detector settings, retention
                                                               env VIGIL_CONFIG
  --tls-cert FILE   serve HTTPS with this certificate (PEM)    env VIGIL_TLS_CERT
  --tls-key FILE    … and this private key (PEM)               env VIGIL_TLS_KEY
  --help            this text

  VIGIL_ADMIN_PASSWORD  password of the first user 'admin' (else one is generated and printed once)
`;

/**
 * The config file's top-level keys. `record`, `mqtt` and `webhooks` are the contract's
 * (CONTRACT.md), read by their own modules.
 */
const FILE_KEYS = [
  "port",
  "host",
  "data",
  "tlsCert",
  "tlsKey",
  "cameras",
  "retention",
  "detector",
  "allowedHosts",
  "record",
  "mqtt",
  "webhooks",
  "objects",
  "notify",
];
const RETENTION_KEYS = ["maxAgeDays", "maxDiskMB"];
const CAMERA_KEYS = new Set([
  "id",
  "name",
  "source",
  "width",
  "height",
  "fps",
  "detector",
  "objects",
  "record",
]);
/** Capture settings a camera may set in the file (lib/capture checks their values). */
const CAPTURE_KEYS = new Set([
  "inputFormat",
  "passthrough",
  "jpegQuality",
  "stallTimeoutMs",
  "startTimeoutMs",
  "restartDelayMs",
  "restartMaxDelayMs",
  "timeoutMs",
  "rtspTransport",
  "inputArgs",
]);

export interface LoadDeps {
  readTextFile(path: string): string;
  exists(path: string): boolean;
}

const realDeps: LoadDeps = {
  readTextFile: (path) => Deno.readTextFileSync(path),
  exists: (path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  },
};

/**
 * What the command line and the environment decide, once, at start: they win over the file,
 * and a settings change (PUT /api/config) is resolved against them again.
 */
export interface StartupOptions {
  port?: string;
  host?: string;
  data?: string;
  /** One camera from --source / VIGIL_SOURCE replaces the file's cameras. */
  source?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** The file settings are read from and written to: --config, else DATA/vigil.json. */
  configPath: string;
  /** True when --config / VIGIL_CONFIG named the file (it must exist then). */
  configGiven: boolean;
  connections: ConnectionLimits;
  /** The fallback camera's source when neither the flags nor the file name one. */
  defaultSource: string;
}

/** A setting of the file that a flag or an environment variable overrides. */
export interface Override {
  /** The file's key, e.g. "port" or "cameras". */
  path: string;
  /** What overrides it, e.g. "--port" or "VIGIL_SOURCE". */
  by: string;
}

/**
 * Builds the configuration from command-line flags, then environment variables, then the
 * config file, then defaults (first found wins). Returns `"help"` for `--help`.
 * Throws ConfigError with a message for the user.
 */
export function loadConfig(
  args: string[],
  env: Record<string, string | undefined>,
  deps: LoadDeps = realDeps,
): VigilConfig | "help" {
  const startup = startupOptions(args, env, deps);
  if (startup === "help") return "help";
  const file = startup.configGiven || deps.exists(startup.configPath)
    ? readConfigFile(startup.configPath, deps)
    : {};
  return resolveConfig(file, startup);
}

/** The flags and environment variables (the first of the two found wins). */
export function startupOptions(
  args: string[],
  env: Record<string, string | undefined>,
  deps: LoadDeps = realDeps,
): StartupOptions | "help" {
  // `deno task start -- --port 1` hands the "--" on; it only separates Deno's flags from ours.
  if (args[0] === "--") args = args.slice(1);
  let flags;
  try {
    flags = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        data: { type: "string" },
        source: { type: "string" },
        config: { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (flags.help) return "help";
  const given = flags.config ?? env.VIGIL_CONFIG;
  const data = flags.data ?? env.VIGIL_DATA;
  return {
    port: flags.port ?? env.PORT,
    host: flags.host ?? env.HOST,
    data,
    source: flags.source ?? env.VIGIL_SOURCE,
    tlsCert: flags["tls-cert"] ?? env.VIGIL_TLS_CERT,
    tlsKey: flags["tls-key"] ?? env.VIGIL_TLS_KEY,
    configPath: given ?? join(data ?? "./frames", "vigil.json"),
    configGiven: given !== undefined,
    connections: parseConnectionLimits(env),
    defaultSource: deps.exists("/dev/video0") ? "/dev/video0" : "demo",
  };
}

/** The file's keys that a flag (or its environment variable) replaces. */
const OVERRIDDEN_BY: [path: string, key: keyof StartupOptions, by: string][] = [
  ["port", "port", "--port / PORT"],
  ["host", "host", "--host / HOST"],
  ["data", "data", "--data / VIGIL_DATA"],
  ["cameras", "source", "--source / VIGIL_SOURCE"],
  ["tlsCert", "tlsCert", "--tls-cert / VIGIL_TLS_CERT"],
  ["tlsKey", "tlsKey", "--tls-key / VIGIL_TLS_KEY"],
];

/**
 * The effective configuration from a config file's JSON (already parsed) and the start-up
 * options, which win. Throws ConfigError naming the bad key (and its `path`).
 * A settings change (PUT /api/config) goes through here too.
 */
export function resolveConfig(json: unknown, startup: StartupOptions): VigilConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError("the configuration must be a JSON object", []);
  }
  checkKeys(json as Json, FILE_KEYS, "");
  const file = json as Json;
  const port = parsePort(startup.port ?? file.port ?? 8000);
  // The file's values are checked even when a flag overrides them: a broken file is an error.
  const fileHost = fileString(file.host, "host");
  const fileData = fileString(file.data, "data");
  const host = startup.host ?? fileHost ?? "0.0.0.0";
  if (host === "") throw new ConfigError("--host must be an address such as 0.0.0.0, not empty");
  const data = startup.data ?? fileData ?? "./frames";
  if (data === "") throw new ConfigError("--data must be a folder, not empty");
  const tlsCert = startup.tlsCert ?? optionalString(file.tlsCert, "tlsCert");
  const tlsKey = startup.tlsKey ?? optionalString(file.tlsKey, "tlsKey");

  if (
    file.cameras !== undefined && (!Array.isArray(file.cameras) || file.cameras.length === 0)
  ) {
    throw new ConfigError(
      'cameras must be a non-empty list, e.g. [{"id": "door", "source": "demo"}] ' +
        "(leave it out for one camera from --source)",
      ["cameras"],
    );
  }
  const source = startup.source;
  let cameras: CameraConfig[];
  if (source !== undefined) {
    // A source on the command line replaces the file's cameras with one camera,
    // which still takes the file's detector settings.
    cameras = [
      parseCamera(
        { ...firstCamera(file), id: "cam1", name: "Camera", source },
        file,
        0,
      ),
    ];
  } else if (file.cameras !== undefined) {
    cameras = file.cameras.map((raw: unknown, i: number) => parseCamera(raw, file, i));
  } else {
    cameras = [
      parseCamera({ id: "cam1", name: "Camera", source: startup.defaultSource }, file, 0),
    ];
  }
  const ids = new Set<string>();
  cameras.forEach((cam, i) => {
    if (ids.has(cam.id)) {
      throw new ConfigError(`camera id "${cam.id}" is used twice`, ["cameras", i, "id"]);
    }
    ids.add(cam.id);
  });

  const retention = file.retention ?? {};
  if (typeof retention !== "object" || retention === null || Array.isArray(retention)) {
    throw new ConfigError('retention must be an object like {"maxAgeDays": 30}', ["retention"]);
  }
  checkKeys(retention, RETENTION_KEYS, "retention.");
  return {
    port,
    host,
    data,
    tlsCert,
    tlsKey,
    cameras,
    retention: {
      maxAgeDays: positiveNumber(
        retention.maxAgeDays ?? 30,
        "retention.maxAgeDays",
      ),
      maxDiskMB: positiveNumber(
        retention.maxDiskMB ?? 2048,
        "retention.maxDiskMB",
      ),
    },
    allowedHosts: parseAllowedHosts(file.allowedHosts),
    connections: startup.connections,
    objectModel: parseObjectsConfig(file, undefined, "").model,
    notifications: notifySettings(file, cameras),
    file: structuredClone(file),
    startup,
    overrides: OVERRIDDEN_BY.filter(([, key]) => startup[key] !== undefined)
      .map(([path, , by]) => ({ path, by })),
  };
}

/** The file's `mqtt`, `webhooks` and `notify` keys (lib/config/notify.ts checks them). */
function notifySettings(file: Json, cameras: CameraConfig[]): NotifySettings {
  try {
    return parseNotifySettings(file, cameras.map((c) => c.id));
  } catch (err) {
    if (err instanceof NotifyConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

/** Throws ConfigError naming the first key of `obj` that is not in `known`. */
function checkKeys(obj: Record<string, unknown>, known: string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    throw new ConfigError(
      `unknown setting "${prefix}${key.slice(0, 60)}" in the config file` +
        (near ? ` (did you mean "${prefix}${near}"?)` : ` (known: ${known.join(", ")})`),
      [...prefix.split(".").filter(Boolean), key],
    );
  }
}

/** Levenshtein distance, for "did you mean" (short strings only). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** A string setting of the file, or undefined when absent; anything else is a ConfigError. */
function fileString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(`${name} in the config file must be a non-empty string`);
  }
  return value;
}

const HOST_NAME = /^(\[[0-9a-f:.]+\]|[0-9a-z.:_-]{1,253})$/i;

function parseAllowedHosts(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every((h) => typeof h === "string" && HOST_NAME.test(h))
  ) {
    throw new ConfigError(
      'allowedHosts must be a list of host names, e.g. ["vigil.example.com", "pi.lan"]',
    );
  }
  return value.map((h: string) => h.toLowerCase());
}

const LIMIT_ENV: [keyof ConnectionLimits, string, number, number][] = [
  ["maxConnections", "VIGIL_MAX_CONNECTIONS", 1, 100_000],
  ["maxPerAddress", "VIGIL_MAX_CONNECTIONS_PER_ADDRESS", 1, 100_000],
  ["headerTimeoutMs", "VIGIL_HEADER_TIMEOUT_MS", 100, 3_600_000],
  ["idleTimeoutMs", "VIGIL_IDLE_TIMEOUT_MS", 100, 86_400_000],
];

function parseConnectionLimits(env: Record<string, string | undefined>): ConnectionLimits {
  const out: ConnectionLimits = {};
  for (const [key, name, min, max] of LIMIT_ENV) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
    }
    out[key] = n;
  }
  return out;
}

// deno-lint-ignore no-explicit-any
type Json = any;

function readConfigFile(path: string, deps: LoadDeps): Json {
  let text;
  try {
    text = deps.readTextFile(path);
  } catch (err) {
    throw new ConfigError(
      `Cannot read config file ${path}: ${(err as Error).message}`,
    );
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `Config file ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`);
  }
  return json;
}

function firstCamera(file: Json): Json {
  const cam = Array.isArray(file.cameras) ? file.cameras[0] : undefined;
  return typeof cam === "object" && cam !== null ? cam : {};
}

function parseCamera(raw: Json, file: Json, index: number): CameraConfig {
  const where = `cameras[${index}]`;
  if (typeof raw !== "object" || raw === null) {
    throw new ConfigError(`${where} must be an object`);
  }
  const id = String(raw.id ?? `cam${index + 1}`);
  if (!CAMERA_ID.test(id)) {
    throw new ConfigError(
      `${where}.id "${id}" must be 1-32 characters of a-z, 0-9, _ and -`,
    );
  }
  if (typeof raw.source !== "string" || raw.source === "") {
    throw new ConfigError(
      `${where}.source must be a string such as "demo" or "/dev/video0"`,
    );
  }
  const capture: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (CAPTURE_KEYS.has(key)) capture[key] = value;
    else if (!CAMERA_KEYS.has(key)) {
      throw new ConfigError(
        `${where}.${key} is not a camera setting (known: ${
          [...CAMERA_KEYS, ...CAPTURE_KEYS].join(", ")
        })`,
      );
    }
  }
  // The detector reads its settings from the same file shape, so both merge alike.
  const withThisCamera = { ...file, cameras: [raw] };
  let detector: DetectorSettings;
  try {
    detector = detectorSettingsFromConfig(withThisCamera, 0);
  } catch (err) {
    throw new ConfigError(`${where}.detector: ${(err as Error).message}`);
  }
  return {
    id,
    name: typeof raw.name === "string" && raw.name ? raw.name : id,
    source: raw.source,
    width: optionalInt(raw.width, `${where}.width`, 16, 8192),
    height: optionalInt(raw.height, `${where}.height`, 16, 8192),
    fps: optionalInt(raw.fps, `${where}.fps`, 1, 120),
    capture,
    detector,
    objects: parseObjectsConfig(file, raw.objects, `${where}.`).settings,
    record: recordSettingsFor(file, raw, where),
  };
}

/** Recording settings of one camera: defaults, then the file's top-level `record`, then the camera's. */
function recordSettingsFor(file: Json, raw: Json, where: string): RecordSettings {
  try {
    const top = parseRecordSettings(file.record, undefined, "record");
    return parseRecordSettings(raw.record, top, `${where}.record`);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/**
 * `"objects"` at the top level (every camera; `model` only there) merged with a camera's own
 * (`camera`, undefined for the top level alone). Throws ConfigError naming the bad key.
 */
function parseObjectsConfig(
  file: Json,
  camera: unknown,
  where: string,
): { settings: ObjectSettings; model?: string } {
  let top;
  try {
    top = parseObjectSettings(file.objects, DEFAULT_OBJECT_SETTINGS, true);
  } catch (err) {
    throw new ConfigError(`objects: ${(err as Error).message}`);
  }
  if (camera === undefined) return top;
  try {
    return { settings: parseObjectSettings(camera, top.settings).settings, model: top.model };
  } catch (err) {
    throw new ConfigError(`${where}objects: ${(err as Error).message}`);
  }
}

function parsePort(value: unknown): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `--port must be a whole number from 0 to 65535, not "${value}"`,
    );
  }
  return port;
}

function optionalInt(
  value: unknown,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (
    !Number.isInteger(value) || (value as number) < min ||
    (value as number) > max
  ) {
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}`,
    );
  }
  return value as number;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new ConfigError(`${name} must be a string`);
  }
  return value;
}

function positiveNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || !(value > 0)) {
    throw new ConfigError(`${name} must be a number above 0`);
  }
  return value;
}
