/**
 * `deno task dev` reloads open pages when the server restarts: pages get a small script that
 * listens on `/_dev/events`, which sends this server's id; `--watch` restarts the server on a
 * change, the stream drops, the browser reconnects, sees a new id and reloads. Off unless
 * dev.ts turns it on.
 */
import type { Env, Hono } from "hono";

export const DEV_EVENTS_PATH = "/_dev/events";
const SERVER_ID = crypto.randomUUID();
let enabled = false;

export function enableDevReload(): void {
  enabled = true;
}

export function devReloadEnabled(): boolean {
  return enabled;
}

/** The page side: reload when the server id changes (the stream reconnects on its own). */
export function devReloadScript(): string {
  return `{const s=new EventSource("${DEV_EVENTS_PATH}");let id;` +
    `s.onmessage=(e)=>{if(id&&id!==e.data)location.reload();id=e.data;};}`;
}

/** `GET /_dev/events`: a server-sent event stream with this server's id, kept open. */
export function registerDevReload<E extends Env>(app: Hono<E>): void {
  app.get(DEV_EVENTS_PATH, (c) => {
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(encoder.encode(`retry: 300\ndata: ${SERVER_ID}\n\n`));
        // a comment now and then keeps proxies from closing an idle stream
        timer = setInterval(() => ctl.enqueue(encoder.encode(": ping\n\n")), 15_000);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    c.header("content-type", "text/event-stream");
    c.header("cache-control", "no-store");
    return c.body(body);
  });
}
