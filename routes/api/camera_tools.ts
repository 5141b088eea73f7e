/**
 * @module
 * The settings page's camera tools, for admins: `POST /api/cameras/test-source` runs a source
 * once and answers a frame (or ffmpeg's error) before it is saved; `POST /api/cameras/:id/tune`
 * runs draft detector settings on a camera's live frames and answers the motion mask.
 */
import { join } from "node:path";
import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit, requireAdmin } from "../../lib/auth/mod.ts";
import { TEST_SOURCE_KEYS, testSource, Tuners } from "../../lib/cameras/mod.ts";
import type { TestSourceOptions } from "../../lib/cameras/mod.ts";
import { ConfigError, resolveConfig } from "../../lib/config/mod.ts";
import { unmaskSecrets } from "../../lib/config/secrets.ts";
import type { AppContext, AppEnv } from "../../lib/context.ts";
import type { DetectorSettings } from "../../lib/motion/mod.ts";
import { CAMERA_ID } from "../../lib/protocol.ts";

/** Source tests running at once (each is an ffmpeg). */
const MAX_TESTS = 2;

async function readObject(c: Context): Promise<Record<string, unknown>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new HTTPException(415, { message: "Expected application/json." });
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ConfigError("the body is not valid JSON", []);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ConfigError("the body must be a JSON object", []);
  }
  return body as Record<string, unknown>;
}

/**
 * The test's options: only TEST_SOURCE_KEYS (the capture checks their values), and `camera`:
 * the id of a configured camera whose stored password replaces a masked one in `source`
 * (the page has only "********").
 */
function testOptions(ctx: AppContext, sent: Record<string, unknown>): TestSourceOptions {
  const { camera, ...body } = sent;
  if (camera !== undefined && (typeof camera !== "string" || !CAMERA_ID.test(camera))) {
    throw new ConfigError("camera must be a camera id", ["camera"]);
  }
  if (camera !== undefined && typeof body.source === "string") {
    const running = { cameras: ctx.config.cameras.map((c) => ({ id: c.id, source: c.source })) };
    body.source = unmaskSecrets({ cameras: [{ id: camera, source: body.source }] }, running)
      .cameras[0].source;
  }
  for (const key of Object.keys(body)) {
    if (!(TEST_SOURCE_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `unknown setting "${key.slice(0, 40)}" (known: ${TEST_SOURCE_KEYS.join(", ")})`,
        [key],
      );
    }
  }
  if (typeof body.source !== "string" || body.source === "" || body.source.length > 2048) {
    throw new ConfigError('source must be a string such as "demo" or "rtsp://…"', ["source"]);
  }
  return body as unknown as TestSourceOptions;
}

/**
 * The camera's detector with `draft` as its `detector` object, resolved like the file (the
 * top-level `detector` under it), so a bad value names its path as a PUT would.
 */
function draftSettings(ctx: AppContext, id: string, draft: unknown): DetectorSettings {
  const file = structuredClone(ctx.config.file) as Record<string, unknown>;
  const cams = Array.isArray(file.cameras) ? file.cameras as unknown[] : null;
  // With --source, the one camera takes the file's first camera's settings.
  const index = ctx.config.startup.source !== undefined
    ? 0
    : cams?.findIndex((c) => (c as Record<string, unknown>)?.id === id) ?? -1;
  const raw = cams?.[index];
  if (cams && typeof raw === "object" && raw !== null) {
    cams[index] = { ...raw, detector: draft };
  } else {
    // The default camera: its settings are the top level's.
    const top = typeof file.detector === "object" && file.detector !== null ? file.detector : {};
    file.detector = typeof draft === "object" && draft !== null && !Array.isArray(draft)
      ? { ...top, ...draft }
      : draft;
  }
  const cam = resolveConfig(file, ctx.config.startup).cameras.find((c) => c.id === id);
  if (!cam) throw new HTTPException(404, { message: `no camera ${id}` });
  return cam.detector;
}

export function register(app: Hono<AppEnv>, ctx: AppContext): void {
  let testing = 0;
  const tuners = new Tuners();

  app.post(
    "/api/cameras/test-source",
    requireAdmin("api"),
    bodyLimit(8 * 1024),
    async (c) => {
      let opts: TestSourceOptions;
      try {
        opts = testOptions(ctx, await readObject(c));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return c.json({ error: err.message, path: err.path ?? [] }, 400);
      }
      if (testing >= MAX_TESTS) {
        c.header("Retry-After", "5");
        throw new HTTPException(429, { message: "another source test is running: try again" });
      }
      testing++;
      try {
        const result = await testSource(opts, { demoDir: join(ctx.store.dataDir, ".demo") });
        if (!result.ok) return c.json({ error: result.error }, 422);
        return c.body(result.jpeg as Uint8Array<ArrayBuffer>, 200, {
          "Content-Type": "image/jpeg",
          "Cache-Control": "no-store",
          "X-Source-Width": String(result.width),
          "X-Source-Height": String(result.height),
        });
      } catch (err) {
        // options the capture refuses (a size out of range, …)
        if (err instanceof RangeError || err instanceof TypeError) {
          return c.json({ error: err.message.replace(/^camera test: /, ""), path: [] }, 400);
        }
        throw err;
      } finally {
        testing--;
      }
    },
  );

  app.post("/api/cameras/:id/tune", requireAdmin("api"), bodyLimit(32 * 1024), async (c) => {
    const id = c.req.param("id");
    const pipeline = CAMERA_ID.test(id) ? ctx.live?.pipeline(id) : undefined;
    if (!pipeline) throw new HTTPException(404, { message: "no such camera" });
    let settings: DetectorSettings;
    try {
      settings = draftSettings(ctx, id, await readObject(c));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return c.json({ error: err.message, path: err.path ?? [] }, 400);
    }
    const answer = await tuners.poll(id, pipeline, settings);
    c.header("Cache-Control", "no-store");
    if (!answer) {
      c.header("Retry-After", "2");
      throw new HTTPException(503, {
        message: `no frame from camera ${id} yet: try again shortly`,
      });
    }
    return c.json(answer);
  });
}
