/**
 * The real Vigil app for the security tests: app.ts's `createApp` with a real Store and a real
 * Auth (SQLite file) in a temporary folder, one stored motion event, a symlink that points out
 * of the data folder, and a secret file beside it. Clock, KDF cost, throttles and the hash cap
 * are injectable. `send` goes through `app.request` (in process, with a client address);
 * `rawGet` sends exact request targets over TCP to the same app served on a free port.
 */
import type { Hono } from "hono";
import { join } from "node:path";
import { createApp } from "../app.ts";
import { Auth, type KdfGate, type KdfParams, type ThrottleOptions } from "../lib/auth/mod.ts";
import { Bus } from "../lib/bus/mod.ts";
import { ClientRegistry } from "../lib/clients/mod.ts";
import { startupOptions } from "../lib/config/mod.ts";
import type { StartupOptions, VigilConfig } from "../lib/config/mod.ts";
import type { AppContext, AppEnv, CameraInfo } from "../lib/context.ts";
import { Store } from "../lib/store/mod.ts";
import { rawGet } from "./api_fixture.ts";

export const ORIGIN = "http://vigil.test";
export const ADMIN_PASSWORD = "admin-password-for-tests";
export const VIEWER_PASSWORD = "viewer-password-for-tests";
/** Asking for this camera makes GET /api/events throw an error whose message holds secrets. */
export const BOOM_CAMERA = "boom";
export const SECRET = "TOP-SECRET";

export interface TestApp {
  app: Hono<AppEnv>;
  ctx: AppContext;
  auth: Auth;
  store: Store;
  clock: { t: number };
  /** Audit lines. */
  logs: string[];
  /** What the app wrote with console.error (app.ts's onError logs every 5xx). */
  errors: string[];
  /** The Store's data folder (holds vigil.db); `secret.txt` lies beside it, outside. */
  dataDir: string;
  /** A stored motion event and the URL of its frame. */
  eventId: number;
  frameUrl: string;
  /** A frame-shaped path whose file is a symlink to the secret outside the data folder. */
  symlinkUrl: string;
  /** Serves the same app on a free port (once) and returns the port, for raw requests. */
  port(): number;
  close(): Promise<void>;
}

export interface TestAppOptions {
  addressThrottle?: Partial<ThrottleOptions>;
  userThrottle?: Partial<ThrottleOptions>;
  kdf?: KdfParams;
  kdfGate?: KdfGate;
  sessionIdleMs?: number;
  sessionMaxMs?: number;
}

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xd9]);

function camera(id: string): CameraInfo {
  return {
    id,
    name: id.toUpperCase(),
    state: "running",
    message: "",
    fps: 15,
    width: 320,
    height: 240,
    lastMotion: null,
  };
}

export async function makeTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const clock = { t: 1_750_000_000_000 };
  const logs: string[] = [];
  const errors: string[] = [];
  const root = await Deno.makeTempDir({ prefix: "vigil-sec-" });
  const dataDir = join(root, "data");
  await Deno.mkdir(dataDir);
  await Deno.writeTextFile(join(root, "secret.txt"), SECRET);
  await Deno.writeTextFile(join(dataDir, "secret.txt"), SECRET);

  const store = Store.open(dataDir, { log: () => {} });
  const auth = Auth.open(join(dataDir, "vigil.db"), {
    now: () => clock.t,
    log: (l) => logs.push(l),
    kdf: { logN: 10, r: 8, p: 1 },
    sessionIdleMs: 60 * 60_000,
    sessionMaxMs: 24 * 60 * 60_000,
    ...opts,
  });
  auth.ensureAdmin(ADMIN_PASSWORD);
  await auth.addUser("viewer", VIEWER_PASSWORD, "viewer", "test");

  const ts = Date.now() - 60_000;
  const eventId = store.startEvent("cam1", ts);
  store.addFrame(eventId, "cam1", ts, JPEG, [[1, 2, 3, 4]], 1);
  store.endEvent(eventId, ts);
  await store.flush();
  const frameUrl = store.listFrames(eventId)[0].url;
  const linkDir = join(dataDir, "cam1", "2025-01-01", "999");
  await Deno.mkdir(linkDir, { recursive: true });
  await Deno.symlink(join(root, "secret.txt"), join(linkDir, "1.jpg"));

  // The real route, made to fail with secrets in the message (onError must not leak them).
  const listEvents = store.listEvents.bind(store);
  store.listEvents = (q) => {
    if (q?.camera === BOOM_CAMERA) throw new Error("db password is hunter2 at /srv/secret/path");
    return listEvents(q);
  };

  const cameras = [camera("cam1"), camera(BOOM_CAMERA)];
  const ctx: AppContext = {
    config: {
      port: 0,
      host: "127.0.0.1",
      data: dataDir,
      cameras: [],
      retention: { maxAgeDays: 30, maxDiskMB: 100 },
      allowedHosts: [new URL(ORIGIN).hostname],
      file: {},
      overrides: [],
      startup: startupOptions(["--data", dataDir], {}) as StartupOptions,
    } as VigilConfig,
    bus: new Bus(),
    store,
    auth,
    cameras: {
      list: () => cameras.map((c) => ({ ...c })),
      get: (id) => cameras.find((c) => c.id === id),
    },
    clients: new ClientRegistry(),
    startedAt: Date.now(),
  };
  const app = createApp(ctx);
  // A probe for routes/account_test.ts (who does this cookie sign in?); no hostile case uses it.
  app.get("/api/me", (c) => c.json(c.get("user")));

  const consoleError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  return {
    app,
    ctx,
    auth,
    store,
    clock,
    logs,
    errors,
    dataDir,
    eventId,
    frameUrl,
    symlinkUrl: "/frames/cam1/2025-01-01/999/1.jpg",
    port() {
      server ??= Deno.serve(
        { port: 0, hostname: "127.0.0.1", onListen() {} },
        (req, info) => app.fetch(req, info),
      );
      return server.addr.port;
    },
    async close() {
      console.error = consoleError;
      await server?.shutdown();
      await store.close();
      auth.close();
      await Deno.remove(root, { recursive: true });
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

/** A GET with `path` sent byte for byte (no URL normalisation) to the served app. */
export function sendRaw(
  t: TestApp,
  path: string,
  cookie?: string,
): Promise<{ status: number; body: string }> {
  return rawGet(t.port(), path, cookie ? { Cookie: `vigil_session=${cookie}` } : {});
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

/** The login form posted from `address`; resolves to the response (body left unread). */
export function postLogin(
  t: TestApp,
  username: string,
  password: string,
  address: string,
): Promise<Response> {
  return send(t, "/login", { form: { username, password }, address });
}
