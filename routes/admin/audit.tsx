/**
 * `GET /admin/audit?limit=&before=&user=` (admins only): the audit log, newest first — logins
 * (ok, failed, throttled), logouts, user and session changes. Bad parameters → 400.
 */
import type { Hono } from "hono";
import { type AuditEntry, requireAdmin, validateUsername } from "../../lib/auth/mod.ts";
import { badRequest, intParam } from "../../lib/http/mod.ts";
import type { AppEnv, AuthRoutes } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { AdminTable } from "../../components/AdminTable.tsx";
import { Time } from "../../components/Time.tsx";

function AuditView(props: { entries: AuditEntry[]; limit: number; user?: string }) {
  const last = props.entries.at(-1);
  const more = last && props.entries.length === props.limit
    ? `/admin/audit?limit=${props.limit}&before=${last.id}${
      props.user ? `&user=${encodeURIComponent(props.user)}` : ""
    }`
    : null;
  return (
    <>
      <div class="page-head">
        <h1>Audit log</h1>
        <form method="get" action="/admin/audit" class="inline filter">
          <label>
            User <input name="user" value={props.user ?? ""} maxLength={64} />
          </label>
          <button type="submit" class="btn btn-small">Filter</button>
        </form>
      </div>
      <AdminTable head={["Time", "Event", "User", "By", "Address", "Detail"]} testid="audit">
        {props.entries.map((e) => (
          <tr key={e.id} class={`audit-${e.event}`}>
            <td data-label="Time">
              <Time ts={e.ts} />
            </td>
            <td data-label="Event">{e.event}</td>
            <td data-label="User">{e.username ?? ""}</td>
            <td data-label="By">{e.actor ?? ""}</td>
            <td data-label="Address">{e.address ?? ""}</td>
            <td data-label="Detail">{e.detail}</td>
          </tr>
        ))}
      </AdminTable>
      {more && (
        <p class="pager">
          <a class="btn" href={more}>Older entries</a>
        </p>
      )}
    </>
  );
}

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
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
    return renderPage(c, <AuditView entries={entries} limit={limit} user={user} />, {
      title: "Audit log",
    });
  });
}
