/**
 * Reading HTML form posts strictly: only form content types, only text fields, each field at
 * most once and bounded in length. Failures are HTTPExceptions (400 / 415) with a clear message.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);
const MAX_FIELD = 4096;

function bad(status: 400 | 415, message: string): HTTPException {
  return new HTTPException(status, { message });
}

/**
 * The named fields of a form post. `required` fields must be present (may be empty only if
 * listed in `optional` instead); other fields are ignored. Put a bodyLimit before this.
 */
export async function readForm<R extends string, O extends string = never>(
  c: Context,
  required: readonly R[],
  optional: readonly O[] = [],
): Promise<Record<R, string> & Partial<Record<O, string>>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!FORM_TYPES.has(type)) {
    throw bad(
      415,
      "Expected a form post (application/x-www-form-urlencoded or multipart/form-data).",
    );
  }
  let entries: [string, FormDataEntryValue][];
  try {
    if (type === "multipart/form-data") {
      entries = [...(await c.req.raw.formData()).entries()];
    } else {
      entries = [...new URLSearchParams(await c.req.raw.text()).entries()];
    }
  } catch {
    throw bad(400, "The form could not be read: the request body is malformed.");
  }
  const wanted = new Set<string>([...required, ...optional]);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!wanted.has(name)) continue;
    if (typeof value !== "string") throw bad(400, `Field "${name}" must be text, not a file.`);
    if (name in out) throw bad(400, `Field "${name}" was sent more than once.`);
    if (value.length > MAX_FIELD) {
      throw bad(400, `Field "${name}" is too long (at most ${MAX_FIELD} characters).`);
    }
    out[name] = value;
  }
  for (const name of required) {
    if (!(name in out)) throw bad(400, `Field "${name}" is missing.`);
  }
  return out as Record<R, string> & Partial<Record<O, string>>;
}

/**
 * Parses an optional integer query/path parameter: undefined when absent, else an integer in
 * [min, max] or a 400 naming the parameter.
 */
export function intParam(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(raw)) {
    throw bad(400, `Parameter "${name}" must be a whole number from ${min} to ${max}.`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(400, `Parameter "${name}" must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** A 400 HTTPException whose message app.onError shows (page or `{"error"}` JSON). */
export function badRequest(message: string): HTTPException {
  return bad(400, message);
}
