/**
 * `GET /admin/notifications`: MQTT's connection, the armed switch (a form: works without
 * JavaScript), each webhook's queue, the Web Push devices, and the last deliveries.
 * `POST /admin/notifications/armed` sets the switch (as `PUT /api/armed` does).
 */
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import { renderPage } from "../../lib/web/mod.ts";
import { bodyLimit, requireAdmin } from "../../lib/auth/mod.ts";
import { readForm } from "../../lib/http/mod.ts";
import { formatAgo } from "../../components/format.ts";
import { AdminTable, Notice } from "../../components/AdminTable.tsx";
import { Time } from "../../components/Time.tsx";

const MQTT_WORDS: Record<string, string> = {
  connected: "connected",
  connecting: "connecting…",
  disconnected: "not connected (retrying)",
  refused: "login refused (check mqtt.username and mqtt.password; retrying)",
};

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  const admin = requireAdmin("page");
  app.get("/admin/notifications", admin, (c) => {
    const n = ctx.notify;
    if (!n) throw new HTTPException(404, { message: "Notifications are not running." });
    const now = Date.now();
    const mqtt = n.mqttStatus();
    const hooks = n.webhooks.stats();
    const devices = n.db.subscriptions();
    const log = n.log.list();
    const done = c.req.query("done");
    return renderPage(
      c,
      <>
        <div class="page-head">
          <h1>Notifications</h1>
        </div>
        <Notice
          text={done === "armed" ? "Armed." : done === "disarmed" ? "Disarmed." : undefined}
        />
        <section class="card notify-summary" data-testid="notify-summary">
          <form method="post" action="/admin/notifications/armed" class="notify-armed">
            <span>
              Alerts are{" "}
              <strong class={`pill ${n.armed.value ? "pill-ok" : "pill-bad"}`} data-testid="armed">
                {n.armed.value ? "armed" : "disarmed"}
              </strong>
            </span>
            <input type="hidden" name="armed" value={n.armed.value ? "off" : "on"} />
            <button type="submit" class="btn btn-small">
              {n.armed.value ? "Disarm" : "Arm"}
            </button>
          </form>
          <p class="muted small">
            Webhooks and Web Push get what passes the rules ({n.settings.notify.rules.length}{" "}
            rule{n.settings.notify.rules.length === 1 ? "" : "s"}; {n.rules().suppressed}{" "}
            held back by a cooldown since start). MQTT gets every event.
          </p>
          <dl class="facts">
            <div>
              <dt>MQTT</dt>
              <dd data-testid="mqtt-state">
                {mqtt
                  ? (
                    <>
                      <span class={`pill ${mqtt.state === "connected" ? "pill-ok" : "pill-bad"}`}>
                        {MQTT_WORDS[mqtt.state] ?? mqtt.state}
                      </span>{" "}
                      <code>{mqtt.broker}</code>{" "}
                      <span class="muted small">
                        since <Time ts={mqtt.since} /> ({formatAgo(mqtt.since, now)})
                        {mqtt.dropped ? `, ${mqtt.dropped} messages dropped while away` : ""}
                      </span>
                    </>
                  )
                  : <span class="muted">not set up (mqtt in the config file)</span>}
              </dd>
            </div>
            <div>
              <dt>Web Push</dt>
              <dd>
                {n.vapid
                  ? `${devices.length} device${devices.length === 1 ? "" : "s"} (turn on in Alarm)`
                  : <span class="muted">off</span>}
              </dd>
            </div>
            <div>
              <dt>Webhooks</dt>
              <dd>
                {hooks.length === 0 ? <span class="muted">none</span> : (
                  <ul class="plain">
                    {hooks.map((h, i) => (
                      <li key={i}>
                        <code>{h.target}</code>{" "}
                        <span class="muted small">
                          {h.queued} waiting{h.dropped ? `, ${h.dropped} dropped (queue full)` : ""}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
              </dd>
            </div>
          </dl>
        </section>
        <h2 class="section-title">Last deliveries</h2>
        {log.length === 0
          ? <p class="card muted">Nothing sent yet.</p>
          : (
            <AdminTable head={["When", "Channel", "To", "What", "Result"]} testid="deliveries">
              {log.map((d, i) => (
                <tr key={i}>
                  <td data-label="When">
                    <Time ts={d.ts} />
                  </td>
                  <td data-label="Channel">{d.channel}</td>
                  <td data-label="To">
                    <code>{d.target}</code>
                  </td>
                  <td data-label="What">{d.what}</td>
                  <td data-label="Result">
                    <span class="delivery-result">
                      <span class={`pill ${d.ok ? "pill-ok" : "pill-bad"}`}>
                        {d.ok ? `sent (${d.status})` : "failed"}
                      </span>
                      <span class="muted small">
                        {d.error ? `${d.error} · ` : ""}
                        {d.attempts} attempt{d.attempts === 1 ? "" : "s"}, {d.ms} ms
                      </span>
                    </span>
                  </td>
                </tr>
              ))}
            </AdminTable>
          )}
        <p class="muted small">Reload to refresh.</p>
      </>,
      { title: "Notifications" },
    );
  });

  app.post("/admin/notifications/armed", admin, bodyLimit(1024), async (c) => {
    const n = ctx.notify;
    if (!n) throw new HTTPException(404, { message: "Notifications are not running." });
    const form = await readForm(c, ["armed"]);
    if (form.armed !== "on" && form.armed !== "off") {
      throw new HTTPException(400, { message: 'Field "armed" must be on or off.' });
    }
    n.armed.set(form.armed === "on", `admin page:${c.var.user.username}`);
    return c.redirect(
      `/admin/notifications?done=${form.armed === "on" ? "armed" : "disarmed"}`,
      303,
    );
  });
}
