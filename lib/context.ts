/**
 * @module
 * What every route handler can reach: the parts of a running Vigil, built once in main.ts
 * (or in a test) and handed to `createApp`.
 */
import type { Bus } from "./bus/mod.ts";
import type { Auth, AuthEnv } from "./auth/mod.ts";
import type { Store, Thumbnails } from "./store/mod.ts";
import type { ClientRegistry } from "./clients/mod.ts";
import type { CameraConfig, VigilConfig } from "./config/mod.ts";
import type { GrayListener } from "./pipeline/mod.ts";
import type { ConnectionStats } from "./net/mod.ts";
import type { ObjectService } from "./objects/service.ts";
import type { RecorderInfo, Recordings } from "./record/mod.ts";
import type { CameraInfo as WireCameraInfo } from "./protocol.ts";
import type { Notifications } from "./notify/mod.ts";
import type { VideoRelays } from "./live/mse_relays.ts";

/** What the UI and `/api/health` show about one camera: the wire protocol's, and more. */
export interface CameraInfo extends WireCameraInfo {
  /** The camera's video recording (lib/record), when recording is set up. */
  recording?: RecorderInfo;
}

export interface CameraRegistry {
  list(): CameraInfo[];
  get(id: string): CameraInfo | undefined;
}

/** A running Vigil's settings, changed live (lib/cameras' CameraManager). */
export interface LiveSettings {
  /**
   * Moves to `next` (see CameraManager.apply): `beforeChange` runs after every check and
   * before anything changes. Resolves with the keys that only a restart changes.
   */
  apply(
    next: VigilConfig,
    beforeChange?: () => Promise<void>,
  ): Promise<{ restartNeeded: string[] }>;
  /** A camera's settings now and its frames' gray pixels (the tuning view). */
  pipeline(
    id: string,
  ): { readonly config: CameraConfig; onGray(listener: GrayListener): () => void } | undefined;
}

export interface AppContext {
  config: VigilConfig;
  bus: Bus;
  store: Store;
  /** Makes events' small thumbnails; without it, lists show thumbnails already made, else frames. */
  thumbnails?: Thumbnails;
  auth: Auth;
  cameras: CameraRegistry;
  clients: ClientRegistry;
  startedAt: number;
  /** The TCP front's counters (main.ts); absent when the app is served another way (tests). */
  connections?: () => ConnectionStats | undefined;
  /** Object labels (lib/objects); absent when every camera turned them off (and in tests). */
  objects?: ObjectService;
  /** Video recordings (lib/record); absent in tests that do not need them. */
  recordings?: Recordings;
  /** MQTT, webhooks, Web Push and the armed switch (lib/notify); absent in most tests. */
  notify?: Notifications;
  /** Live H.264 video for `/ws?video=mse` (lib/live); absent: such clients get JPEG frames. */
  videoRelays?: VideoRelays;
  /** Settings changed live (PUT /api/config, tuning); absent in tests that need none. */
  live?: LiveSettings;
}

/**
 * The one Hono environment: the signed-in user and session (null when signed out) and the
 * response's CSP nonce, set by lib/auth's middleware. Behind requireUser/requireAdmin the
 * user is non-null (SignedInEnv).
 */
export type AppEnv = AuthEnv;

/** What the account and admin routes need: only accounts (tests build them with just this). */
export type AuthRoutes = Pick<AppContext, "auth">;
