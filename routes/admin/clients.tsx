import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { requireAdmin } from "../../lib/auth/mod.ts";
import { formatAgo } from "../../components/format.ts";
import { AdminTable } from "../../components/AdminTable.tsx";
import { Time } from "../../components/Time.tsx";

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
        </div>
        {clients.length === 0
          ? <p class="card muted">No browser is connected right now.</p>
          : (
            <AdminTable
              head={["User", "Address", "Camera", "Mode", "Since", "User agent"]}
              testid="clients"
            >
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
                      <Time ts={k.since} /> <span class="muted">({formatAgo(k.since, now)})</span>
                    </span>
                  </td>
                  <td data-label="User agent" class="ua">{k.userAgent}</td>
                </tr>
              ))}
            </AdminTable>
          )}
        <p class="muted small">
          {clients.length} connection{clients.length === 1 ? "" : "s"}. Reload to refresh.
        </p>
        {latency.samples > 0 && (
          <p class="muted small" data-testid="latency">
            Frames leave for the browsers {latency.p50.toFixed(1)} ms (median),{" "}
            {latency.p99.toFixed(1)} ms (99th percentile) after ffmpeg delivers them, over the last
            {" "}
            {latency.samples} frames sent.
          </p>
        )}
      </>,
      { title: "Clients" },
    );
  });
}
