/**
 * Every key of the config file as a flat list (path, type, help, default, range, options):
 * what the settings page shows next to each field. Read from the schema's JSON Schema, so it
 * never drifts from what the server accepts.
 */
import { z } from "zod";
import { fileSchema } from "./schema.ts";

export interface FieldDoc {
  /** `"detector.minArea"`, `"cameras[].source"`, `"record.mode"`. */
  path: string;
  type: "number" | "integer" | "boolean" | "string" | "enum" | "array" | "object";
  help: string;
  default?: unknown;
  min?: number;
  max?: number;
  options?: string[];
  secret?: boolean;
}

/** A JSON Schema node as z.toJSONSchema writes it (the parts read here). */
interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  properties?: Record<string, Node>;
  items?: Node;
  secret?: boolean;
  /** Longer text for docs/configuration.md (some detector keys). */
  details?: string;
}

/**
 * The camera's `detector`, `record` and `objects` take the same keys as the top level's
 * (listed there once); the camera's entry itself is kept.
 */
const SAME_AS_TOP = new Set(["cameras[].detector", "cameras[].record", "cameras[].objects"]);

/** A FieldDoc with what only the docs show: the long text, and whether `min` itself is excluded. */
type Documented = FieldDoc & { details?: string; minExclusive?: boolean };
let cached: Documented[] | undefined;

/** Every key, in the file's order, parents before their children. */
export function fieldDocs(): FieldDoc[] {
  return documentedFields().map(({ details: _, minExclusive: __, ...doc }) => doc);
}

/** The same with the long text docs/configuration.md shows (lib/config/docs.ts). */
export function documentedFields(): Documented[] {
  cached ??= walk(
    z.toJSONSchema(fileSchema, { io: "input", unrepresentable: "any" }) as Node,
    "",
    [],
  );
  return structuredClone(cached);
}

function walk(node: Node, path: string, out: Documented[]): Documented[] {
  for (const [name, raw] of Object.entries(node.properties ?? {})) {
    const child = path ? `${path}.${name}` : name;
    const field = nonNull(raw);
    out.push(doc(child, raw, field));
    if (SAME_AS_TOP.has(child)) continue;
    if (field.type === "object" && field.properties) walk(field, child, out);
    if (field.type === "array" && field.items?.type === "object" && field.items.properties) {
      walk(field.items, `${child}[]`, out);
    }
  }
  return out;
}

/** `mqtt` is an object or null: the object is what is documented. */
function nonNull(node: Node): Node {
  const notNull = node.anyOf?.filter((n) => n.type !== "null");
  if (notNull?.length === 1) {
    return { ...notNull[0], description: node.description, default: node.default };
  }
  return node;
}

function doc(path: string, raw: Node, node: Node): Documented {
  const out: Documented = { path, type: typeOf(node), help: raw.description ?? "" };
  if (raw.default !== undefined) out.default = raw.default;
  const min = node.minimum ?? node.exclusiveMinimum;
  const max = node.maximum ?? node.exclusiveMaximum;
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  const options = optionsOf(node);
  if (options) out.options = options;
  if (raw.secret === true) out.secret = true;
  if (raw.details) out.details = raw.details;
  if (node.minimum === undefined && node.exclusiveMinimum !== undefined) out.minExclusive = true;
  return out;
}

function typeOf(node: Node): FieldDoc["type"] {
  if (optionsOf(node)) return "enum";
  switch (node.type) {
    case "number":
    case "integer":
    case "boolean":
    case "string":
    case "array":
    case "object":
      return node.type;
  }
  return "string";
}

/** An enum's values as strings (`passthrough`: "true", "false", "auto"). */
function optionsOf(node: Node): string[] | undefined {
  if (node.enum) return node.enum.map(String);
  if (node.anyOf) {
    const values = node.anyOf.flatMap((n) =>
      n.type === "boolean" ? ["true", "false"] : n.const !== undefined ? [String(n.const)] : []
    );
    if (values.length) return values;
  }
  return undefined;
}
