/**
 * A small real server for the backend's tests: Hono with routes/ws.ts, routes/api/events.ts and
 * routes/frames.ts, a real Bus, a Store in a temp folder and a minimal AppContext, served by
 * `Deno.serve({ port: 0 })`. A test middleware logs requests in as user "t" when they carry the
 * header `x-test-user: 1` (the real session login is tested end to end by the lead's tests).
 */
import { Hono } from "hono";
import { answerErrors } from "../lib/web/mod.ts";
import { Bus } from "../lib/bus/mod.ts";
import type { FrameMessage } from "../lib/bus/mod.ts";
import { ClientRegistry } from "../lib/clients/mod.ts";
import type { AppContext, AppEnv, CameraInfo } from "../lib/context.ts";
import { Store } from "../lib/store/mod.ts";
import type { StoreOptions } from "../lib/store/mod.ts";
import { register as registerWs } from "../routes/ws.ts";
import type { WsOptions } from "../routes/ws.ts";
import { register as registerEvents } from "../routes/api/events.ts";
import { register as registerFrames } from "../routes/frames.ts";
import { openWebSocket } from "./helpers/server.ts";

export const USER_HEADER = { "x-test-user": "1" };

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  app: Hono<AppEnv>;
  ctx: AppContext;
  store: Store;
  bus: Bus;
  clients: ClientRegistry;
  dataDir: string;
  cameras: CameraInfo[];
  close(): Promise<void>;
}

export function camera(id: string): CameraInfo {
  return {
    id,
    name: id.toUpperCase(),
    state: "running",
    message: "",
    fps: 15,
    width: 640,
    height: 480,
    lastMotion: null,
  };
}

export async function startServer(
  opts: { ws?: WsOptions; store?: StoreOptions } = {},
): Promise<TestServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "vigil_api_" });
  const store = Store.open(dataDir, { log: () => {}, ...opts.store });
  const bus = new Bus();
  const clients = new ClientRegistry();
  const cameras = [camera("cam1"), camera("cam2")];
  const ctx = {
    config: {} as AppContext["config"],
    // Signed in by a test middleware: every session stays valid.
    auth: { sessionForToken: () => ({}) } as unknown as AppContext["auth"],
    bus,
    store,
    clients,
    cameras: {
      list: () => cameras.map((c) => ({ ...c })),
      get: (id: string) => cameras.find((c) => c.id === id),
    },
    startedAt: Date.now(),
  } satisfies AppContext;
  const app = new Hono<AppEnv>();
  answerErrors(app);
  app.use(async (c, next) => {
    c.set(
      "user",
      c.req.header("x-test-user") === "1" ? { id: 1, username: "t", role: "admin" } : null,
    );
    await next();
  });
  registerWs(app, ctx, opts.ws);
  registerEvents(app, ctx);
  registerFrames(app, ctx);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    app,
    ctx,
    store,
    bus,
    clients,
    dataDir,
    cameras,
    async close() {
      await server.shutdown();
      await store.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Runs `fn` against a fresh {@link startServer} and closes the server afterwards. */
export async function withServer(
  fn: (s: TestServer) => Promise<void>,
  opts: Parameters<typeof startServer>[0] = {},
): Promise<void> {
  const s = await startServer(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

export function frame(
  camera: string,
  ts: number,
  motion: boolean,
  jpegSize = 100,
): FrameMessage {
  const jpeg = new Uint8Array(jpegSize);
  jpeg[0] = 0xff;
  jpeg[1] = 0xd8;
  jpeg[jpegSize - 1] = ts & 0xff;
  return {
    type: "frame",
    camera,
    ts,
    jpeg,
    boxes: motion ? [[10, 20, 30, 40]] : [],
    motion,
    eventId: motion ? 7 : null,
    score: motion ? 1.25 : 0,
  };
}

export type Received =
  | { kind: "text"; data: Record<string, unknown> }
  | { kind: "binary"; header: Record<string, unknown>; jpeg: Uint8Array };

/** Decodes the binary frame message: 4-byte big-endian N, N bytes of JSON, then the JPEG. */
export function decodeBinary(
  buf: ArrayBuffer,
): { header: Record<string, unknown>; jpeg: Uint8Array } {
  const bytes = new Uint8Array(buf);
  const n = new DataView(buf).getUint32(0, false);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
  return { header, jpeg: bytes.slice(4 + n) };
}

/** A WebSocket client that records what it receives and can wait for a message. */
export class TestClient {
  readonly ws: WebSocket;
  readonly received: Received[] = [];
  readonly closed: Promise<CloseEvent>;
  #wake: (() => void) | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        this.received.push({ kind: "text", data: JSON.parse(e.data) });
      } else {
        this.received.push({ kind: "binary", ...decodeBinary(e.data as ArrayBuffer) });
      }
      this.#notify();
    };
    this.closed = new Promise((resolve) => {
      ws.onclose = (e) => {
        this.#notify();
        resolve(e);
      };
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  static async connect(
    url: string,
    headers: Record<string, string> = USER_HEADER,
  ): Promise<TestClient> {
    const ws = openWebSocket(url, headers);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`could not connect to ${url}`));
    });
    return client;
  }

  /** Removes and returns the first received message matching `pred`, waiting up to `ms`. */
  async take(pred: (m: Received) => boolean, ms = 2000, what = "message"): Promise<Received> {
    const deadline = Date.now() + ms;
    while (true) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(
          `no ${what} within ${ms} ms; got ${JSON.stringify(this.received.map(summary))}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** The first text message of this type. */
  async text(type: string, ms = 2000): Promise<Record<string, unknown>> {
    const m = await this.take(
      (m) => m.kind === "text" && m.data.type === type,
      ms,
      `"${type}" message`,
    );
    return (m as { data: Record<string, unknown> }).data;
  }

  async binary(ms = 2000): Promise<{ header: Record<string, unknown>; jpeg: Uint8Array }> {
    const m = await this.take((m) => m.kind === "binary", ms, "binary frame");
    return m as { header: Record<string, unknown>; jpeg: Uint8Array };
  }

  binaries(): { header: Record<string, unknown>; jpeg: Uint8Array }[] {
    return this.received.filter((m) => m.kind === "binary") as {
      header: Record<string, unknown>;
      jpeg: Uint8Array;
    }[];
  }

  send(data: string | Uint8Array<ArrayBuffer>): void {
    this.ws.send(data);
  }

  async close(): Promise<CloseEvent> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    return await this.closed;
  }
}

function summary(m: Received): string {
  return m.kind === "text" ? String(m.data.type) : `binary@${m.header.ts}`;
}

/**
 * Sends a WebSocket upgrade request over a raw TCP connection and returns the response's status
 * and body (the WebSocket API hides refusals' status codes). Closes the connection.
 */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return rawGet(port, path, {
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...headers,
  });
}

/**
 * A GET with the request target sent exactly as given (fetch and URL would normalise `..`
 * and `%2e`), over a raw TCP connection. Returns the status and the (text) body.
 */
export async function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      ...Object.entries({ Connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n")));
    let text = "";
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const status = Number(text.slice(9, 12));
      if (status === 101) return { status, body: "" };
      const len = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (text.length >= end + 4 + len) return { status, body: text.slice(end + 4, end + 4 + len) };
    }
    return { status: Number(text.slice(9, 12)), body: "" };
  } finally {
    conn.close();
  }
}

/**
 * Opens a WebSocket over raw TCP and never reads from it: a stalled browser. Close the
 * returned connection when done.
 */
export async function stalledClient(port: number, path: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const req = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    "x-test-user: 1",
    "",
    "",
  ];
  await conn.write(new TextEncoder().encode(req.join("\r\n")));
  return conn;
}
