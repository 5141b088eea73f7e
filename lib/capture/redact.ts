/**
 * Keeping camera credentials out of what Vigil shows and logs. One redaction, used everywhere:
 *
 * - `redactSource(text)`: every credential form in any text (a source URL, an ffmpeg stderr
 *   line, a log line) replaced by `***`: URL userinfo (`user:pass@`, a password holding `@` or
 *   `:`, percent-encoded or not), query and path parameters named like a credential
 *   (`?user=…&pwd=…`, `/user=admin_password=…`), their percent-encoded forms (`%3Fpwd%3D…`),
 *   and `Authorization:` header values.
 * - `publicSource(source)`: how a source is shown to viewers: `scheme://host[:port]/path`, no
 *   userinfo and no query, with any credential left in the path redacted.
 * - `forViewers(text)`: `redactSource`, then every URL in the text shortened as `publicSource`.
 */

/** Parameter names that carry credentials (compared case-insensitively, percent-decoded). */
const SECRET_NAME =
  /^(?:user|username|usr|login|pass|password|passwd|pwd|passphrase|token|access_token|auth|auth_token|authorization|key|api_key|apikey|secret|client_secret)$/i;

/** scheme://userinfo@ — greedy, so the userinfo runs to the last `@` before the path. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/'"<>]*@/gi;
/** scheme://user:pass@ where the password holds a `/` too: up to the last `@` of the word. */
const USERINFO_SLASH = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/'"<>@]*:[^\s'"<>]*@/gi;
/** The same, percent-encoded: scheme%3A%2F%2Fuserinfo%40. */
const USERINFO_ENCODED = /\b([a-z][a-z0-9+.-]*%3A%2F%2F)(?:(?!%2F)[^\s/'"<>])*%40/gi;
/** name=value after ?, &, ;, / or a space (or at the start). */
const PARAM = /(^|[?&;/\s_])([A-Za-z0-9_.%-]+)=((?:(?!_[A-Za-z0-9]+=)[^&;#/\s'"<>])*)/g;
/** name%3Dvalue after an encoded ? or & (%3F, %26). */
const PARAM_ENCODED = /(%3F|%26)([A-Za-z0-9_.-]+)%3D((?:(?!%26)[^\s&#'"<>])*)/gi;
const AUTH_HEADER = /\b(authorization\s*:\s*)[^\r\n]*/gi;

function decode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Every credential form in `text` replaced by `***` (see the module doc). */
export function redactSource(text: string): string {
  return text
    .replace(USERINFO_SLASH, "$1***@")
    .replace(USERINFO, "$1***@")
    .replace(USERINFO_ENCODED, "$1***%40")
    .replace(AUTH_HEADER, "$1***")
    .replace(
      PARAM_ENCODED,
      (m, sep: string, name: string) => SECRET_NAME.test(decode(name)) ? `${sep}${name}%3D***` : m,
    )
    .replace(PARAM, (m, sep: string, name: string) => {
      // "/user=admin_password=x" (path credentials), "session_key=…": the last word counts too
      const bare = decode(name).replace(/^.*_(?=[a-z]+$)/i, "");
      return SECRET_NAME.test(decode(name)) || SECRET_NAME.test(bare) ? `${sep}${name}=***` : m;
    });
}

/** A URL as viewers see it: `scheme://host[:port]/path`; other sources as they are. */
export function publicSource(source: string): string {
  const r = redactSource(source.trim()); // userinfo is "***@" from here on, whatever it held
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:\*\*\*@)?([^/?#\s]*)([^?#\s]*)/i.exec(r);
  return m ? `${m[1].toLowerCase()}://${m[2]}${m[3]}` : r;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/** Text shown to any signed-in viewer: credentials redacted, URLs cut to host and path. */
export function forViewers(text: string): string {
  return redactSource(text).replace(URL_IN_TEXT, (url) => {
    // keep a trailing ':' or ',' of the sentence ("rtsp://host/x: Connection refused")
    const tail = /[:,.;)]+$/.exec(url)?.[0] ?? "";
    return publicSource(url.slice(0, url.length - tail.length)) + tail;
  });
}
