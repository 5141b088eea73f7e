/**
 * The settings page's model, without any DOM: paths into the config file's JSON, immutable
 * edits of the draft, values typed into fields, and the polygon editor's geometry (camera
 * pixels). Shared by islands/Settings.tsx and its components; tested in settings_model_test.ts.
 */
import type { FieldDoc } from "../lib/config/fields.ts";

/** A key's place in the config file: `["cameras", 0, "detector", "minArea"]`. */
export type Path = (string | number)[];
/** The config file's JSON (any shape the schema accepts). */
export type FileJson = Record<string, unknown>;
export type Point = [number, number];

/** `cameras[0].detector.minArea`: how the server names a path in its messages. */
export function pathText(path: Path): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`).join("");
}

/**
 * The path a server message starts with (`cameras[1].detector.minArea: must be …`), for an
 * answer without a `path`; null when the message does not start with one.
 */
export function pathFromMessage(message: string): Path | null {
  const m = message.match(/^([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*)*):\s/);
  if (!m) return null;
  return [...m[1].matchAll(/\[(\d+)\]|\.?([A-Za-z_$][\w$]*)/g)]
    .map((x) => x[1] !== undefined ? Number(x[1]) : x[2]);
}

/** The value at `path`, or undefined when some step is missing. */
export function getAt(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const step of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/**
 * A copy of `obj` with `value` at `path` (objects and lists on the way are copied, the rest is
 * shared). `undefined` removes the key (and an object it leaves empty): the setting falls back
 * to its default.
 */
export function setAt<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [step, ...rest] = path;
  const base = (typeof obj === "object" && obj !== null)
    ? obj as Record<string | number, unknown>
    : (typeof step === "number" ? [] : {}) as Record<string | number, unknown>;
  const copy = (Array.isArray(base) ? [...base] : { ...base }) as Record<string | number, unknown>;
  let next = setAt(base[step], rest, value);
  // removing the last key of an object removes the object too: `{}` and absent mean the same
  if (value === undefined && rest.length > 0 && isEmptyObject(next)) next = undefined;
  if (next === undefined && !Array.isArray(copy)) delete copy[step];
  else copy[step] = next;
  return copy as T;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** Whether the server's error `path` names this field or something inside it. */
export function pathWithin(errorPath: Path | null | undefined, field: Path): boolean {
  if (!errorPath || errorPath.length < field.length) return false;
  return field.every((step, i) => String(step) === String(errorPath[i]));
}

/** The scalar settings documented under `prefix.` (one level deep), in the docs' order. */
export function scalarDocs(docs: readonly FieldDoc[], prefix: string): FieldDoc[] {
  return docs.filter((d) => {
    if (!d.path.startsWith(prefix)) return false;
    const rest = d.path.slice(prefix.length);
    return rest !== "" && !/[.[]/.test(rest) && isScalar(d);
  });
}

/** Settings a plain field can edit (lists and objects have their own editors, or none yet). */
export function isScalar(doc: FieldDoc): boolean {
  return doc.type !== "array" && doc.type !== "object";
}

/** The key a field edits: the last step of its documented path. */
export function docKey(doc: FieldDoc): string {
  return doc.path.slice(doc.path.lastIndexOf(".") + 1);
}

/**
 * What a typed value becomes in the file: empty → removed (the default applies); a number
 * field's text → the number when it is one, else the text as typed, so the server's message
 * says what is wrong with it instead of the page dropping it.
 */
export function parseTyped(text: string, doc: Pick<FieldDoc, "type">): unknown {
  if (text.trim() === "") return undefined;
  if (doc.type === "number" || doc.type === "integer") {
    const n = Number(text.trim());
    return Number.isFinite(n) ? n : text;
  }
  if (doc.type === "boolean") return text === "true" ? true : text === "false" ? false : text;
  return text;
}

/** A value as a field shows it. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// ---- zones and masks ----

/** One polygon of the editor: a named zone or a mask, in camera pixels. */
export interface Shape {
  kind: "zone" | "mask";
  name: string;
  points: Point[];
}

/** The editor's shapes from a `detector` object: zones first, then masks. */
export function shapesOf(detector: unknown): Shape[] {
  const d = (typeof detector === "object" && detector !== null ? detector : {}) as {
    zones?: unknown;
    masks?: unknown;
  };
  const zones = Array.isArray(d.zones) ? d.zones : [];
  const masks = Array.isArray(d.masks) ? d.masks : [];
  return [
    ...zones.map((z) => ({
      kind: "zone" as const,
      name: typeof z?.name === "string" ? z.name : "",
      points: pointsOf(z?.polygon),
    })),
    ...masks.map((m) => ({ kind: "mask" as const, name: "", points: pointsOf(m) })),
  ];
}

function pointsOf(raw: unknown): Point[] {
  return Array.isArray(raw)
    ? raw.filter((p) => Array.isArray(p) && p.length === 2).map((p) => [p[0], p[1]] as Point)
    : [];
}

/**
 * `detector` with its `zones` and `masks` from `shapes` (empty lists are left out, so an
 * untouched camera keeps the shared ones).
 */
export function withShapes(detector: unknown, shapes: readonly Shape[]): FileJson {
  const out: FileJson = { ...(typeof detector === "object" && detector ? detector : {}) };
  const zones = shapes.filter((s) => s.kind === "zone")
    .map((s) => ({ name: s.name, polygon: s.points.map((p) => [...p]) }));
  const masks = shapes.filter((s) => s.kind === "mask").map((s) => s.points.map((p) => [...p]));
  if (zones.length) out.zones = zones;
  else delete out.zones;
  if (masks.length) out.masks = masks;
  else delete out.masks;
  return out;
}

/** Where a shape lands in `shapesOf()`'s order after `withShapes()` (zones first). */
export function orderedIndex(shapes: readonly Shape[], index: number): number {
  const target = shapes[index];
  const ordered = [
    ...shapes.filter((s) => s.kind === "zone"),
    ...shapes.filter((s) => s.kind === "mask"),
  ];
  return ordered.indexOf(target);
}

/** A name for a new zone that no other zone has: zone 1, zone 2, … */
export function freshZoneName(shapes: readonly Shape[]): string {
  const used = new Set(shapes.filter((s) => s.kind === "zone").map((s) => s.name));
  for (let i = 1;; i++) if (!used.has(`zone ${i}`)) return `zone ${i}`;
}

/**
 * A pointer position on the displayed picture (client pixels, and the picture's client
 * rectangle) in camera pixels: scaled by the camera's size over the displayed size, rounded,
 * and kept inside the frame.
 */
export function toCameraPixels(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  camera: { width: number; height: number },
): Point {
  const x = (clientX - rect.left) * camera.width / rect.width;
  const y = (clientY - rect.top) * camera.height / rect.height;
  return [
    Math.round(Math.min(camera.width, Math.max(0, x))),
    Math.round(Math.min(camera.height, Math.max(0, y))),
  ];
}

/**
 * The points with `p` added: appended while the polygon has fewer than three points, else put
 * on the edge where it lengthens the outline least (a point clicked near an edge splits it).
 */
export function insertPoint(points: readonly Point[], p: Point): Point[] {
  if (points.length < 3) return [...points, p];
  let best = points.length;
  let bestCost = Infinity;
  for (let i = 0; i < points.length; i++) {
    const a = points[i], b = points[(i + 1) % points.length];
    const cost = Math.hypot(p[0] - a[0], p[1] - a[1]) + Math.hypot(b[0] - p[0], b[1] - p[1]) -
      Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (cost < bestCost) {
      bestCost = cost;
      best = i + 1;
    }
  }
  return [...points.slice(0, best), p, ...points.slice(best)];
}

/** Whether `p` lies inside the polygon (even-odd rule). */
export function insidePolygon(points: readonly Point[], p: Point): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i], [xj, yj] = points[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

// ---- lists (webhooks, notification rules, hosts, ffmpeg options) ----

/** What the server sends instead of a secret (lib/config/secrets.ts SECRET_MASK). */
export const SECRET_MASK = "********";

/**
 * A choice list with `option` ticked or unticked, in `options`' order (values not among the
 * options are kept at the end, so nothing in the file is lost). Nothing ticked → undefined:
 * the key is left out and its default ("every camera", "any label") applies.
 */
export function toggleChoice(
  list: unknown,
  option: string,
  on: boolean,
  options: readonly string[],
): string[] | undefined {
  const current = Array.isArray(list) ? list.map(String) : [];
  const has = (o: string) => o === option ? on : current.some((c) => c.toLowerCase() === o);
  const next = [
    ...options.filter(has),
    ...current.filter((c) => !options.includes(c.toLowerCase()) && (on || c !== option)),
    ...(on && !options.includes(option) && !current.includes(option) ? [option] : []),
  ];
  return next.length ? next : undefined;
}

/** An `<input type="time">` value as the file keeps it ("HH:MM"); empty → undefined. */
export function clockFromInput(value: string): string | undefined {
  const m = value.match(/^(\d{2}):(\d{2})/);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/** The file's "HH:MM" for an `<input type="time">` (anything else shows empty). */
export function clockToInput(value: unknown): string {
  return typeof value === "string" && /^\d{2}:\d{2}$/.test(value) ? value : "";
}

/**
 * The first webhook whose secret is still the mask but can no longer be matched to the stored
 * one (the server keeps a masked secret only for a webhook with the same url): saved as is, the secret would become the mask itself. Its path, or null.
 */
export function orphanedSecret(draft: FileJson, saved: FileJson): Path | null {
  const now = Array.isArray(draft.webhooks) ? draft.webhooks as FileJson[] : [];
  const before = Array.isArray(saved.webhooks) ? saved.webhooks as FileJson[] : [];
  const i = now.findIndex((w) =>
    w?.secret === SECRET_MASK &&
    !before.some((b) => b?.secret === SECRET_MASK && b?.url === w.url)
  );
  return i < 0 ? null : ["webhooks", i, "secret"];
}
