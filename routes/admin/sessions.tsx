/**
 * `/admin/sessions` (admins only): every live session (user, address, browser, times) with a
 * button to end it: `GET /admin/sessions/:id/revoke` asks to confirm, `POST` ends it.
 */
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  bodyLimit,
  currentSession,
  requireAdmin,
  type Session,
  type SignedInEnv,
} from "../../lib/auth/mod.ts";
import type { AppEnv, AuthRoutes } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { AdminTable, Notice } from "../../components/AdminTable.tsx";
import { Confirm } from "../../components/Confirm.tsx";
import { Time } from "../../components/Time.tsx";

function SessionsView(props: { sessions: Session[]; current: number | null; notice?: string }) {
  return (
    <>
      <div class="page-head">
        <h1>Sessions</h1>
      </div>
      <Notice text={props.notice} />
      <AdminTable
        head={["User", "Address", "Browser", "Since", "Last seen", "Ends", ""]}
        testid="sessions"
      >
        {props.sessions.map((s) => (
          <tr key={s.id}>
            <td data-label="User">
              <span>
                <strong>{s.username}</strong> <span class="muted">{s.role}</span>
                {s.id === props.current && <span class="tag">this browser</span>}
              </span>
            </td>
            <td data-label="Address">
              <code>{s.address}</code>
            </td>
            <td data-label="Browser" class="ua">{s.userAgent}</td>
            <td data-label="Since">
              <Time ts={s.createdAt} />
            </td>
            <td data-label="Last seen">
              <Time ts={s.lastSeen} />
            </td>
            <td data-label="Ends">
              <Time ts={s.expiresAt} />
            </td>
            <td data-label="">
              <a class="btn btn-small btn-danger" href={`/admin/sessions/${s.id}/revoke`}>End…</a>
            </td>
          </tr>
        ))}
      </AdminTable>
    </>
  );
}

/** The session named by `:id`: 400 for a bad id, 404 when it is gone. */
function target(c: Context<AppEnv & SignedInEnv>, ctx: AuthRoutes): Session {
  const raw = c.req.param("id") ?? "";
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new HTTPException(400, { message: "Session id must be a positive whole number." });
  }
  const session = ctx.auth.listSessions().find((s) => s.id === Number(raw));
  if (!session) throw new HTTPException(404, { message: "No such session (it may have ended)." });
  return session;
}

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
  const admin = requireAdmin("page");

  app.get("/admin/sessions", admin, (c) => {
    const notice = c.req.query("done") === "revoked" ? "Session ended." : undefined;
    return renderPage(
      c,
      <SessionsView
        sessions={ctx.auth.listSessions()}
        current={currentSession(c)?.id ?? null}
        notice={notice}
      />,
      { title: "Sessions" },
    );
  });

  app.get("/admin/sessions/:id/revoke", admin, (c) => {
    const s = target(c, ctx);
    const mine = s.id === currentSession(c)?.id;
    return renderPage(
      c,
      <Confirm
        title={`End ${s.username}'s session?`}
        message={`The browser at ${s.address} is signed out at once${
          mine ? " (that is this browser: you will have to log in again)" : ""
        }.`}
        action={`/admin/sessions/${s.id}/revoke`}
        button="End session"
        cancel="/admin/sessions"
      />,
      { title: "End session" },
    );
  });

  app.post("/admin/sessions/:id/revoke", admin, bodyLimit(1024), (c) => {
    const s = target(c, ctx);
    ctx.auth.revokeSession(s.id, c.var.user.username);
    return c.redirect("/admin/sessions?done=revoked", 303);
  });
}
