import type { Mode } from "../protocol.ts";
import { SendLatency } from "./send_latency.ts";

/** How a WebSocket client wants frames (lib/protocol.ts's `Mode`). */
export type ClientMode = Mode;

/** One connected WebSocket client, as the admin page shows it. */
export interface ClientInfo {
  /** Random id of the connection. */
  id: string;
  /** User name of the logged-in user. */
  user: string;
  /** Remote address of the TCP connection (not X-Forwarded-For). */
  address: string;
  userAgent: string;
  /** Epoch ms when the client connected. */
  since: number;
  mode: ClientMode;
  camera: string;
  /** Binary frames sent so far (updated a few times a second). */
  framesSent?: number;
  /** Frames skipped because the client was slow (its socket had too much unsent data). */
  framesSkipped?: number;
}

/** The fields of a client that change while it is connected. */
export type ClientPatch = Partial<
  Pick<ClientInfo, "mode" | "camera" | "framesSent" | "framesSkipped">
>;

/** The WebSocket clients connected right now (routes/ws.ts adds and removes them). */
export class ClientRegistry {
  readonly #clients = new Map<string, ClientInfo>();
  /** Frame arrival from ffmpeg → WebSocket send, over all clients (routes/ws.ts records it). */
  readonly sendLatency = new SendLatency();

  /** Adds a client; throws RangeError if its id is already registered. */
  add(info: ClientInfo): void {
    if (typeof info.id !== "string" || info.id === "") {
      throw new RangeError("client id must be a non-empty string");
    }
    if (this.#clients.has(info.id)) throw new RangeError(`client ${info.id} is already registered`);
    this.#clients.set(info.id, { ...info });
  }

  /** Changes a connected client's mode or camera; unknown ids are ignored (it just left). */
  update(id: string, patch: ClientPatch): void {
    const c = this.#clients.get(id);
    if (!c) return;
    if (patch.mode !== undefined) c.mode = patch.mode;
    if (patch.camera !== undefined) c.camera = patch.camera;
    if (patch.framesSent !== undefined) c.framesSent = patch.framesSent;
    if (patch.framesSkipped !== undefined) c.framesSkipped = patch.framesSkipped;
  }

  /** Forgets a client (no-op when unknown). */
  remove(id: string): void {
    this.#clients.delete(id);
  }

  get(id: string): ClientInfo | undefined {
    const c = this.#clients.get(id);
    return c ? { ...c } : undefined;
  }

  /** Copies of the connected clients, oldest connection first. */
  list(): ClientInfo[] {
    return [...this.#clients.values()].map((c) => ({ ...c })).sort((a, b) => a.since - b.since);
  }

  get size(): number {
    return this.#clients.size;
  }
}
