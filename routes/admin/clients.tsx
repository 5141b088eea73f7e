import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { requireAdmin } from "../../lib/auth/middleware.ts";
import { formatAgo, formatDateTime } from "../../components/format.ts";

/** `GET /admin/clients`: the connected WebSocket clients (admins only). */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/admin/clients", requireAdmin("page"), (c) => {
    const clients = ctx.clients.list();
    const latency = ctx.clients.sendLatency.summary();
    const now = Date.now();
    return renderPage(
      c,
      <>
        <div class="page-head">
          <h1>Connected clients</h1>
          <nav class="subnav" aria-label="Admin">
            <a href="/admin/clients" aria-current="page">Clients</a>
            <a href="/admin/users">Users</a>
            <a href="/admin/sessions">Sessions</a>
            <a href="/admin/audit">Audit log</a>
          </nav>
        </div>
        <section class="card table-wrap">
          {clients.length === 0
            ? <p class="muted">No browser is connected right now.</p>
            : (
              <table class="table" data-testid="clients">
                <thead>
                  <tr>
                    <th>User</th>
                    <th>Address</th>
                    <th>Camera</th>
                    <th>Mode</th>
                    <th>Since</th>
                    <th>User agent</th>
                  </tr>
                </thead>
                <tbody>
                  {clients.map((k) => (
                    <tr key={k.id}>
                      <td data-label="User">{k.user}</td>
                      <td data-label="Address">
                        <code>{k.address}</code>
                      </td>
                      <td data-label="Camera">{k.camera}</td>
                      <td data-label="Mode">
                        <span class={`tag mode-${k.mode}`}>{k.mode}</span>
                      </td>
                      <td data-label="Since">
                        <span>
                          <time dateTime={new Date(k.since).toISOString()}>
                            {formatDateTime(k.since)}
                          </time>{" "}
                          <span class="muted">({formatAgo(k.since, now)})</span>
                        </span>
                      </td>
                      <td data-label="User agent" class="ua">{k.userAgent}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          <p class="muted small">
            {clients.length} connection{clients.length === 1 ? "" : "s"}. Reload to refresh.
          </p>
          {latency.samples > 0 && (
            <p class="muted small" data-testid="latency">
              Frames leave for the browsers {latency.p50.toFixed(1)} ms (median),{" "}
              {latency.p99.toFixed(1)}{" "}
              ms (99th percentile) after ffmpeg delivers them, over the last {latency.samples}{" "}
              frames sent.
            </p>
          )}
        </section>
      </>,
      { title: "Clients" },
    );
  });
}
