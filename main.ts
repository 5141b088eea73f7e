/**
 * @module
 * Starts Vigil: reads the settings, opens storage and accounts, starts one pipeline per
 * camera and serves the web app until SIGINT/SIGTERM.
 */
import { join } from "node:path";
import { createApp } from "./app.ts";
import { AdminPasswordError, Auth } from "./lib/auth/mod.ts";
import { loadTls } from "./lib/http/mod.ts";
import { Bus } from "./lib/bus/mod.ts";
import { CameraManager, createCapture } from "./lib/cameras/mod.ts";
import { ClientRegistry } from "./lib/clients/mod.ts";
import { ConfigError, loadConfig, USAGE } from "./lib/config/mod.ts";
import type { VigilConfig } from "./lib/config/mod.ts";
import type { AppContext, AppEnv } from "./lib/context.ts";
import type { Hono } from "hono";
import { serveGuarded } from "./lib/net/mod.ts";
import type { GuardedServer } from "./lib/net/mod.ts";
import { Notifications } from "./lib/notify/mod.ts";
import { Store, StoreError, Thumbnails } from "./lib/store/mod.ts";
import { startObjects } from "./lib/objects/start.ts"; // not mod.ts: the model loads in its Worker
import { Recordings } from "./lib/record/mod.ts";
import { VideoRelays } from "./lib/live/mse_relays.ts";

const HOUR = 3_600_000;
/** How often retention runs: often enough that a day of motion cannot fill the disk between runs. */
const RETENTION_EVERY_MS = 60_000;

/** A running Vigil; `stop()` ends everything it started. */
export interface Running {
  url: string;
  stop(): Promise<void>;
}

export async function start(
  config: VigilConfig,
  env: Record<string, string | undefined>,
): Promise<Running> {
  // The captures' options are checked before anything starts: a bad one stops Vigil here.
  config.cameras.forEach((cam, i) => createCapture(cam, i, join(config.data, ".demo")));
  const tls = await loadTls(config.tlsCert, config.tlsKey).catch((err) => {
    throw new ConfigError(err.message);
  });
  // Bound first, so a bad address or a busy port stops the start before anything is created.
  // The guarded front (lib/net): caps, timeouts, an accept loop that survives running out of
  // file descriptors; the app is served by an inner Deno.serve once it is built.
  let app: Hono<AppEnv> | undefined;
  let server: GuardedServer;
  try {
    server = serveGuarded(
      {
        port: config.port,
        hostname: config.host,
        tls: tls ?? undefined,
        ...config.connections,
      },
      (req, info) =>
        app ? app.fetch(req, info) : new Response("Vigil is starting.", { status: 503 }),
    );
  } catch (err) {
    const why = err instanceof Deno.errors.AddrInUse
      ? "the port is in use (stop the other program or pass another --port)"
      : `${(err as Error).message} (pass an address of this machine with --host, e.g. 0.0.0.0)`;
    throw new ConfigError(`Cannot listen on ${config.host} port ${config.port}: ${why}`);
  }
  try {
    return await startServing(config, env, server, tls !== null, (a) => app = a);
  } catch (err) {
    await server.shutdown();
    throw err;
  }
}

async function startServing(
  config: VigilConfig,
  env: Record<string, string | undefined>,
  server: GuardedServer,
  https: boolean,
  serveApp: (app: Hono<AppEnv>) => void,
): Promise<Running> {
  await Deno.mkdir(config.data, { recursive: true }).catch((err) => {
    throw new StoreError(
      `Cannot create the data folder ${config.data}: ${err.message} (pass another --data)`,
    );
  });
  const store = Store.open(config.data, {
    maxAgeMs: config.retention.maxAgeDays * 24 * HOUR,
    maxBytes: config.retention.maxDiskMB * 1024 * 1024,
  });
  let auth: Auth;
  try {
    auth = Auth.open(join(config.data, "vigil.db"));
  } catch (err) { // e.g. a full disk with no room at all for SQLite's files: one line, no trace
    await store.close();
    throw new StoreError(
      `Cannot open the accounts in ${config.data}: ${
        (err as Error).message
      } (free space on that disk)`,
    );
  }
  const admin = auth.ensureAdmin(env.VIGIL_ADMIN_PASSWORD);
  if (admin.generatedPassword) {
    console.log(
      `vigil: created user 'admin' with password ${admin.generatedPassword}\n` +
        `       (shown once; change it with: deno task user passwd admin)`,
    );
  } else if (admin.created) {
    console.log(
      "vigil: created user 'admin' with the password from VIGIL_ADMIN_PASSWORD",
    );
  }

  const bus = new Bus();
  const thumbnails = new Thumbnails(store);
  thumbnails.watch(bus);
  // Set below; the objects service and the notifications ask it for the cameras as they are now.
  let manager: CameraManager | null = null;
  // Labels wait, like recordings, while the store says the disk is full.
  const objects = startObjects(config, {
    holdWrites: () => store.health().status === "degraded",
    settingsFor: (id) => manager?.camera(id)?.objects,
  });
  // Video recording: a recorder per camera beside its pipeline (lib/record).
  const recordings = await Recordings.open({
    dataDir: config.data,
    cameras: config.cameras,
    events: store,
  });
  // One disk quota over stills and recordings, oldest first (the store enforces it).
  store.shareQuota(recordings.quotaShare());
  // The cameras (lib/cameras): captures, pipelines, and what follows their settings live.
  const cameras = await CameraManager.open(config, {
    bus,
    store,
    recordings,
    objects,
    demoDir: join(config.data, ".demo"),
    // Notifications (lib/notify): MQTT, webhooks, Web Push; detect/set reaches the pipelines here.
    startNotifications: (c) =>
      Notifications.start({
        bus,
        cameras: c.cameras.map((cam) => ({ id: cam.id, name: cam.name })),
        settings: c.notifications,
        // the folder Vigil runs on, even when a change of `data` waits for a restart
        dataDir: config.data,
        // (`manager`, not `cameras`: the first start runs inside CameraManager.open)
        setDetect: (id, on) => {
          const p = manager?.pipeline(id);
          if (p) p.detecting = on;
        },
        detecting: (id) => manager?.pipeline(id)?.detecting ?? false,
        snapshotUrl: (id) => store.getEvent(id)?.thumbnail ?? null,
      }),
  });
  manager = cameras;
  const ctx: AppContext = {
    config,
    bus,
    store,
    thumbnails,
    auth,
    cameras,
    clients: new ClientRegistry(),
    startedAt: Date.now(),
    connections: () => server.stats(),
    objects,
    recordings,
    // Replaced when its settings change (PUT /api/config).
    get notify() {
      return cameras.notify ?? undefined;
    },
    live: cameras,
  };
  // Live H.264 video without transcoding (lib/live), started per camera when a client asks.
  ctx.videoRelays = new VideoRelays({ cameras: () => ctx.config.cameras });
  serveApp(createApp(ctx));

  const { hostname, port } = server.addr;
  const url = `${https ? "https" : "http"}://${
    hostname.includes(":") ? `[${hostname}]` : hostname
  }:${port}`;
  console.log(`vigil listening on ${url}`);

  cameras.start();
  recordings.start(bus);
  const retention = () => {
    store.enforceRetention(Date.now()).catch((err) =>
      console.error(`vigil: retention failed: ${err.message}`)
    );
    recordings.enforceRetention(Date.now()).catch((err) =>
      console.error(`vigil: recordings retention failed: ${err.message}`)
    );
  };
  retention();
  const retentionTimer = setInterval(retention, RETENTION_EVERY_MS);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    stopping ??= (async () => {
      clearInterval(retentionTimer);
      await Promise.all([cameras.stop(), recordings.stop(), ctx.videoRelays?.stop()]);
      objects.close();
      await cameras.close();
      await server.shutdown();
      await thumbnails.close();
      await store.close(); // (its retention may still be deleting segments)
      recordings.close();
      auth.close();
    })();
  return { url, stop } satisfies Running;
}

/**
 * The last line of defence for a long-running server: a promise rejection nobody handled that
 * is an accept-type failure (`Too many open files`, a connection reset, a broken pipe), which a
 * flood can cause anywhere, is logged at most once a minute and the process keeps serving
 * (Deno would otherwise exit 1). Any other one is a bug: Deno prints it and exits 1.
 */
export function keepAliveOnUnhandledRejections(log = (line: string) => console.error(line)) {
  let lastAcceptLog = -Infinity;
  globalThis.addEventListener("unhandledrejection", (e) => {
    const reason = e.reason as { message?: unknown; stack?: unknown } | undefined;
    const message = String(reason?.message ?? reason);
    if (/too many open files|os error 2[34]|connection reset|broken pipe/i.test(message)) {
      e.preventDefault();
      const now = Date.now();
      if (now - lastAcceptLog < 60_000) return;
      lastAcceptLog = now;
      log(`vigil: network error (still serving): ${message}`);
      return;
    }
    // Anything else is a bug: Deno prints it and exits 1, and the service manager restarts.
  });
}

/** Runs Vigil as the `start` task does: exits 2 on bad settings, stops cleanly on signals. */
export async function main(
  args: string[],
  env: Record<string, string | undefined>,
) {
  const fail = (err: unknown): never => {
    // bad settings (a flag, the config file, VIGIL_ADMIN_PASSWORD) or an unusable data folder:
    // one line that says what to do, no stack trace
    const known = err instanceof ConfigError || err instanceof AdminPasswordError ||
      err instanceof StoreError;
    if (!known) throw err;
    console.error(`vigil: ${err.message}`);
    Deno.exit(2);
  };
  let config: VigilConfig | "help";
  try {
    config = loadConfig(args, env);
  } catch (err) {
    return fail(err);
  }
  if (config === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  const write = await Deno.permissions.query({
    name: "write",
    path: config.data,
  });
  if (write.state !== "granted") {
    console.error(
      `vigil: may not write to the data folder ${config.data}: ` +
        `run with --allow-write=${config.data} (deno task start allows only ./frames)`,
    );
    Deno.exit(2);
  }
  keepAliveOnUnhandledRejections();
  const vigil = await start(config, env).catch(fail);
  let stopping = false;
  const shutdown = async () => {
    // `deno task` passes the signal on, so the same stop can be asked for twice
    if (stopping) return;
    stopping = true;
    console.log("vigil: stopping");
    await vigil.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}

if (import.meta.main) await main(Deno.args, Deno.env.toObject());
