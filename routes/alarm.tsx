import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { island, renderPage } from "../lib/web/mod.ts";
import AlarmIsland from "../islands/Alarm.tsx";
import PushToggleIsland from "../islands/PushToggle.tsx";

const Alarm = island(AlarmIsland, "Alarm");
const PushToggle = island(PushToggleIsland, "PushToggle");

/** `GET /alarm`: the alarm panel (sound, vibration, notification, flashing page). */
export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/alarm", (c) => {
    const cameras = ctx.cameras.list().map((k) => {
      // only while objects work: without a model, every motion rings
      const alertOn = ctx.objects?.enabled(k.id) ? ctx.objects.alertOn(k.id) : [];
      return { id: k.id, name: k.name, ...(alertOn.length ? { alertOn } : {}) };
    });
    return renderPage(
      c,
      <>
        <h1 class="sr-only">Alarm</h1>
        <Alarm cameras={cameras} />
        {ctx.notify?.vapid && <PushToggle />}
        <noscript>
          <p class="card">The alarm needs JavaScript: it listens for motion in the browser.</p>
        </noscript>
      </>,
      { title: "Alarm" },
    );
  });
}
