/**
 * A small Vigil-shaped app for the security tests: lib/auth's middleware in the production order,
 * the security route modules, a probe page and API, and a `/frames/*` file route built on
 * resolveInside. Clock and KDF cost are injectable.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { join } from "node:path";
import {
  Auth,
  type AuthEnv,
  csrfGuard,
  requireAdmin,
  requireUser,
  resolveInside,
  securityHeaders,
  sessionMiddleware,
} from "../lib/auth/mod.ts";
import type { ThrottleOptions } from "../lib/auth/mod.ts";
import * as login from "../routes/login.tsx";
import * as logout from "../routes/logout.ts";
import * as users from "../routes/admin/users.tsx";
import * as sessions from "../routes/admin/sessions.tsx";
import * as audit from "../routes/admin/audit.tsx";

export const ORIGIN = "http://vigil.test";
export const ADMIN_PASSWORD = "admin-password-for-tests";
export const VIEWER_PASSWORD = "viewer-password-for-tests";

export interface TestApp {
  app: Hono<AuthEnv>;
  auth: Auth;
  clock: { t: number };
  logs: string[];
  errors: unknown[];
  dataDir: string;
  close(): Promise<void>;
}

export async function makeTestApp(
  opts: { addressThrottle?: Partial<ThrottleOptions>; userThrottle?: Partial<ThrottleOptions> } =
    {},
): Promise<TestApp> {
  const clock = { t: 1_750_000_000_000 };
  const logs: string[] = [];
  const errors: unknown[] = [];
  const auth = Auth.open(":memory:", {
    now: () => clock.t,
    log: (l) => logs.push(l),
    kdf: { logN: 10, r: 8, p: 1 },
    sessionIdleMs: 60 * 60_000,
    sessionMaxMs: 24 * 60 * 60_000,
    ...opts,
  });
  auth.ensureAdmin(ADMIN_PASSWORD);
  await auth.addUser("viewer", VIEWER_PASSWORD, "viewer", "test");

  const dataDir = await Deno.makeTempDir({ prefix: "vigil-sec-" });
  await Deno.mkdir(join(dataDir, "frames", "cam1"), { recursive: true });
  await Deno.writeTextFile(join(dataDir, "frames", "cam1", "ok.jpg"), "JPEG");
  await Deno.writeTextFile(join(dataDir, "secret.txt"), "TOP-SECRET");
  await Deno.symlink(join(dataDir, "secret.txt"), join(dataDir, "frames", "cam1", "link.jpg"));
  const framesRoot = join(dataDir, "frames");

  const app = new Hono<AuthEnv>();
  app.use("*", securityHeaders());
  app.use("*", sessionMiddleware(auth));
  app.use("*", csrfGuard());
  const ctx = { auth };
  login.register(app, ctx);
  logout.register(app, ctx);
  users.register(app, ctx);
  sessions.register(app, ctx);
  audit.register(app, ctx);
  app.get("/", requireUser("page"), (c) => c.html(`<p>hello ${c.get("user")!.username}</p>`));
  app.get("/api/me", requireUser("api"), (c) => c.json(c.get("user")));
  app.post("/api/admin/thing", requireAdmin("api"), (c) => c.json({ ok: true }));
  app.get("/api/boom", () => {
    throw new Error("db password is hunter2 at /srv/secret/path");
  });
  app.get("/frames/*", requireUser("api"), async (c) => {
    const raw = new URL(c.req.url).pathname.slice("/frames/".length);
    const file = await resolveInside(framesRoot, raw);
    if (!file) return c.json({ error: "no such frame" }, 404);
    return c.body(await Deno.readFile(file), 200, { "content-type": "image/jpeg" });
  });
  app.notFound((c) => c.text("Not found", 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    errors.push(err);
    return c.text("Something went wrong. Please try again.", 500);
  });

  return {
    app,
    auth,
    clock,
    logs,
    errors,
    dataDir,
    async close() {
      auth.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

export interface Req {
  method?: string;
  headers?: Record<string, string>;
  /** Form fields (urlencoded) or a raw body. */
  form?: Record<string, string> | [string, string][];
  body?: BodyInit;
  cookie?: string;
  address?: string;
  /** Omit the default same-origin Origin header on unsafe methods. */
  noOrigin?: boolean;
}

/** Sends one request through app.request with connection info for the client address. */
export function send(t: TestApp, path: string, r: Req = {}): Promise<Response> {
  const method = r.method ?? (r.form || r.body !== undefined ? "POST" : "GET");
  const headers = new Headers(r.headers);
  if (method !== "GET" && method !== "HEAD" && !r.noOrigin && !headers.has("origin")) {
    headers.set("origin", ORIGIN);
  }
  if (r.cookie !== undefined) headers.set("cookie", `vigil_session=${r.cookie}`);
  let body = r.body;
  if (r.form) {
    body = new URLSearchParams(r.form).toString();
    if (!headers.has("content-type")) {
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
  }
  return Promise.resolve(
    t.app.request(`${ORIGIN}${path}`, { method, headers, body }, {
      remoteAddr: { hostname: r.address ?? "192.0.2.1" },
    }),
  );
}

/** Logs in and returns the session token. */
export async function loginToken(
  t: TestApp,
  username: string,
  password: string,
  address = "192.0.2.200",
): Promise<string> {
  const res = await send(t, "/login", { form: { username, password }, address });
  await res.body?.cancel();
  if (res.status !== 303) throw new Error(`login as ${username} failed: ${res.status}`);
  const m = (res.headers.get("set-cookie") ?? "").match(/vigil_session=([^;]+)/);
  if (!m) throw new Error("no session cookie");
  return m[1];
}
