import { join } from "node:path";
import { parseArgs } from "node:util";
import type { DetectorSettings } from "../motion/mod.ts";
import type { ConnectionLimits } from "../net/mod.ts";
import { DEFAULT_OBJECT_SETTINGS, parseObjectSettings } from "../objects/settings.ts";
import type { ObjectSettings } from "../objects/settings.ts";
import { parseRecordSettings } from "../record/settings.ts";
import type { RecordSettings } from "../record/settings.ts";
import { ConfigError } from "./errors.ts";
import { parseNotifySettings } from "./notify.ts";
import type { NotifySettings } from "./notify.ts";
import { CAPTURE_KEYS, checkFile, DEFAULT_DETECTOR_SETTINGS } from "./schema.ts";
import type { CameraFile, ConfigFile } from "./schema.ts";

export type { ConnectionLimits };
export { ConfigError };

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
 * options, which win. The whole file is checked against the schema (lib/config/schema.ts),
 * even the keys a flag overrides: a broken file is an error. Throws ConfigError naming the
 * first bad key (message `cameras[1].detector.minArea: …`, and its `path`).
 * A settings change (PUT /api/config) goes through here too.
 */
export function resolveConfig(json: unknown, startup: StartupOptions): VigilConfig {
  const file = checkFile(json);
  const port = startup.port === undefined ? file.port ?? 8000 : parsePort(startup.port);
  const host = startup.host ?? file.host ?? "0.0.0.0";
  if (host === "") throw new ConfigError("--host must be an address such as 0.0.0.0, not empty");
  const data = startup.data ?? file.data ?? "./frames";
  if (data === "") throw new ConfigError("--data must be a folder, not empty");
  const tlsCert = startup.tlsCert ?? file.tlsCert;
  const tlsKey = startup.tlsKey ?? file.tlsKey;

  let cameras: CameraConfig[];
  if (startup.source !== undefined) {
    if (startup.source === "") throw new ConfigError("--source must name a source, not empty");
    // A source on the command line replaces the file's cameras with one camera,
    // which still takes the file's detector settings (and the first camera's own).
    const first = file.cameras?.[0];
    cameras = [
      camera({ ...first, id: "cam1", name: "Camera", source: startup.source }, file, 0),
    ];
  } else if (file.cameras !== undefined) {
    cameras = file.cameras.map((raw, i) => camera(raw, file, i));
  } else {
    cameras = [camera({ id: "cam1", name: "Camera", source: startup.defaultSource }, file, 0)];
  }

  return {
    port,
    host,
    data,
    tlsCert,
    tlsKey,
    cameras,
    retention: {
      maxAgeDays: file.retention?.maxAgeDays ?? 30,
      maxDiskMB: file.retention?.maxDiskMB ?? 2048,
    },
    allowedHosts: file.allowedHosts?.map((h) => h.toLowerCase()),
    connections: startup.connections,
    objectModel: file.objects?.model,
    notifications: parseNotifySettings(file, cameras.map((c) => c.id)),
    file: structuredClone(json) as Record<string, unknown>,
    startup,
    overrides: OVERRIDDEN_BY.filter(([, key]) => startup[key] !== undefined)
      .map(([path, , by]) => ({ path, by })),
  };
}

/** One camera of the checked file, its detector, objects and recording merged over the top level's. */
function camera(raw: CameraFile, file: ConfigFile, index: number): CameraConfig {
  const id = raw.id ?? `cam${index + 1}`;
  const capture: Record<string, unknown> = {};
  for (const key of CAPTURE_KEYS) {
    if (raw[key] !== undefined) capture[key] = raw[key];
  }
  const detector: DetectorSettings = structuredClone({
    ...DEFAULT_DETECTOR_SETTINGS,
    ...file.detector,
    ...raw.detector,
  });
  return {
    id,
    name: raw.name ?? id,
    source: raw.source,
    width: raw.width,
    height: raw.height,
    fps: raw.fps,
    capture,
    detector,
    objects: fileError(() => {
      const top = parseObjectSettings(file.objects, DEFAULT_OBJECT_SETTINGS, true, ["objects"]);
      return parseObjectSettings(raw.objects, top.settings, false, ["cameras", index, "objects"])
        .settings;
    }),
    record: fileError(() => {
      const top = parseRecordSettings(file.record, undefined, "record");
      return parseRecordSettings(raw.record, top, `cameras[${index}].record`);
    }),
  };
}

/** A section's TypeError/RangeError (with a `path`) as a ConfigError. */
function fileError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const path = (err as { path?: unknown }).path;
    if (Array.isArray(path)) throw new ConfigError((err as Error).message, path);
    throw err;
  }
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

function readConfigFile(path: string, deps: LoadDeps): unknown {
  let text;
  try {
    text = deps.readTextFile(path);
  } catch (err) {
    throw new ConfigError(
      `Cannot read config file ${path}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `Config file ${path} is not valid JSON: ${(err as Error).message}`,
      [],
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`, []);
  }
  return json;
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
