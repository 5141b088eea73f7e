/**
 * `/admin/sessions` (admins only): every live session (user, address, browser, times) with a
 * button to end it. `POST /admin/sessions/:id/revoke`.
 */
import type { Hono } from "hono";
import {
  AdminTable,
  type AuthContext,
  type AuthEnv,
  authPage,
  badRequest,
  bodyLimit,
  currentSession,
  fmtTime,
  messagePage,
  Notice,
  requireAdmin,
  type Session,
} from "../../lib/auth/mod.ts";

function SessionsView(props: { sessions: Session[]; current: number | null; notice?: string }) {
  return (
    <>
      <Notice text={props.notice} />
      <AdminTable head={["User", "Address", "Browser", "Since", "Last seen", "Ends", ""]}>
        {props.sessions.map((s) => (
          <tr key={s.id}>
            <td>{s.username} ({s.role}){s.id === props.current ? " — this one" : ""}</td>
            <td>{s.address}</td>
            <td class="ua">{s.userAgent}</td>
            <td>{fmtTime(s.createdAt)}</td>
            <td>{fmtTime(s.lastSeen)}</td>
            <td>{fmtTime(s.expiresAt)}</td>
            <td>
              <form method="post" action={`/admin/sessions/${s.id}/revoke`} class="inline">
                <button type="submit" class="danger">End</button>
              </form>
            </td>
          </tr>
        ))}
      </AdminTable>
    </>
  );
}

export function register(app: Hono<AuthEnv>, ctx: AuthContext): void {
  const admin = requireAdmin("page");

  app.get("/admin/sessions", admin, (c) => {
    const notice = c.req.query("done") === "revoked" ? "Session ended." : undefined;
    return authPage(
      c,
      "Sessions",
      <SessionsView
        sessions={ctx.auth.listSessions()}
        current={currentSession(c)?.id ?? null}
        notice={notice}
      />,
    );
  });

  app.post("/admin/sessions/:id/revoke", admin, bodyLimit(1024), (c) => {
    const raw = c.req.param("id");
    if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw badRequest("Session id must be a positive whole number.");
    }
    const ok = ctx.auth.revokeSession(Number(raw), c.get("user")!.username);
    if (!ok) return messagePage(c, "Sessions", "No such session (it may have ended).", 404);
    return c.redirect("/admin/sessions?done=revoked", 303);
  });
}
