/**
 * `GET /login`: the login form (plain HTML, works without JavaScript).
 * `POST /login`: form fields `username`, `password` (and `next`); success → 303 to `next` (a
 * same-site path only) with the session cookie; wrong credentials → 401; throttled → 429 with
 * Retry-After; too many logins being checked at once (server-wide) → 503 with Retry-After;
 * malformed → 400/413/415.
 */
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  bodyLimit,
  clientAddress,
  MAX_PASSWORD_LENGTH,
  sessionToken,
  setSessionCookie,
} from "../lib/auth/mod.ts";
import { badRequest, readForm } from "../lib/http/mod.ts";
import type { AppEnv, AuthRoutes } from "../lib/context.ts";
import { renderPage } from "../lib/web/mod.ts";
import { waitText } from "../components/format.ts";
import { ErrorLine } from "../components/AdminTable.tsx";

/** Largest login form accepted (bytes). */
export const LOGIN_BODY_LIMIT = 8 * 1024;

/**
 * `raw` when it is a same-site relative path ("/x…", not "//…" or "/\…", no control characters,
 * not the login/logout pages); otherwise "/".
 */
export function safeNext(raw: string | undefined | null): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return "/";
  if (raw[0] !== "/" || raw[1] === "/" || raw[1] === "\\") return "/";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return "/";
  try {
    const u = new URL(raw, "http://vigil.invalid");
    if (u.origin !== "http://vigil.invalid") return "/";
    if (u.pathname === "/login" || u.pathname === "/logout") return "/";
  } catch {
    return "/";
  }
  return raw;
}

/** The login card: logo, stacked fields, one primary button, the error inside the card. */
function LoginCard(props: { next: string; username?: string; error?: string }) {
  return (
    <section class="card login-card" aria-labelledby="login-title">
      <img class="login-logo" src="/static/icon.svg" alt="" width={48} height={48} />
      <h1 id="login-title">Log in to Vigil</h1>
      <ErrorLine text={props.error} />
      <form method="post" action="/login" class="form-stack">
        <input type="hidden" name="next" value={props.next} />
        <label>
          User name
          <input
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={64}
            value={props.username ?? ""}
            autofocus={!props.username}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxLength={MAX_PASSWORD_LENGTH}
            autofocus={!!props.username}
          />
        </label>
        <button type="submit" class="btn btn-primary btn-block">Log in</button>
      </form>
      <p class="muted small">
        Forgot the password? On the server: <code>deno task user passwd NAME</code>
      </p>
    </section>
  );
}

function loginPage(
  c: Context<AppEnv>,
  next: string,
  status: ContentfulStatusCode = 200,
  extra: { username?: string; error?: string } = {},
  headers: Record<string, string> = {},
): Response {
  return renderPage(c, <LoginCard next={next} {...extra} />, { title: "Log in", status, headers });
}

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
  app.get("/login", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("user")) return c.redirect(next, 303);
    return loginPage(c, next);
  });

  app.post("/login", bodyLimit(LOGIN_BODY_LIMIT), async (c) => {
    const form = await readForm(c, ["username", "password"], ["next"]);
    const next = safeNext(form.next);
    const username = form.username.trim();
    if (username === "" || form.password === "") {
      throw badRequest("Enter both a user name and a password.");
    }
    if (username.length > 64) throw badRequest("User name is too long (at most 64 characters).");
    if (form.password.length > MAX_PASSWORD_LENGTH) {
      throw badRequest(`Password is too long (at most ${MAX_PASSWORD_LENGTH} characters).`);
    }
    const result = await ctx.auth.login(username, form.password, {
      address: clientAddress(c),
      userAgent: c.req.header("user-agent") ?? "",
    });
    if (!result.ok && result.reason === "throttled") {
      const s = result.retryAfterSeconds;
      return loginPage(c, next, 429, {
        username,
        error: `Too many failed logins. Try again in ${waitText(s)}.`,
      }, { "retry-after": String(s) });
    }
    if (!result.ok && result.reason === "busy") {
      const s = result.retryAfterSeconds;
      return loginPage(c, next, 503, {
        username,
        error: `The server is busy checking other logins. Try again in ${waitText(s)}.`,
      }, { "retry-after": String(s) });
    }
    if (!result.ok) {
      return loginPage(c, next, 401, { username, error: "Wrong user name or password." });
    }
    // A new session on every login (no fixation); the old one, if any, ends.
    const old = sessionToken(c);
    if (old) ctx.auth.revokeToken(old);
    setSessionCookie(c, result.token, result.session);
    return c.redirect(next, 303);
  });
}
