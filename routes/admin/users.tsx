/**
 * `/admin/users` (admins only): list users; add, change password, change role, remove.
 * Plain HTML forms; every change is audited. Changing a password ends that user's sessions.
 *
 * - `POST /admin/users` fields `username`, `password`, `role`
 * - `POST /admin/users/:name/password` field `password`
 * - `POST /admin/users/:name/role` field `role`
 * - `GET /admin/users/:name/remove` asks to confirm; `POST` removes
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  AuthInputError,
  bodyLimit,
  clientAddress,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  requireAdmin,
  setSessionCookie,
  type SignedInEnv,
  type User,
  type UserRecord,
  validateRole,
  validateUsername,
} from "../../lib/auth/mod.ts";
import { readForm } from "../../lib/http/mod.ts";
import type { AppEnv, AuthRoutes } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { AdminTable, ErrorLine, Notice } from "../../components/AdminTable.tsx";
import { Confirm } from "../../components/Confirm.tsx";
import { Time } from "../../components/Time.tsx";

const FLASH: Record<string, string> = {
  added: "User added.",
  password: "Password changed; that user's sessions were ended.",
  role: "Role changed.",
  removed: "User removed, and their sessions ended.",
};

function UsersView(
  props: { users: UserRecord[]; me: User; notice?: string; error?: string },
) {
  return (
    <>
      <div class="page-head">
        <h1>Users</h1>
      </div>
      <Notice text={props.notice} />
      <ErrorLine text={props.error} />
      <AdminTable head={["User", "Role", "Created", "Password", ""]} testid="users">
        {props.users.map((u) => {
          const base = `/admin/users/${encodeURIComponent(u.username)}`;
          return (
            <tr key={u.id}>
              <td data-label="User">
                <span>
                  <strong>{u.username}</strong>
                  {u.id === props.me.id && <span class="muted">(you)</span>}
                </span>
              </td>
              <td data-label="Role">
                <form method="post" action={`${base}/role`} class="inline">
                  <select name="role" aria-label={`Role of ${u.username}`}>
                    <option value="viewer" selected={u.role === "viewer"}>viewer</option>
                    <option value="admin" selected={u.role === "admin"}>admin</option>
                  </select>
                  <button type="submit" class="btn btn-small">Set</button>
                </form>
              </td>
              <td data-label="Created">
                <Time ts={u.createdAt} />
              </td>
              <td data-label="Password">
                <form method="post" action={`${base}/password`} class="inline">
                  <input
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    minLength={MIN_PASSWORD_LENGTH}
                    maxLength={MAX_PASSWORD_LENGTH}
                    required
                    aria-label={`New password for ${u.username}`}
                    placeholder="new password"
                  />
                  <button type="submit" class="btn btn-small">Set</button>
                </form>
              </td>
              <td data-label="">
                {u.id !== props.me.id && (
                  <a class="btn btn-small btn-danger" href={`${base}/remove`}>Remove…</a>
                )}
              </td>
            </tr>
          );
        })}
      </AdminTable>
      <section class="card" aria-labelledby="add-title">
        <h2 id="add-title">Add a user</h2>
        <form method="post" action="/admin/users" class="form-stack">
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
              maxLength={MAX_PASSWORD_LENGTH}
            />
          </label>
          <label>
            Role
            <select name="role">
              <option value="viewer">viewer (watch and browse)</option>
              <option value="admin">admin (also users and settings)</option>
            </select>
          </label>
          <button type="submit" class="btn btn-primary">Add user</button>
        </form>
        <p class="muted small">
          Also on the command line: <code>deno task user add NAME --role viewer</code>.
        </p>
      </section>
    </>
  );
}

type AdminContext = Context<AppEnv & SignedInEnv>;

function page(
  c: AdminContext,
  ctx: AuthRoutes,
  status: 200 | 400 = 200,
  msg: { notice?: string; error?: string } = {},
): Response {
  return renderPage(
    c,
    <UsersView users={ctx.auth.listUsers()} me={c.var.user} {...msg} />,
    { title: "Users", status },
  );
}

/** Runs a change; AuthInputError → the users page again, 400, with its message. */
async function change(
  c: AdminContext,
  ctx: AuthRoutes,
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

/** The target user of `/admin/users/:name/...`; 400 for a bad name, 404 for an unknown one. */
function target(c: AdminContext, ctx: AuthRoutes): UserRecord {
  let name: string;
  try {
    name = validateUsername(c.req.param("name") ?? "");
  } catch (err) {
    throw new HTTPException(400, { message: (err as Error).message });
  }
  const user = ctx.auth.getUser(name);
  if (!user) throw new HTTPException(404, { message: `No user named "${name}".` });
  return user;
}

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
  const admin = requireAdmin("page");
  const limit = bodyLimit(8 * 1024);

  app.get("/admin/users", admin, (c) => {
    const done = c.req.query("done");
    return page(c, ctx, 200, { notice: done && done in FLASH ? FLASH[done] : undefined });
  });

  app.post("/admin/users", admin, limit, async (c) => {
    const f = await readForm(c, ["username", "password", "role"]);
    return change(c, ctx, "added", async () => {
      await ctx.auth.addUser(
        f.username.trim(),
        f.password,
        validateRole(f.role),
        c.var.user.username,
      );
    });
  });

  app.post("/admin/users/:name/password", admin, limit, async (c) => {
    const f = await readForm(c, ["password"]);
    const user = target(c, ctx);
    const me = c.var.user;
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
    return change(c, ctx, "role", () => {
      ctx.auth.setRole(user.username, validateRole(f.role), c.var.user.username);
    });
  });

  app.get("/admin/users/:name/remove", admin, (c) => {
    const user = target(c, ctx);
    const base = `/admin/users/${encodeURIComponent(user.username)}`;
    return renderPage(
      c,
      <Confirm
        title={`Remove ${user.username}?`}
        message={`The account "${user.username}" (${user.role}) is deleted and every session of it ends at once. This cannot be undone.`}
        action={`${base}/remove`}
        button="Remove user"
        cancel="/admin/users"
      />,
      { title: "Remove user" },
    );
  });

  app.post("/admin/users/:name/remove", admin, limit, (c) => {
    const user = target(c, ctx);
    const me = c.var.user;
    return change(c, ctx, "removed", () => {
      if (user.id === me.id) {
        throw new AuthInputError("You cannot remove your own account; ask another admin.");
      }
      ctx.auth.removeUser(user.username, me.username);
    });
  });
}
