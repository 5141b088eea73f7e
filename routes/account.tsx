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
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  AuthInputError,
  bodyLimit,
  clientAddress,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  requireUser,
  setSessionCookie,
  type SignedInEnv,
  type User,
  validateNewPassword,
} from "../lib/auth/mod.ts";
import { readForm } from "../lib/http/mod.ts";
import type { AppEnv, AuthRoutes } from "../lib/context.ts";
import { renderPage } from "../lib/web/mod.ts";
import { waitText } from "../components/format.ts";
import { ErrorLine, Notice } from "../components/AdminTable.tsx";

/** Largest password form accepted (bytes). */
export const ACCOUNT_BODY_LIMIT = 8 * 1024;

const MAX_PASSWORD = MAX_PASSWORD_LENGTH;

function AccountView(props: { user: User; notice?: string; error?: string }) {
  const { user } = props;
  return (
    <div class="account">
      <h1>Account</h1>
      <Notice text={props.notice} />
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
        <ErrorLine text={props.error} />
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

/** The account page with `status`, a notice or an error, and extra headers (Retry-After). */
function accountPage(
  c: Context<AppEnv & SignedInEnv>,
  status: ContentfulStatusCode = 200,
  msg: { notice?: string; error?: string } = {},
  headers: Record<string, string> = {},
): Response {
  return renderPage(c, <AccountView user={c.var.user} {...msg} />, {
    title: "Account",
    status,
    headers,
  });
}

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
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
    const me = c.var.user;
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
