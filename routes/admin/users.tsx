/**
 * `/admin/users` (admins only): list users; add, change password, change role, remove.
 * Plain HTML forms; every change is audited. Changing a password ends that user's sessions.
 *
 * - `POST /admin/users` fields `username`, `password`, `role`
 * - `POST /admin/users/:name/password` field `password`
 * - `POST /admin/users/:name/role` field `role`
 * - `POST /admin/users/:name/remove`
 */
import type { Context, Hono } from "hono";
import {
  AdminTable,
  type AuthContext,
  type AuthEnv,
  AuthInputError,
  authPage,
  bodyLimit,
  clientAddress,
  fmtTime,
  MIN_PASSWORD_LENGTH,
  Notice,
  readForm,
  requireAdmin,
  setSessionCookie,
  type User,
  type UserRecord,
  validateRole,
  validateUsername,
} from "../../lib/auth/mod.ts";

const FLASH: Record<string, string> = {
  added: "User added.",
  password: "Password changed; that user's sessions were ended.",
  role: "Role changed.",
  removed: "User removed.",
};

function UsersView(
  props: { users: UserRecord[]; me: User; notice?: string; error?: string },
) {
  return (
    <>
      <Notice text={props.notice} />
      {props.error && <p class="error" role="alert">{props.error}</p>}
      <AdminTable head={["User", "Role", "Created", "Actions"]}>
        {props.users.map((u) => {
          const base = `/admin/users/${encodeURIComponent(u.username)}`;
          return (
            <tr key={u.id}>
              <td>{u.username}{u.id === props.me.id ? " (you)" : ""}</td>
              <td>
                <form method="post" action={`${base}/role`} class="inline">
                  <select name="role" aria-label={`Role of ${u.username}`}>
                    <option value="viewer" selected={u.role === "viewer"}>viewer</option>
                    <option value="admin" selected={u.role === "admin"}>admin</option>
                  </select>{" "}
                  <button type="submit">Set role</button>
                </form>
              </td>
              <td>{fmtTime(u.createdAt)}</td>
              <td>
                <form method="post" action={`${base}/password`} class="inline">
                  <input
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    minLength={MIN_PASSWORD_LENGTH}
                    maxLength={1024}
                    required
                    aria-label={`New password for ${u.username}`}
                    placeholder="new password"
                  />{" "}
                  <button type="submit">Set password</button>
                </form>{" "}
                {u.id !== props.me.id && (
                  <form method="post" action={`${base}/remove`} class="inline">
                    <button type="submit" class="danger">Remove</button>
                  </form>
                )}
              </td>
            </tr>
          );
        })}
      </AdminTable>
      <h2>Add a user</h2>
      <form method="post" action="/admin/users" class="stacked">
        <label>
          User name
          <input name="username" required maxLength={64} autocapitalize="none" />
        </label>
        <label>
          Password (at least {MIN_PASSWORD_LENGTH} characters)
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={1024}
          />
        </label>
        <label>
          Role
          <select name="role">
            <option value="viewer">viewer (watch and browse)</option>
            <option value="admin">admin (also users and settings)</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
      <p class="hint">
        Also on the command line: <code>deno task user add NAME --role viewer</code>.
      </p>
    </>
  );
}

function page(
  c: Context<AuthEnv>,
  ctx: AuthContext,
  status: 200 | 400 | 404 = 200,
  msg: { notice?: string; error?: string } = {},
): Response {
  const me = c.get("user")!;
  return authPage(c, "Users", <UsersView users={ctx.auth.listUsers()} me={me} {...msg} />, status);
}

/** Runs a change; AuthInputError → 400 page with its message. */
async function change(
  c: Context<AuthEnv>,
  ctx: AuthContext,
  flash: keyof typeof FLASH,
  fn: () => Promise<void> | void,
): Promise<Response> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AuthInputError) return page(c, ctx, 400, { error: err.message });
    throw err;
  }
  return c.redirect(`/admin/users?done=${flash}`, 303);
}

/** The target user of `/admin/users/:name/...`, or a 404 response. */
function target(c: Context<AuthEnv>, ctx: AuthContext): UserRecord | Response {
  let name: string;
  try {
    name = validateUsername(c.req.param("name"));
  } catch (err) {
    return page(c, ctx, 400, { error: (err as Error).message });
  }
  return ctx.auth.getUser(name) ?? page(c, ctx, 404, { error: `No user named "${name}".` });
}

export function register(app: Hono<AuthEnv>, ctx: AuthContext): void {
  const admin = requireAdmin("page");
  const limit = bodyLimit(8 * 1024);

  app.get("/admin/users", admin, (c) => {
    const done = c.req.query("done");
    return page(c, ctx, 200, { notice: done && done in FLASH ? FLASH[done] : undefined });
  });

  app.post("/admin/users", admin, limit, async (c) => {
    const f = await readForm(c, ["username", "password", "role"]);
    const me = c.get("user")!;
    return change(c, ctx, "added", async () => {
      await ctx.auth.addUser(f.username.trim(), f.password, validateRole(f.role), me.username);
    });
  });

  app.post("/admin/users/:name/password", admin, limit, async (c) => {
    const f = await readForm(c, ["password"]);
    const user = target(c, ctx);
    if (user instanceof Response) return user;
    const me = c.get("user")!;
    return change(c, ctx, "password", async () => {
      await ctx.auth.setPassword(user.username, f.password, me.username);
      if (user.id === me.id) {
        // Every session of mine ended, this one too: continue in a fresh one.
        const { token, session } = ctx.auth.createSession(me, {
          address: clientAddress(c),
          userAgent: c.req.header("user-agent") ?? "",
        });
        setSessionCookie(c, token, session);
      }
    });
  });

  app.post("/admin/users/:name/role", admin, limit, async (c) => {
    const f = await readForm(c, ["role"]);
    const user = target(c, ctx);
    if (user instanceof Response) return user;
    const me = c.get("user")!;
    return change(c, ctx, "role", () => {
      ctx.auth.setRole(user.username, validateRole(f.role), me.username);
    });
  });

  app.post("/admin/users/:name/remove", admin, limit, (c) => {
    const user = target(c, ctx);
    if (user instanceof Response) return user;
    const me = c.get("user")!;
    return change(c, ctx, "removed", () => {
      if (user.id === me.id) {
        throw new AuthInputError("You cannot remove your own account; ask another admin.");
      }
      ctx.auth.removeUser(user.username, me.username);
    });
  });
}
