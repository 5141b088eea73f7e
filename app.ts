/**
 * @module
 * Builds Vigil's web app: middleware in the order that keeps it safe, then every route module.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import type { MiddlewareHandler } from "hono";
import {
  bodyLimit,
  csrfGuard,
  hostGuard,
  requireAdmin,
  requireUser,
  securityHeaders,
  sessionMiddleware,
} from "./lib/auth/mod.ts";
import type { AppContext, AppEnv } from "./lib/context.ts";
import {
  answerErrors,
  DEV_EVENTS_PATH,
  devReloadEnabled,
  isApiPath,
  registerDevReload,
} from "./lib/web/mod.ts";
import * as staticFiles from "./routes/static.ts";
import * as health from "./routes/api/health.ts";
import * as login from "./routes/login.tsx";
import * as logout from "./routes/logout.ts";
import * as account from "./routes/account.tsx";
import * as adminUsers from "./routes/admin/users.tsx";
import * as adminSessions from "./routes/admin/sessions.tsx";
import * as adminAudit from "./routes/admin/audit.tsx";
import * as adminClients from "./routes/admin/clients.tsx";
import * as ws from "./routes/ws.ts";
import * as events from "./routes/api/events.ts";
import * as stats from "./routes/api/stats.ts";
import * as cameraApi from "./routes/api/cameras.ts";
import * as recordings from "./routes/api/recordings.ts";
import * as frames from "./routes/frames.ts";
import * as viewer from "./routes/index.tsx";
import * as history from "./routes/history.tsx";
import * as alarm from "./routes/alarm.tsx";
import * as notifyApi from "./routes/api/notify.ts";
import * as adminNotifications from "./routes/admin/notifications.tsx";
import * as configApi from "./routes/api/config.ts";
import * as cameraTools from "./routes/api/camera_tools.ts";
import * as settings from "./routes/settings.tsx";

type RouteModule = { register(app: Hono<AppEnv>, ctx: AppContext): void };

const ROUTES: RouteModule[] = [
  staticFiles,
  health,
  login,
  logout,
  account,
  ws,
  events,
  recordings,
  stats,
  cameraApi,
  cameraTools,
  configApi,
  frames,
  viewer,
  history,
  alarm,
  adminClients,
  adminUsers,
  adminSessions,
  adminAudit,
  notifyApi,
  adminNotifications,
  settings,
];

/** Reachable without a session; everything else needs one (default deny). */
function isPublic(path: string): boolean {
  return path === "/login" || path === "/api/health" ||
    path.startsWith("/static/") || (path === DEV_EVENTS_PATH && devReloadEnabled());
}

/** Default deny: every route but the public ones needs a session (routes add their own too). */
function requireSession(): MiddlewareHandler<AppEnv> {
  const page = requireUser("page") as MiddlewareHandler<AppEnv>;
  const api = requireUser("api") as MiddlewareHandler<AppEnv>;
  return (c, next) => {
    const path = c.req.path;
    if (isPublic(path)) return next();
    return (isApiPath(path) ? api : page)(c, next);
  };
}

export function createApp(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Pages and API answers are gzipped (static files compress themselves, once, in routes/static).
  app.use("*", compress({ contentTypeFilter: /^(text\/html|application\/json)/ }));
  app.use("*", securityHeaders());
  // DNS rebinding: only the server's own host names (lib/auth/hosts.ts), on every route.
  app.use("*", hostGuard({ allowedHosts: ctx.config.allowedHosts, boundHost: ctx.config.host }));
  app.use("*", sessionMiddleware(ctx.auth));
  app.use("*", csrfGuard());
  // Routes that take a body set tighter limits of their own.
  app.use("*", bodyLimit(64 * 1024));
  app.use("*", requireSession());
  app.use("/admin/*", requireAdmin("page"));
  for (const route of ROUTES) route.register(app, ctx);
  if (devReloadEnabled()) registerDevReload(app);

  answerErrors(app);
  return app;
}
