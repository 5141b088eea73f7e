/**
 * Secrets in the config file never leave the server: `maskSecrets` replaces them with
 * {@link SECRET_MASK} before the file is sent to a browser, and `unmaskSecrets` puts the stored
 * value back where the browser sent the mask unchanged.
 *
 * Secrets: `mqtt.password`, `webhooks[].secret`, and the password in a camera's source URL
 * (`rtsp://user:pass@host/…`).
 */

export const SECRET_MASK = "********";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `scheme://user:password@host…` split around the password; null when the source has none.
 * The password runs to the authority's last `@` (greedy), so one holding `@` is kept whole.
 */
function splitSourcePassword(
  source: string,
): { before: string; password: string; after: string } | null {
  const m = source.match(/^([a-z][a-z0-9+.-]*:\/\/[^/:@?#]*:)([^/?#]+)(@.*)$/is);
  return m ? { before: m[1], password: m[2], after: m[3] } : null;
}

/** A copy of `file` with every secret replaced by {@link SECRET_MASK}. */
export function maskSecrets<T>(file: T): T {
  const out = structuredClone(file);
  if (!isObject(out)) return out;
  if (isObject(out.mqtt) && out.mqtt.password !== undefined) out.mqtt.password = SECRET_MASK;
  if (Array.isArray(out.webhooks)) {
    for (const w of out.webhooks) {
      if (isObject(w) && w.secret !== undefined) w.secret = SECRET_MASK;
    }
  }
  if (Array.isArray(out.cameras)) {
    for (const cam of out.cameras) {
      if (!isObject(cam) || typeof cam.source !== "string") continue;
      const parts = splitSourcePassword(cam.source);
      if (parts) cam.source = parts.before + SECRET_MASK + parts.after;
    }
  }
  return out;
}

/**
 * A copy of `sent` (a file from the browser) where each secret sent as {@link SECRET_MASK}
 * takes the stored file's value: `mqtt.password`; a webhook's `secret` from the stored webhook
 * with the same url (the one at the same index first); a camera source's password when the stored camera with
 * the same `id` has the same source apart from it. A mask with nothing to restore stays as
 * it is (and is then a wrong password, not a leak).
 */
export function unmaskSecrets<T>(sent: T, stored: unknown): T {
  const out = structuredClone(sent);
  if (!isObject(out) || !isObject(stored)) return out;
  if (
    isObject(out.mqtt) && out.mqtt.password === SECRET_MASK && isObject(stored.mqtt) &&
    stored.mqtt.password !== undefined
  ) {
    out.mqtt.password = stored.mqtt.password;
  }
  if (Array.isArray(out.webhooks) && Array.isArray(stored.webhooks)) {
    const olds = stored.webhooks as unknown[];
    out.webhooks.forEach((w, i) => {
      if (!isObject(w) || w.secret !== SECRET_MASK) return;
      // the stored webhook at the same place, else the first with the same url (one above
      // was removed): a secret only ever goes back to the url it was set for
      const same = (o: unknown) => isObject(o) && o.url === w.url && o.secret !== undefined;
      const old = same(olds[i]) ? olds[i] : olds.find(same);
      if (isObject(old)) w.secret = old.secret;
    });
  }
  if (Array.isArray(out.cameras) && Array.isArray(stored.cameras)) {
    for (const cam of out.cameras) {
      if (!isObject(cam) || typeof cam.source !== "string") continue;
      const parts = splitSourcePassword(cam.source);
      if (!parts || parts.password !== SECRET_MASK) continue;
      const old = (stored.cameras as unknown[]).find((c) =>
        isObject(c) && c.id !== undefined && c.id === cam.id
      );
      if (!isObject(old) || typeof old.source !== "string") continue;
      const was = splitSourcePassword(old.source);
      if (was && was.before === parts.before && was.after === parts.after) {
        cam.source = was.before + was.password + was.after;
      }
    }
  }
  return out;
}
