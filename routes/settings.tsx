/**
 * `GET /settings` (admins): every setting of the config file in the browser, with the cameras'
 * zones and masks drawn over their pictures (islands/Settings.tsx). It saves through
 * `PUT /api/config`; secrets never reach the page (masked as GET /api/config masks them).
 */
import type { Hono } from "hono";
import type { AppContext, AppEnv } from "../lib/context.ts";
import { requireAdmin } from "../lib/auth/mod.ts";
import { island, renderPage } from "../lib/web/mod.ts";
import { configEtag } from "../lib/config/file.ts";
import { fieldDocs } from "../lib/config/fields.ts";
import { maskSecrets } from "../lib/config/secrets.ts";
import SettingsIsland from "../islands/Settings.tsx";

const Settings = island(SettingsIsland, "Settings");

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  app.get("/settings", requireAdmin("page"), (c) => {
    const config = ctx.config;
    const file = config.file;
    // Without cameras in the file Vigil runs the flag's or the default one: shown as such.
    const implied = Array.isArray(file.cameras) ? [] : config.cameras.map((cam) => ({
      id: cam.id,
      name: cam.name,
      source: cam.source,
      ...(cam.width ? { width: cam.width } : {}),
      ...(cam.height ? { height: cam.height } : {}),
      ...(cam.fps ? { fps: cam.fps } : {}),
    }));
    // What a flag set instead of the file (no secrets among them: paths and an address).
    const inUse: Record<string, unknown> = {
      port: config.port,
      host: config.host,
      data: config.data,
      tlsCert: config.tlsCert,
      tlsKey: config.tlsKey,
    };
    const cameras = ctx.cameras.list().map((cam) => ({
      id: cam.id,
      name: cam.name,
      snapshot: `/api/cameras/${cam.id}/snapshot`,
      width: cam.width,
      height: cam.height,
    }));
    return renderPage(
      c,
      <>
        <Settings
          file={maskSecrets(file)}
          etag={configEtag(file)}
          fields={fieldDocs()}
          overrides={config.overrides.map((o) => ({ ...o, value: inUse[o.path] }))}
          cameras={cameras}
          impliedCameras={(maskSecrets({ cameras: implied }) as { cameras: typeof implied })
            .cameras}
        />
        <noscript>
          <p class="card">The settings page needs JavaScript.</p>
        </noscript>
      </>,
      { title: "Settings" },
    );
  });
}
