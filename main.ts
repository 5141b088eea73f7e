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
import { CameraCapture } from "./lib/capture/mod.ts";
import { ClientRegistry } from "./lib/clients/mod.ts";
import { ConfigError, loadConfig, USAGE } from "./lib/config/mod.ts";
import type { CameraConfig, VigilConfig } from "./lib/config/mod.ts";
import type { AppContext, CameraRegistry } from "./lib/context.ts";
import { detectionSize } from "./lib/motion/mod.ts";
import { CameraPipeline } from "./lib/pipeline/mod.ts";
import { Store, StoreError } from "./lib/store/mod.ts";
import { Recordings } from "./lib/record/mod.ts";

const HOUR = 3_600_000;
/** How often retention runs: often enough that a day of motion cannot fill the disk between runs. */
const RETENTION_EVERY_MS = 60_000;

/** The camera's capture; its options are checked here, so a bad one stops Vigil at start. */
function createCapture(cam: CameraConfig, index: number): CameraCapture {
  try {
    return new CameraCapture({
      id: cam.id,
      source: cam.source,
      width: cam.width,
      height: cam.height,
      fps: cam.fps,
      ...cam.capture,
      detectSize: (w: number, h: number) => detectionSize(cam.detector, w, h),
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new ConfigError(`cameras[${index}]: ${err.message}`);
    }
    throw err;
  }
}

/** A running Vigil; `stop()` ends everything it started. */
export interface Running {
  url: string;
  stop(): Promise<void>;
}

export async function start(
  config: VigilConfig,
  env: Record<string, string | undefined>,
) {
  const captures = config.cameras.map(createCapture);
  const tls = await loadTls(config.tlsCert, config.tlsKey).catch((err) => {
    throw new ConfigError(err.message);
  });
  await Deno.mkdir(config.data, { recursive: true }).catch((err) => {
    throw new StoreError(
      `Cannot create the data folder ${config.data}: ${err.message} (pass another --data)`,
    );
  });
  const store = Store.open(config.data, {
    maxAgeMs: config.retention.maxAgeDays * 24 * HOUR,
    maxBytes: config.retention.maxDiskMB * 1024 * 1024,
  });
  const auth = Auth.open(join(config.data, "vigil.db"));
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
  const pipelines = config.cameras.map((cam, i) =>
    new CameraPipeline(cam, { bus, recorder: store, capture: captures[i] })
  );
  // Video recording: a recorder per camera beside its pipeline (lib/record).
  const recordings = await Recordings.open({
    dataDir: config.data,
    cameras: config.cameras,
    events: store,
    maxBytes: config.retention.maxDiskMB * 1024 * 1024,
    otherBytes: () => store.storedBytes(),
  });
  const withRecording = (info: ReturnType<CameraPipeline["info"]>) => {
    const rec = recordings.info(info.id);
    return rec ? { ...info, recording: rec } : info;
  };
  const cameras: CameraRegistry = {
    list: () => pipelines.map((p) => withRecording(p.info())),
    get: (id) => {
      const p = pipelines.find((p) => p.config.id === id);
      return p ? withRecording(p.info()) : undefined;
    },
  };
  const ctx: AppContext = {
    config,
    bus,
    store,
    auth,
    cameras,
    clients: new ClientRegistry(),
    startedAt: Date.now(),
    recordings,
  };
  const app = createApp(ctx);

  const { promise: listening, resolve } = Promise.withResolvers<string>();
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    ...(tls ?? {}),
    onListen: ({ hostname, port }) => {
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      resolve(`${tls ? "https" : "http"}://${host}:${port}`);
    },
  }, app.fetch);
  const url = await listening;
  console.log(`vigil listening on ${url}`);

  for (const p of pipelines) p.start();
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
      await Promise.all([...pipelines.map((p) => p.stop()), recordings.stop()]);
      await server.shutdown();
      recordings.close();
      await store.close();
      auth.close();
    })();
  return { url, stop } satisfies Running;
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
