/**
 * @module
 * A fake-but-real Vigil context for page tests: a real Bus, a real Store in a temporary data
 * folder, a real ClientRegistry, and a camera registry the test controls. Pages are mounted on a
 * small Hono app whose middleware signs in a chosen user (no password, no lib/auth database).
 */
import { Hono } from "hono";
import { answerErrors } from "../lib/web/mod.ts";
import type { AppContext, AppEnv, CameraInfo, CameraRegistry } from "../lib/context.ts";
import type { User } from "../lib/auth/mod.ts";
import { Bus } from "../lib/bus/mod.ts";
import { Store } from "../lib/store/mod.ts";
import { ClientRegistry } from "../lib/clients/mod.ts";
import { startupOptions } from "../lib/config/mod.ts";
import type { StartupOptions, VigilConfig } from "../lib/config/mod.ts";
import * as viewer from "../routes/index.tsx";
import * as history from "../routes/history.tsx";
import * as alarm from "../routes/alarm.tsx";
import * as adminClients from "../routes/admin/clients.tsx";
import * as health from "../routes/api/health.ts";
import * as cameraApi from "../routes/api/cameras.ts";
import { ffmpeg } from "./capture_helpers.ts";

export class FakeCameras implements CameraRegistry {
  cameras: CameraInfo[];
  constructor(cameras: Partial<CameraInfo>[]) {
    this.cameras = cameras.map((c, i) => ({
      id: `cam${i}`,
      name: `Camera ${i}`,
      state: "running",
      message: "",
      fps: 15,
      width: 320,
      height: 240,
      lastMotion: null,
      ...c,
    }));
  }
  list(): CameraInfo[] {
    return this.cameras.map((c) => ({ ...c }));
  }
  get(id: string): CameraInfo | undefined {
    return this.cameras.find((c) => c.id === id);
  }
}

export interface Fixture {
  ctx: AppContext;
  app: Hono<AppEnv>;
  dataDir: string;
  /** Who the next requests are signed in as (null: nobody). */
  user: User | null;
  close(): Promise<void>;
}

export const ADMIN: User = { id: 1, username: "admin", role: "admin" } as User;
export const VIEWER: User = { id: 2, username: "watcher", role: "viewer" } as User;

/** A context and an app with the frontend's pages; `extra` registers more routes (e.g. /ws). */
export async function makeFixture(opts: {
  cameras?: Partial<CameraInfo>[];
  extra?: (app: Hono<AppEnv>, ctx: AppContext) => void;
} = {}): Promise<Fixture> {
  const dataDir = await Deno.makeTempDir({ prefix: "vigil-web-" });
  const store = Store.open(dataDir, { log: () => {} });
  const config = {
    port: 0,
    host: "127.0.0.1",
    data: dataDir,
    cameras: [],
    retention: { maxAgeDays: 30, maxDiskMB: 1000 },
    file: {},
    overrides: [],
    startup: startupOptions(["--data", dataDir], {}) as StartupOptions,
  } as VigilConfig;
  const ctx: AppContext = {
    config,
    bus: new Bus(),
    store,
    // Signed in by a test middleware: every session stays valid.
    auth: { sessionForToken: () => ({}) } as unknown as AppContext["auth"],
    cameras: new FakeCameras(opts.cameras ?? [{ id: "front", name: "Front door" }]),
    clients: new ClientRegistry(),
    startedAt: Date.now(),
  };
  const app = new Hono<AppEnv>();
  answerErrors(app);
  const fx: Fixture = {
    ctx,
    app,
    dataDir,
    user: ADMIN,
    async close() {
      await store.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  app.use("*", async (c, next) => {
    c.set("user", fx.user);
    c.set("nonce", "test-nonce-123");
    if (!fx.user && !c.req.path.startsWith("/static/")) return c.text("login first", 401);
    await next();
  });
  opts.extra?.(app, ctx);
  for (const r of [viewer, cameraApi, history, alarm, adminClients, health]) {
    r.register(app, ctx);
  }
  return fx;
}

/** A small real JPEG (gray, w×h) made by ffmpeg. */
export function makeJpeg(w = 320, h = 240, color = "gray"): Promise<Uint8Array> {
  return ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `color=c=${color}:s=${w}x${h}`,
    "-frames:v",
    "1",
    "-f",
    "mjpeg",
    "pipe:1",
  ]);
}

/** Stores one closed event of `n` frames, 100 ms apart, each with one box moving right. */
export async function storeEvent(
  store: Store,
  camera: string,
  start: number,
  n: number,
  jpeg: Uint8Array,
): Promise<number> {
  const id = store.startEvent(camera, start);
  for (let i = 0; i < n; i++) {
    store.addFrame(id, camera, start + i * 100, jpeg, [[20 + i * 30, 40, 60, 80]], 0.1 + i / 100);
  }
  store.endEvent(id, start + n * 100);
  await store.flush();
  return id;
}
