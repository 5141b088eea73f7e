/**
 * `/account`: every signed-in user's own page (admin or viewer): user name, role, and a form to
 * change one's own password. Plain HTML, works without JavaScript.
 *
 * - `GET /account` (`?changed=1` shows the "password changed" notice)
 * - `POST /account/password` fields `current`, `password`, `repeat`: success → 303 to
 *   `/account?changed=1` with a fresh session cookie (every other session of the user ends);
 *   wrong current password → 401 (counted by the login throttling); throttled → 429 with
 *   Retry-After; too many password checks in progress (server-wide) → 503 with Retry-After;
 *   new password not acceptable or the two copies differ → 400; malformed →
 *   400/413/415.
 */
import type { Context, Hono } from "hono";
import {
  type AuthContext,
  type AuthEnv,
  AuthInputError,
  bodyLimit,
  clientAddress,
  MIN_PASSWORD_LENGTH,
  readForm,
  requireUser,
  setSessionCookie,
  type User,
  validateNewPassword,
  waitText,
} from "../lib/auth/mod.ts";
import { renderPage } from "../lib/web/mod.ts";

/** Largest password form accepted (bytes). */
export const ACCOUNT_BODY_LIMIT = 8 * 1024;

const MAX_PASSWORD = 1024;

function AccountView(props: { user: User; notice?: string; error?: string }) {
  const { user } = props;
  return (
    <div class="account">
      <h1>Account</h1>
      {props.notice && <p class="notice" role="status">{props.notice}</p>}
      <dl class="facts account-facts">
        <div>
          <dt>User name</dt>
          <dd>{user.username}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>
            {user.role === "admin" ? "admin (everything)" : "viewer (watch and browse)"}
          </dd>
        </div>
      </dl>
      <section class="card" aria-labelledby="pw-title">
        <h2 id="pw-title">Change password</h2>
        {props.error && <p class="error" role="alert">{props.error}</p>}
        <form method="post" action="/account/password" class="form-stack">
          {/* For password managers: which account this password belongs to. */}
          <input
            type="text"
            name="username"
            autocomplete="username"
            value={user.username}
            readOnly
            hidden
          />
          <label>
            Current password
            <input
              name="current"
              type="password"
              autocomplete="current-password"
              required
              maxLength={MAX_PASSWORD}
            />
          </label>
          <label>
            New password
            <input
              name="password"
              type="password"
              autocomplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              maxLength={MAX_PASSWORD}
              aria-describedby="pw-rules"
            />
          </label>
          <label>
            Repeat new password
            <input
              name="repeat"
              type="password"
              autocomplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              maxLength={MAX_PASSWORD}
            />
          </label>
          <p id="pw-rules" class="muted small">
            At least {MIN_PASSWORD_LENGTH}{" "}
            characters. Changing it signs you out on every other device; this browser stays signed
            in.
          </p>
          <button type="submit" class="btn btn-primary">Change password</button>
        </form>
      </section>
    </div>
  );
}

/** The account page with `status` (renderPage knows fewer statuses, so 401/429 are re-wrapped). */
function accountPage(
  c: Context<AuthEnv>,
  status: 200 | 400 | 401 | 429 | 503 = 200,
  msg: { notice?: string; error?: string } = {},
  headers: Record<string, string> = {},
): Response {
  const res = renderPage(c, <AccountView user={c.get("user")!} {...msg} />, {
    title: "Account",
  });
  if (status === 200 && Object.keys(headers).length === 0) return res;
  const h = new Headers(res.headers);
  for (const [k, v] of Object.entries(headers)) h.set(k, v);
  return new Response(res.body, { status, headers: h });
}

export function register(app: Hono<AuthEnv>, ctx: AuthContext): void {
  const user = requireUser("page");

  app.get("/account", user, (c) => {
    const changed = c.req.query("changed") === "1";
    return accountPage(c, 200, {
      notice: changed
        ? "Password changed. Every other session of yours was signed out; this browser stays signed in."
        : undefined,
    });
  });

  app.post("/account/password", user, bodyLimit(ACCOUNT_BODY_LIMIT), async (c) => {
    const me = c.get("user")!;
    const f = await readForm(c, ["current", "password", "repeat"]);
    // Form checks first: they need no password hashing and do not count as failed logins.
    if (f.current === "") return accountPage(c, 400, { error: "Enter your current password." });
    if (f.current.length > MAX_PASSWORD) {
      return accountPage(c, 400, {
        error: `The current password is too long (at most ${MAX_PASSWORD} characters).`,
      });
    }
    try {
      validateNewPassword(f.password);
    } catch (err) {
      if (!(err instanceof AuthInputError)) throw err;
      return accountPage(c, 400, { error: `New password: ${err.message}.` });
    }
    if (f.password !== f.repeat) {
      return accountPage(c, 400, {
        error: "The two new passwords differ. Type the same new password twice.",
      });
    }
    const meta = { address: clientAddress(c), userAgent: c.req.header("user-agent") ?? "" };
    // The same check as a login: throttled per address and per user, audited.
    const check = await ctx.auth.checkPassword(me.username, f.current, meta);
    if (!check.ok && check.reason === "throttled") {
      const s = check.retryAfterSeconds;
      return accountPage(c, 429, {
        error: `Too many wrong passwords. Try again in ${waitText(s)}.`,
      }, { "retry-after": String(s) });
    }
    if (!check.ok && check.reason === "busy") {
      const s = check.retryAfterSeconds;
      return accountPage(c, 503, {
        error: `The server is busy checking other passwords. Nothing was changed; try again in ${
          waitText(s)
        }.`,
      }, { "retry-after": String(s) });
    }
    if (!check.ok) {
      return accountPage(c, 401, { error: "The current password is wrong. Nothing was changed." });
    }
    try {
      // Ends every session of this user, this browser's too: it gets a fresh one below.
      await ctx.auth.setPassword(me.username, f.password, me.username);
    } catch (err) {
      if (err instanceof AuthInputError) return accountPage(c, 400, { error: err.message });
      throw err;
    }
    const { token, session } = ctx.auth.createSession(me, meta);
    setSessionCookie(c, token, session);
    return c.redirect("/account?changed=1", 303);
  });
}
