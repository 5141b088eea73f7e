/**
 * `GET /admin/audit?limit=&before=&user=` (admins only): the audit log, newest first — logins
 * (ok, failed, throttled), logouts, user and session changes. Bad parameters → 400.
 */
import type { Hono } from "hono";
import {
  AdminTable,
  type AuditEntry,
  type AuthContext,
  type AuthEnv,
  authPage,
  badRequest,
  fmtTime,
  intParam,
  requireAdmin,
  validateUsername,
} from "../../lib/auth/mod.ts";

function AuditView(props: { entries: AuditEntry[]; limit: number; user?: string }) {
  const last = props.entries.at(-1);
  const more = last && props.entries.length === props.limit
    ? `/admin/audit?limit=${props.limit}&before=${last.id}${
      props.user ? `&user=${encodeURIComponent(props.user)}` : ""
    }`
    : null;
  return (
    <>
      <form method="get" action="/admin/audit" class="inline">
        <label>
          User <input name="user" value={props.user ?? ""} maxLength={64} />
        </label>{" "}
        <button type="submit">Filter</button>
      </form>
      <AdminTable head={["Time", "Event", "User", "By", "Address", "Detail"]}>
        {props.entries.map((e) => (
          <tr key={e.id} class={`audit-${e.event}`}>
            <td>{fmtTime(e.ts)}</td>
            <td>{e.event}</td>
            <td>{e.username ?? ""}</td>
            <td>{e.actor ?? ""}</td>
            <td>{e.address ?? ""}</td>
            <td>{e.detail}</td>
          </tr>
        ))}
      </AdminTable>
      {more && (
        <p>
          <a href={more}>Older entries</a>
        </p>
      )}
    </>
  );
}

export function register(app: Hono<AuthEnv>, ctx: AuthContext): void {
  app.get("/admin/audit", requireAdmin("page"), (c) => {
    const limit = intParam("limit", c.req.query("limit"), 1, 1000) ?? 100;
    const before = intParam("before", c.req.query("before"), 1, Number.MAX_SAFE_INTEGER);
    const rawUser = c.req.query("user");
    let user: string | undefined;
    if (rawUser !== undefined && rawUser !== "") {
      try {
        user = validateUsername(rawUser);
      } catch (err) {
        throw badRequest(`Parameter "user": ${(err as Error).message}`);
      }
    }
    const entries = ctx.auth.listAudit({ limit, before, username: user });
    return authPage(
      c,
      "Audit log",
      <AuditView entries={entries} limit={limit} user={user} />,
    );
  });
}
