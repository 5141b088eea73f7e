/**
 * @module
 * What every route handler can reach: the parts of a running Vigil, built once in main.ts
 * (or in a test) and handed to `createApp`.
 */
import type { Bus, CameraState } from "./bus/mod.ts";
import type { Auth, User } from "./auth/mod.ts";
import type { Store } from "./store/mod.ts";
import type { ClientRegistry } from "./clients/mod.ts";
import type { VigilConfig } from "./config/mod.ts";
import type { ConnectionStats } from "./net/mod.ts";

/** What the UI and `/api/health` show about one camera. */
export interface CameraInfo {
  id: string;
  name: string;
  state: CameraState;
  message: string;
  fps: number;
  width: number;
  height: number;
  lastMotion: number | null;
  /** ffmpeg's last stderr lines (passwords redacted) while the camera is failed or stalled. */
  error?: string[];
}

export interface CameraRegistry {
  list(): CameraInfo[];
  get(id: string): CameraInfo | undefined;
}

export interface AppContext {
  config: VigilConfig;
  bus: Bus;
  store: Store;
  auth: Auth;
  cameras: CameraRegistry;
  clients: ClientRegistry;
  startedAt: number;
  /** The TCP front's counters (main.ts); absent when the app is served another way (tests). */
  connections?: () => ConnectionStats | undefined;
}

/** Hono environment: per-request values set by middleware. */
export interface AppEnv {
  Variables: {
    user: User | null;
    /** Opaque session handle set by lib/auth's session middleware. */
    session: unknown;
    /** CSP nonce for this response's island boot script. */
    nonce: string;
  };
}
