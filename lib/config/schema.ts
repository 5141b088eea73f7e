/**
 * The config file's shape, in one place: every key with its type, range, default and one-line
 * help. The file loader, `PUT /api/config`, the settings page (lib/config/fields.ts) and
 * docs/configuration.md (lib/config/docs.ts) all read it.
 *
 * Why zod 4: strict objects name unknown keys, `.meta()` carries the help and the default, and
 * `z.toJSONSchema()` turns the whole shape into data the docs and the page walk.
 *
 * Keys are optional here and defaults live in `.meta({default})`: a camera's `detector`,
 * `record` and `objects` are merged key by key over the top level's, so parsing must not fill
 * in defaults that would hide the top level's value. `defaultsOf()` reads them back.
 */
import { z } from "zod";
import { CAMERA_ID } from "../protocol.ts";
import { LABELS } from "../objects/labels.ts";
import { ConfigError, dottedPath } from "./errors.ts";

// --- building blocks: each carries its own message (the path is put in front later) ---------

/** A number in [min, max]; `whole` for integers. */
function number(min: number, max: number, whole = false) {
  const what = whole ? "a whole number" : "a number";
  const type = `must be ${what} between ${min} and ${max}`;
  const range = whole ? type : `must be between ${min} and ${max}`;
  const n = z.number({ error: type });
  return (whole ? n.int({ error: type }) : n).min(min, { error: range }).max(max, {
    error: range,
  });
}

/** A number above `min` (exclusive) and at most `max`. */
function above(min: number, max: number) {
  const msg = `must be a number above ${min} and at most ${max}`;
  return z.number({ error: msg }).gt(min, { error: msg }).max(max, { error: msg });
}

function text(msg = "must be a non-empty string", max = 4096) {
  return z.string({ error: msg }).min(1, { error: msg }).max(max, { error: msg });
}

function bool() {
  return z.boolean({ error: "must be true or false" });
}

/** One of `options`; the message repeats the bad value (never a secret's). */
function oneOf<const T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, {
    error: (iss) => `${shortValue(iss.input)} is not one of ${options.join(", ")}`,
  });
}

function shortValue(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  return `"${s.slice(0, 40)}"`;
}

/**
 * A strict object: an unknown key is an error naming it (with a "did you mean" when one is
 * close). `what` is the message when the value is not an object at all.
 */
function obj<S extends z.ZodRawShape>(shape: S, what: string, noun = "setting") {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== "unrecognized_keys") return what;
      const key = String(iss.keys[0]);
      const near = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
      return `unknown ${noun} "${key.slice(0, 60)}"` +
        (near ? ` (did you mean "${near}"?)` : ` (known: ${known.join(", ")})`);
    },
  });
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

/** An optional key with its help and (when it has one) its default. */
function key<T extends z.ZodType>(schema: T, help: string, def?: z.output<T>, extra = {}) {
  return schema.optional().meta({
    description: help,
    ...(def === undefined ? {} : { default: def }),
    ...extra,
  });
}

/** The defaults of a shape made with `key()`. */
export function defaultsOf(shape: z.ZodRawShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const meta = z.globalRegistry.get(schema as z.ZodType);
    if (meta && "default" in meta) out[name] = structuredClone(meta.default);
  }
  return out;
}

// --- detector (lib/motion) -----------------------------------------------------------------

const POINT = "must be a point [x, y] of two numbers";
const point = z.tuple([z.number({ error: POINT }), z.number({ error: POINT })], { error: POINT });
const polygon = z.array(point, {
  error: "must be a list of at least 3 points [x, y] in camera pixels",
}).min(3, { error: "must be a list of at least 3 points [x, y] in camera pixels" })
  .max(1000, { error: "must have at most 1000 points" });

const zone = obj({
  name: text("must be a non-empty string of at most 64 characters", 64).meta({
    description: "The zone's name, reported with the motion that touches it (unique).",
  }),
  polygon: polygon.meta({ description: "At least 3 points [x, y] in camera pixels." }),
}, 'must be an object {"name": "...", "polygon": [[x, y], ...]}');

const zones = z.array(zone, {
  error: 'must be a list such as [{"name": "door", "polygon": [[0, 0], [100, 0], [100, 50]]}]',
}).max(32, { error: "at most 32 zones are supported" }).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((z, i) => {
    if (seen.has(z.name)) {
      ctx.addIssue({
        code: "custom",
        path: [i, "name"],
        message: `"${z.name}" is used twice`,
        input: z.name,
      });
    }
    seen.add(z.name);
  });
});

export const detectorShape = {
  width: key(
    number(0, 8192, true),
    "Width of the frames the detector analyses, in pixels (the height keeps the aspect); 0 = the camera's own width; never upscales.",
    320,
    {
      details:
        "Width of the frames the detector analyses, in pixels; the height keeps the camera's aspect (both even). `0` = the camera's own width. Never wider than the camera. ffmpeg scales with `scale=W:H:flags=area,format=gray`. 320 suits a Raspberry Pi; boxes are always reported in camera pixels.",
    },
  ),
  blur: key(
    number(0, 4, true),
    "Passes of a 3×3 Gaussian blur before differencing; 0 = none.",
    1,
    {
      details:
        "Passes of a 3×3 Gaussian (1-2-1) blur before differencing; `0` = none, `2` ≈ a 5×5 Gaussian. Blur removes pixel noise and JPEG artefacts.",
    },
  ),
  learningRate: key(
    number(0, 1),
    "How fast the background follows still parts of the scene: the fraction of the difference taken each frame.",
    0.02,
    {
      details:
        "How fast the background follows the scene where nothing moves: the fraction of the difference it takes in each frame (0.02 ≈ 50 frames, 3 s at 15 fps). Higher forgets moved furniture and shadows sooner, lower keeps slow movers visible longer.",
    },
  ),
  foregroundLearningRate: key(
    number(0, 1),
    "The same where motion is seen: how fast an object that stopped becomes background.",
    0.002,
    {
      details:
        "The same where motion is seen: how fast an object that stopped (a parked car) becomes background (0.002 ≈ 500 frames, 33 s at 15 fps).",
    },
  ),
  absorbFrames: key(
    number(0, 30000, true),
    "Foreground unchanged for this many frames (a parked car, a ghost) is learnt into the background; 0 = never.",
    100,
    {
      details:
        "Foreground that has not changed for this many frames (a parked car, a box put down, a ghost left where something stood when Vigil started or the lights switched) is learnt into the background within about 20 more frames (100 ≈ 7 s at 15 fps). A person standing still that long is absorbed too, and shows again when they move. `0` = only `foregroundLearningRate`.",
    },
  ),
  noiseFactor: key(
    number(0.5, 20),
    "A pixel moves when it differs from the background by more than this many times the noise level.",
    3,
    {
      details:
        "A pixel moves when it differs from its background by more than `noiseFactor` × the noise level. The noise level is estimated automatically every frame (median difference of still pixels), and per pixel (a flickering leaf or screen learns a wider margin).",
    },
  ),
  minThreshold: key(
    number(1, 255),
    "The smallest difference in gray levels (0-255) that counts as motion, whatever the noise.",
    10,
    {
      details:
        "The smallest difference (gray levels, 0–255, after blur) that counts as motion, whatever the measured noise.",
    },
  ),
  normalize: key(
    bool(),
    "Compensate global brightness and contrast changes (auto-exposure, dimming) before differencing.",
    true,
    {
      details:
        "Contrast normalisation: each frame, fit frame ≈ gain × background + offset over the still pixels and re-map the background at once, so auto-exposure, dimming, clouds and lights switched on (anything that changes the whole picture alike) are not motion, while an object moving during the change still is.",
    },
  ),
  despeckle: key(
    z.string({ error: "must be a string of up to 16 letters E, e (erode) and D, d (dilate)" })
      .regex(/^[EeDd]{0,16}$/, {
        error: 'must be a string of up to 16 letters E, e (erode) and D, d (dilate), such as "eDe"',
      }),
    'Clean-up of the motion mask, left to right: e/E erode (cross/3×3), d/D dilate; "" = none.',
    "eDe",
    {
      details:
        'Clean-up of the motion mask, applied left to right: `e` erode (4-neighbour), `E` erode (3×3), `d` dilate (4-neighbour), `D` dilate (3×3). `eDe` removes single-pixel specks and closes small gaps. `""` = none.',
    },
  ),
  minArea: key(
    number(0, 100),
    "Smallest moving blob kept, in percent of the frame area.",
    0.03,
    {
      details:
        "Smallest moving blob kept, in percent of the frame area (0.03% ≈ 23 pixels at 320×240, a person of 10×25 pixels at 640×480 is 0.08%).",
    },
  ),
  maxArea: key(
    number(0, 100),
    "Largest box reported, in percent of the frame area (100 = no limit).",
    100,
    {
      details:
        "Largest box reported, in percent of the frame area; bigger boxes are dropped (`100` = no limit).",
    },
  ),
  mergeDistance: key(
    number(0, 100),
    "Boxes closer than this, in percent of the frame width, merge into one.",
    1.5,
    {
      details:
        "Boxes closer than this, in percent of the frame width, merge into one (a person's legs and body are one box).",
    },
  ),
  lightswitch: key(
    number(0, 100),
    "A sudden change over more than this percent of the frame is a scene change (lights, IR), not motion; 0 = off.",
    30,
    { details: "See below. `0` = off." },
  ),
  minFrames: key(
    number(1, 1000, true),
    "Consecutive motion frames needed to start a motion event.",
    2,
    {
      details:
        "Consecutive motion frames needed to start a motion event (one flickering frame does not start one).",
    },
  ),
  eventGapMs: key(
    number(0, 86_400_000),
    "A motion event ends after this many milliseconds without motion.",
    5000,
    { details: "A motion event ends once this many milliseconds pass without motion." },
  ),
  maxEventMs: key(
    number(0, 86_400_000),
    "An event longer than this many milliseconds is split into several; 0 = no limit.",
    600_000,
    {
      details:
        "An event longer than this is closed and motion goes on in a new event (10 min; a tree in the wind or rain is then several events that retention can delete one by one). `0` = no limit.",
    },
  ),
  masks: key(
    z.array(polygon, {
      error: "must be a list of polygons such as [[[0, 0], [100, 0], [100, 50]]]",
    }).max(100, { error: "at most 100 masks are supported" }),
    "Polygons (lists of [x, y] in camera pixels) whose pixels are ignored.",
    [],
    {
      details:
        "Polygons whose pixels are ignored (a busy road, a tree, a TV), each a list of at least three `[x, y]` points in the camera's pixels.",
    },
  ),
  zones: key(
    zones,
    'Named polygons {"name", "polygon"} in camera pixels (at most 32); motion touching one reports its name.',
    [],
    {
      details:
        'Named polygons, `{"name": "door", "polygon": [[x, y], …]}` in camera pixels (at most 32). Motion is still reported anywhere outside masks; each motion frame says which zones it touched (`FrameResult.zones`).',
    },
  ),
};
export const detectorSchema = obj(
  detectorShape,
  'must be a JSON object such as {"minArea": 0.05}',
  "detector setting",
);

// --- recording (lib/record) ----------------------------------------------------------------

export const RECORD_MODES = ["events", "continuous", "off"] as const;
export const RECORD_PRESETS = [
  "ultrafast",
  "superfast",
  "veryfast",
  "faster",
  "fast",
  "medium",
] as const;

export const recordShape = {
  mode: key(
    oneOf(RECORD_MODES),
    "events: keep video around motion events; continuous: keep everything; off: record nothing.",
    "events",
  ),
  preCapture: key(number(0, 300), "Seconds of video kept before an event's first motion.", 5),
  postCapture: key(number(0, 300), "Seconds of video kept after an event's last motion.", 5),
  retainDays: key(number(0.001, 3650), "Recordings older than this many days are deleted.", 7),
  segmentSeconds: key(number(1, 60), "Length of one segment file in seconds.", 4),
  width: key(
    number(16, 8192, true),
    "Encoded recordings only (non-H.264 sources): output width (set height too); unset = the source's.",
  ),
  height: key(
    number(16, 8192, true),
    "Encoded recordings only: output height (set width too); unset = the source's.",
  ),
  fps: key(number(1, 120), "Encoded recordings only: frame rate; unset = the source's."),
  keyframeSeconds: key(
    number(0.2, 10),
    "Encoded recordings only: a keyframe at least this often (seconds); clips are cut at keyframes.",
    1,
  ),
  crf: key(
    number(0, 51, true),
    "Encoded recordings only: x264 quality (lower = better and bigger).",
    28,
  ),
  preset: key(oneOf(RECORD_PRESETS), "Encoded recordings only: x264 preset.", "veryfast"),
};
export const recordSchema = obj(
  recordShape,
  'must be an object such as {"mode": "events"}',
  "recording setting",
);

// --- object labels (lib/objects) -----------------------------------------------------------

const label = z.enum(LABELS as [string, ...string[]], {
  error: (iss) => `${shortValue(iss.input)} is not one of ${LABELS.join(", ")}`,
});
const minScoreShape = Object.fromEntries(
  LABELS.map((l) => [l, key(number(0, 1), `Lowest score (0-1) for a ${l} to count.`)]),
) as Record<string, ReturnType<typeof scoreKey>>;
function scoreKey() {
  return key(number(0, 1), "");
}

export const objectsShape = {
  enabled: key(bool(), "Classify what moves (person, vehicle, animal) at all.", true),
  fps: key(above(0, 30), "At most this many crops classified per camera per second.", 2),
  minScore: key(
    obj(minScoreShape, 'must be an object like {"person": 0.6}', "label"),
    "Lowest score (0-1) for an object of each label to count; vehicle applies to every vehicle.",
    { person: 0.5, vehicle: 0.5, dog: 0.5, cat: 0.5, bird: 0.5 },
  ),
  alertOn: key(
    z.array(label, { error: `must be a list of labels (${LABELS.join(", ")})` }),
    "Labels that make an alert; empty: any motion alerts.",
    [],
  ),
};
export const objectsSchema = obj(objectsShape, 'must be an object like {"enabled": true}', "key");
export const topObjectsSchema = obj(
  {
    ...objectsShape,
    model: key(
      text("must be the path of a TensorFlow.js model.json"),
      "Another object model's model.json (top level only; default: the bundled NanoDet).",
    ),
  },
  'must be an object like {"enabled": true, "fps": 2}',
  "key",
);

// --- cameras -------------------------------------------------------------------------------

export const CAPTURE_KEYS = [
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
] as const;

const captureShape = {
  inputFormat: key(
    z.string({ error: 'must be a name such as "mjpeg" or "auto"' }).regex(/^[a-z0-9_]{1,32}$/, {
      error: 'must be a name such as "mjpeg" or "auto"',
    }),
    'V4L2 input format ("mjpeg", "yuyv422", …); "auto": MJPEG when the camera offers it.',
    "auto",
  ),
  passthrough: key(
    z.union([z.boolean(), z.literal("auto")], { error: 'must be true, false or "auto"' }),
    'Copy the camera\'s own packets for display: JPEGs pass through, H.264 and the like are decoded only for the frames someone needs; false: ffmpeg decodes every frame for display; "auto": on for MJPEG, RTSP and file sources.',
    "auto",
  ),
  jpegQuality: key(
    number(2, 31, true),
    "JPEG quality when re-encoding (ffmpeg -q:v: 2 best … 31 worst).",
    5,
  ),
  stallTimeoutMs: key(
    number(100, 3_600_000, true),
    "A running camera with no frame for this long (ms) is restarted.",
    5000,
  ),
  startTimeoutMs: key(
    number(100, 3_600_000, true),
    "A starting camera with no frame for this long (ms) is restarted.",
    15000,
  ),
  restartDelayMs: key(
    number(0, 3_600_000, true),
    "First restart delay (ms); doubles for each failure in a row.",
    500,
  ),
  restartMaxDelayMs: key(number(0, 3_600_000, true), "Largest restart delay (ms).", 30000),
  timeoutMs: key(number(100, 3_600_000, true), "RTSP/HTTP socket timeout (ms).", 10000),
  rtspTransport: key(
    oneOf(["tcp", "udp"]),
    "RTSP transport; unset: TCP, switching to UDP when the server offers no TCP.",
  ),
  inputArgs: key(
    z.array(z.string({ error: "must be a list of strings" }), {
      error: "must be a list of strings",
    }).max(64, { error: "must have at most 64 items" }),
    "Extra ffmpeg input options (placed before -i), for what the options above do not cover.",
  ),
};

export const cameraShape = {
  id: key(
    z.string({ error: "must be 1-32 characters of a-z, 0-9, _ and -" }).regex(CAMERA_ID, {
      error: "must be 1-32 characters of a-z, 0-9, _ and -",
    }),
    "Short name in URLs and the API: 1-32 characters of a-z, 0-9, _ and -; default cam1, cam2, …",
  ),
  name: key(
    text("must be a string of at most 100 characters", 100),
    "Display name; default the id.",
  ),
  source: text('must be a string such as "demo", "/dev/video0" or "rtsp://…"').meta({
    description:
      'Where frames come from: "demo", /dev/videoN, rtsp://…, http(s)://… or a video file.',
  }),
  width: key(
    number(16, 8192, true),
    "Wanted capture width (set height too); unset: the source's own.",
  ),
  height: key(
    number(16, 8192, true),
    "Wanted capture height (set width too); unset: the source's own.",
  ),
  fps: key(number(1, 120, true), "Wanted frame rate; unset: the source's own."),
  detector: key(detectorSchema, "This camera's detector settings, over the top-level detector."),
  objects: key(objectsSchema, "This camera's object settings, over the top-level objects."),
  record: key(recordSchema, "This camera's recording settings, over the top-level record."),
  ...captureShape,
};
export const cameraSchema = obj(cameraShape, "must be an object");

// --- notifications (lib/notify) ------------------------------------------------------------

export const WEBHOOK_EVENTS = ["start", "end", "offline", "online"] as const;
export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const TOPIC_PREFIX = /^[A-Za-z0-9_\-/]{1,64}$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

const mqttShape = {
  url: text("must be a URL such as mqtt://broker:1883").superRefine((v, ctx) => {
    const u = parseUrl(v);
    if (!u) ctx.addIssue({ code: "custom", message: "must be a URL such as mqtt://broker:1883" });
    else if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(u.protocol)) {
      ctx.addIssue({
        code: "custom",
        message: "must start with mqtt://, mqtts://, ws:// or wss://",
      });
    } else if (u.username || u.password) {
      ctx.addIssue({
        code: "custom",
        message: "must not hold the login: use mqtt.username and mqtt.password",
      });
    }
  }).meta({ description: "The broker: mqtt://host:1883, mqtts://host:8883, ws:// or wss://." }),
  username: key(text(), "Login name at the broker."),
  password: key(text(), "Password at the broker (never shown).", undefined, { secret: true }),
  topicPrefix: key(
    text("must be 1-64 characters of A-Z a-z 0-9 _ - / (no + or #)", 64).regex(TOPIC_PREFIX, {
      error: "must be 1-64 characters of A-Z a-z 0-9 _ - / (no + or #)",
    }).refine((v) => !v.startsWith("/") && !v.endsWith("/"), {
      error: "must not start or end with /",
    }),
    "P in the topics P/CAMERA/motion, P/armed, …",
    "vigil",
  ),
  homeAssistant: key(bool(), "Publish Home Assistant discovery configs.", true),
  discoveryPrefix: key(
    text("must be 1-64 characters of A-Z a-z 0-9 _ - /", 64).regex(TOPIC_PREFIX, {
      error: "must be 1-64 characters of A-Z a-z 0-9 _ - /",
    }),
    "Home Assistant's discovery prefix.",
    "homeassistant",
  ),
};
export const mqttSchema = obj(mqttShape, 'must be an object like {"url": "mqtt://broker:1883"}');

const cameraIdList = z.array(text(), { error: 'must be a list of camera ids, e.g. ["door"]' });

const webhookShape = {
  url: text("must be an http:// or https:// URL").superRefine((v, ctx) => {
    const u = parseUrl(v);
    if (!u || (u.protocol !== "http:" && u.protocol !== "https:")) {
      ctx.addIssue({ code: "custom", message: "must be an http:// or https:// URL" });
    } else if (u.username || u.password) {
      ctx.addIssue({
        code: "custom",
        message: "must not hold a login (user:password@): put a token in the path or use secret",
      });
    }
  }).meta({ description: "Where notices are POSTed (http:// or https://)." }),
  events: key(
    z.array(oneOf(WEBHOOK_EVENTS), {
      error: `must be a list of events (${WEBHOOK_EVENTS.join(", ")})`,
    }),
    "Which notices it gets.",
    [...WEBHOOK_EVENTS],
  ),
  cameras: key(cameraIdList, "Only these cameras' notices; unset: every camera."),
  secret: key(
    text(),
    "HMAC-SHA256 key for the X-Vigil-Signature header (never shown); unset: no signature.",
    undefined,
    { secret: true },
  ),
  timeoutMs: key(number(100, 120_000, true), "One attempt's time limit (ms).", 5000),
  retries: key(number(0, 20, true), "Attempts after the first, waiting longer each time.", 5),
  retryDelayMs: key(
    number(1, 600_000, true),
    "Wait before the first retry (ms); doubles each time.",
    1000,
  ),
  maxQueue: key(
    number(1, 10_000, true),
    "Most notices waiting; past it the oldest is dropped.",
    50,
  ),
};
export const webhookSchema = obj(webhookShape, 'must be an object with a "url"');

const day = z.string({ error: `must be one of ${DAYS.join(", ")}` }).refine(
  (d) => (DAYS as readonly string[]).includes(d.toLowerCase()),
  { error: (iss) => `${shortValue(iss.input)} is not one of ${DAYS.join(", ")}` },
);
const clock = z.string({ error: 'must be a time of day like "22:00"' }).regex(CLOCK, {
  error: 'must be a time of day like "22:00"',
});

const windowSchema = obj({
  days: key(
    z.array(day, { error: 'must be a list of days, e.g. ["sat", "sun"]' }),
    "Days the window starts on; unset: every day.",
    [...DAYS],
  ),
  from: clock.meta({ description: 'Start of the window, "HH:MM".' }),
  to: clock.meta({ description: 'End of the window, "HH:MM" (past midnight when before from).' }),
}, 'must be an object like {"from": "22:00", "to": "06:00"}').superRefine((w, ctx) => {
  if (w.from === w.to) {
    ctx.addIssue({
      code: "custom",
      path: ["to"],
      message: "from and to are the same time (leave schedule out for always)",
    });
  }
});

const ruleShape = {
  cameras: key(cameraIdList, "Only these cameras; unset: every camera."),
  zones: key(
    z.array(text(), { error: 'must be a list of zone names, e.g. ["door"]' }),
    "Only motion in these zones; unset: anywhere.",
  ),
  labels: key(
    z.array(label, { error: `must be a list of labels (${LABELS.join(", ")})` }),
    "Only events with one of these object labels; unset: any.",
  ),
  schedule: key(
    z.array(windowSchema, {
      error: 'must be a list like [{"from": "22:00", "to": "06:00"}]',
    }),
    "Only in these time windows; unset: always.",
  ),
  cooldownSeconds: key(
    number(0, 86_400, true),
    "After a notified event of a camera, its next events are not notified for this long.",
    60,
  ),
};

const pushShape = {
  enabled: key(bool(), "Web Push notifications on.", true),
  subject: key(
    text("must start with mailto: or https://").regex(/^(mailto:|https:\/\/)/, {
      error: "must start with mailto: or https://",
    }),
    "The VAPID contact (mailto: or https:) push services may use.",
    "mailto:vigil@localhost",
  ),
  allowHttp: key(
    bool(),
    "Accept http:// push endpoints (tests with a local push service only).",
    false,
  ),
};

const notifyShape = {
  armed: key(bool(), "Armed at the first start (later the switch on the page decides).", true),
  offlineSeconds: key(
    number(0, 86_400, true),
    "A camera not running for this long is a notice; 0 = never.",
    60,
  ),
  timeZone: key(
    text().refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, { error: (iss) => `${shortValue(iss.input)} is not a time zone (e.g. Europe/Berlin)` }),
    "IANA time zone of the schedules; unset: the server's.",
  ),
  rules: key(
    z.array(obj(ruleShape, "must be an object"), { error: "must be a list of rules" }),
    "When a motion event is notified; unset: one rule, every camera, 60 s cooldown.",
  ),
  push: key(obj(pushShape, "must be an object"), "Web Push."),
};
export const notifySchema = obj(notifyShape, 'must be an object like {"rules": [...]}');

// --- the whole file ------------------------------------------------------------------------

const HOST_NAME = /^(\[[0-9a-f:.]+\]|[0-9a-z.:_-]{1,253}|\*)$/i;
const ALLOWED_HOSTS = 'must be a list of host names, e.g. ["vigil.example.com", "pi.lan"]';

export const fileShape = {
  port: key(
    number(0, 65535, true),
    "HTTP port (0 = pick a free one); --port / PORT win.",
    8000,
  ),
  host: key(text(), "Address to bind; --host / HOST win.", "0.0.0.0"),
  data: key(
    text(),
    "Folder of the motion frames, recordings and the SQLite index; --data / VIGIL_DATA win.",
    "./frames",
  ),
  tlsCert: key(text(), "Serve HTTPS with this certificate (PEM file); --tls-cert wins."),
  tlsKey: key(text(), "… and this private key (PEM file); --tls-key wins."),
  cameras: key(
    z.array(cameraSchema, {
      error: 'must be a non-empty list, e.g. [{"id": "door", "source": "demo"}] ' +
        "(leave it out for one camera from --source)",
    }).min(1, {
      error: 'must be a non-empty list, e.g. [{"id": "door", "source": "demo"}] ' +
        "(leave it out for one camera from --source)",
    }).max(64, { error: "at most 64 cameras are supported" }),
    "The cameras; unset: one camera from --source (else /dev/video0 or the demo).",
  ),
  retention: key(
    obj({
      maxAgeDays: key(above(0, 36500), "Events older than this many days are deleted.", 30),
      maxDiskMB: key(
        above(0, 1e9),
        "When the stored frames exceed this many MB, the oldest events are deleted first.",
        2048,
      ),
    }, 'must be an object like {"maxAgeDays": 30}'),
    "How long motion events are kept.",
  ),
  detector: key(detectorSchema, "Motion detector settings for every camera."),
  allowedHosts: key(
    z.array(
      z.string({ error: "must be a host name such as vigil.example.com" }).regex(HOST_NAME, {
        error: (iss) => `${shortValue(iss.input)} is not a host name such as vigil.example.com`,
      }),
      {
        error: ALLOWED_HOSTS,
      },
    ),
    'Host names Vigil answers to besides its addresses, localhost and the machine\'s name; ["*"] = any.',
    [],
    {
      details:
        'Host names (case-insensitive, no port) Vigil answers to besides IP addresses, `localhost`/`*.localhost`, the machine\'s host name (also without its domain and with `.local`) and `--host`: e.g. `["vigil.example.com", "pi.lan"]` for a reverse proxy\'s or a router\'s name. Other `Host`s get `421` (DNS rebinding). `["*"]` turns the check off.',
    },
  ),
  record: key(recordSchema, "Video recording for every camera."),
  mqtt: key(
    mqttSchema.nullable(),
    "MQTT broker for events and Home Assistant; unset or null: none.",
  ),
  webhooks: key(
    z.array(webhookSchema, {
      error: 'must be a list like [{"url": "https://…", "secret": "…"}]',
    }).max(32, { error: "at most 32 webhooks are supported" }),
    "HTTP POSTs of motion and camera notices.",
    [],
  ),
  objects: key(topObjectsSchema, "Object labels (person, vehicle, animal) for every camera."),
  notify: key(notifySchema, "Notification rules, the armed switch and Web Push."),
};
export const fileSchema = obj(fileShape, "the configuration must be a JSON object");

/** The config file as written (every key optional). */
export type ConfigFile = z.output<typeof fileSchema>;
export type CameraFile = z.output<typeof cameraSchema>;
export type DetectorFile = z.output<typeof detectorSchema>;
export type RecordFile = z.output<typeof recordSchema>;
export type ObjectsFile = z.output<typeof topObjectsSchema>;
export type MqttFile = z.output<typeof mqttSchema>;
export type WebhookFile = z.output<typeof webhookSchema>;
export type NotifyFile = z.output<typeof notifySchema>;

/** Every key of a file section, defaults filled in. */
export type Full<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
export type DetectorSettings = Full<DetectorFile>;

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = deepFreeze(
  defaultsOf(detectorShape) as DetectorSettings,
);
export const DEFAULT_RECORD_SETTINGS = deepFreeze(
  defaultsOf(recordShape) as Omit<Full<RecordFile>, "width" | "height" | "fps">,
);
export const DEFAULT_OBJECTS_SETTINGS = deepFreeze(
  defaultsOf(objectsShape) as Full<z.output<typeof objectsSchema>>,
);

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// --- errors --------------------------------------------------------------------------------

/** The first issue as a ConfigError whose message starts with the dotted path. */
export function issueError(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly (string | number)[] = [],
): ConfigError {
  const issue = issues[0];
  const path = [...prefix, ...issue.path.map((p) => typeof p === "symbol" ? String(p) : p)];
  if (issue.code === "unrecognized_keys") path.push(String(issue.keys[0]));
  const where = dottedPath(path);
  return new ConfigError(
    where ? `${where}: ${oneLine(issue.message)}` : oneLine(issue.message),
    path,
  );
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").slice(0, 400);
}

/**
 * Checks `value` against `schema`; throws ConfigError (path starting with `prefix`) for the
 * first problem.
 */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw issueError(result.error.issues, prefix);
  return result.data;
}

/**
 * Checks one section of the file on its own (lib/motion, lib/record, lib/objects): throws
 * TypeError (wrong type, unknown key) or RangeError (out of range, a rule) with the message
 * and `path` of {@link issueError}.
 */
export function checkPlain<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const { message, path } = issueError(result.error.issues, prefix);
  const typeProblem = ["invalid_type", "unrecognized_keys", "invalid_union"].includes(issue.code);
  const err = typeProblem ? new TypeError(message) : new RangeError(message);
  throw Object.assign(err, { path });
}

/**
 * The whole file checked, with the rules between keys: camera ids unique, both or neither of
 * width and height, webhook and rule cameras exist. Throws ConfigError.
 */
export function checkFile(json: unknown): ConfigFile {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError("the configuration must be a JSON object", []);
  }
  const file = check(fileSchema, json);
  const ids: string[] = [];
  (file.cameras ?? []).forEach((cam, i) => {
    const id = cam.id ?? `cam${i + 1}`;
    if (ids.includes(id)) {
      throw new ConfigError(`cameras[${i}].id: camera id "${id}" is used twice`, [
        "cameras",
        i,
        "id",
      ]);
    }
    ids.push(id);
    if ((cam.width === undefined) !== (cam.height === undefined)) {
      const missing = cam.width === undefined ? "width" : "height";
      throw new ConfigError(
        `cameras[${i}].${missing}: set both width and height, or neither`,
        ["cameras", i, missing],
      );
    }
  });
  return file;
}

/** Camera ids a file's webhooks and rules may name (the file's, or the one from --source). */
export function checkCameraRefs(file: ConfigFile, cameraIds: string[]): void {
  const unknown = (list: string[] | undefined, path: (string | number)[]) => {
    const i = (list ?? []).findIndex((c) => !cameraIds.includes(c));
    if (i < 0) return;
    throw new ConfigError(
      `${dottedPath([...path, i])}: no camera has the id "${list![i].slice(0, 40)}"`,
      [...path, i],
    );
  };
  (file.webhooks ?? []).forEach((w, i) => unknown(w.cameras, ["webhooks", i, "cameras"]));
  (file.notify?.rules ?? []).forEach((r, i) =>
    unknown(r.cameras, ["notify", "rules", i, "cameras"])
  );
}
