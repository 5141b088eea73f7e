import { join } from "node:path";
import type { Bus, Subscription } from "../bus/mod.ts";
import type { EventRow, Store } from "./store.ts";
import { EVENT_DIR_PATTERN, frameUrl } from "./paths.ts";

/** The thumbnail's file name, in the event's folder next to its frames. */
export const THUMB_NAME = "thumb.jpg";

/**
 * An event's thumbnail path relative to the data folder: `<camera>/<YYYY-MM-DD>/<eventId>/thumb.jpg`.
 * `/frames/…` serves it as it serves FRAME_PATH (and nothing else of that folder).
 */
export const THUMB_PATH = new RegExp(`^${EVENT_DIR_PATTERN}thumb\\.jpg$`);

/** Thumbnails are at most this wide (smaller frames keep their size). */
export const THUMB_WIDTH = 320;

/** `<event folder>/thumb.jpg` of an event (from its best frame's url), or null without frames. */
export function thumbRelPath(event: Pick<EventRow, "thumbnail">): string | null {
  const url = event.thumbnail;
  if (!url?.startsWith("/frames/")) return null;
  const rel = url.slice("/frames/".length);
  const slash = rel.lastIndexOf("/");
  const path = slash > 0 ? `${rel.slice(0, slash)}/${THUMB_NAME}` : "";
  return THUMB_PATH.test(path) ? path : null;
}

/**
 * The picture to show for an event in lists: the url of its small `thumb.jpg` once it has been
 * made, else its best frame's url (EventRow.thumbnail), or null without frames.
 */
export function thumbnailUrl(dataDir: string, event: EventRow): string | null {
  const rel = thumbRelPath(event);
  if (!rel || event.end === null) return event.thumbnail;
  try {
    if (Deno.statSync(join(dataDir, rel)).isFile) return frameUrl(rel);
  } catch { /* not made (yet) */ }
  return event.thumbnail;
}

/**
 * `event` as lists show it: `thumbnail` is its small thumbnail's url once made, else its best
 * frame's. With `thumbnails`, a missing thumbnail is made in the background for next time.
 */
export function withThumbnail(event: EventRow, store: Store, thumbnails?: Thumbnails): EventRow {
  const url = thumbnails ? thumbnails.url(event) : thumbnailUrl(store.dataDir, event);
  return url === event.thumbnail ? event : { ...event, thumbnail: url };
}

export interface ThumbnailOptions {
  /** Widest thumbnail in pixels. Default THUMB_WIDTH (320). */
  width?: number;
  /** ffmpeg's JPEG quality `-q:v` (2 best … 31 worst). Default 8 (demo scene: 3.8 kB vs 13 kB). */
  quality?: number;
  /** The ffmpeg binary. Default "ffmpeg". */
  ffmpeg?: string;
  /** An ffmpeg run taking longer is stopped. Default 10 s. */
  timeoutMs?: number;
  /** Most events waiting for a thumbnail; past it, requests are dropped (and asked again later). */
  maxQueue?: number;
  /** Where problems are reported. Default: console.error. */
  log?: (line: string) => void;
}

/**
 * Makes each closed event's `thumb.jpg` (its best frame scaled to at most 320 px wide by ffmpeg)
 * one at a time, in the background: when the bus says an event ended (`watch`), or when a list
 * shows an event that has none yet (`url`). A thumbnail is made once and kept in the event's
 * folder, so deleting the event (by hand or by retention) deletes it too. Failures are logged
 * once per burst and not retried for that event until restart; lists then show the full frame.
 */
export class Thumbnails {
  readonly #store: Store;
  readonly #opts: Required<ThumbnailOptions>;
  readonly #queue: number[] = [];
  readonly #queued = new Set<number>();
  readonly #failed = new Set<number>();
  #running: Promise<void> | null = null;
  #sub: Subscription | null = null;
  #failures = 0;
  #closed = false;

  constructor(store: Store, opts: ThumbnailOptions = {}) {
    this.#store = store;
    this.#opts = {
      width: opts.width ?? THUMB_WIDTH,
      quality: opts.quality ?? 8,
      ffmpeg: opts.ffmpeg ?? "ffmpeg",
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxQueue: opts.maxQueue ?? 256,
      log: opts.log ?? ((line) => console.error(line)),
    };
    const { width, quality } = this.#opts;
    if (!Number.isSafeInteger(width) || width < 16 || width > 4096) {
      throw new RangeError(`thumbnail width must be an integer from 16 to 4096, got ${width}`);
    }
    if (!Number.isSafeInteger(quality) || quality < 2 || quality > 31) {
      throw new RangeError(`thumbnail quality must be an integer from 2 to 31, got ${quality}`);
    }
  }

  /** thumbnailUrl(); when the event has no thumbnail yet, one is made in the background. */
  url(event: EventRow): string | null {
    const url = thumbnailUrl(this.#store.dataDir, event);
    if (url !== null && url === event.thumbnail && event.end !== null) this.request(event.id);
    return url;
  }

  /** Queues the making of an event's thumbnail (no-op when queued, failed before, or full). */
  request(eventId: number): void {
    if (this.#closed || this.#queued.has(eventId) || this.#failed.has(eventId)) return;
    if (this.#queue.length >= this.#opts.maxQueue) return;
    this.#queue.push(eventId);
    this.#queued.add(eventId);
    this.#running ??= this.#pump();
  }

  /** Makes a thumbnail for every event that ends on `bus`, until close(). */
  watch(bus: Bus): void {
    if (this.#closed) return;
    const sub = bus.subscribe({ acceptFrame: () => false, maxQueue: 1024 });
    this.#sub = sub;
    (async () => {
      for await (const msg of sub) {
        if (msg.type === "event" && msg.phase === "end") this.request(msg.eventId);
      }
      // a burst of messages overflowed the queue (requests are cheap, so this is rare): again
      if (sub.closedReason === "overflow" && !this.#closed) this.watch(bus);
    })();
  }

  /** Resolves when every queued thumbnail is made (or failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops watching, drops the queue and waits for the thumbnail being made. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sub?.close();
    this.#queue.length = 0;
    await this.idle();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const id = this.#queue.shift()!;
        try {
          await this.make(id);
          if (this.#failures > 0) {
            this.#opts.log(`vigil: thumbnails work again (${this.#failures} failed)`);
            this.#failures = 0;
          }
        } catch (err) {
          if (this.#failed.size > 10_000) this.#failed.clear();
          this.#failed.add(id);
          if (this.#failures++ === 0) {
            this.#opts.log(
              `vigil: no thumbnail for event ${id}: ${(err as Error).message} ` +
                `(lists show its full frame; further failures are counted silently)`,
            );
          }
        } finally {
          this.#queued.delete(id);
        }
      }
    } finally {
      this.#running = null;
    }
  }

  /**
   * Makes one closed event's thumbnail now, unless it exists. Returns its path relative to the
   * data folder, or null when there is nothing to make (unknown, open or frameless event, event
   * deleted meanwhile). Throws when ffmpeg fails or the file cannot be written.
   */
  async make(eventId: number): Promise<string | null> {
    const store = this.#store;
    const event = this.#event(eventId);
    if (!event || event.end === null || !event.thumbnail) return null;
    const rel = thumbRelPath(event);
    if (!rel) return null;
    const path = join(store.dataDir, rel);
    if (await exists(path)) return rel;
    const frameRel = event.thumbnail.slice("/frames/".length);
    let frame = store.cachedFrame(frameRel);
    if (!frame) {
      try {
        frame = await Deno.readFile(join(store.dataDir, frameRel));
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return null; // deleted meanwhile
        throw err;
      }
    }
    const thumb = await this.#scale(frame);
    const dir = path.slice(0, path.lastIndexOf("/"));
    const tmp = `${path}.tmp`;
    // The folder may not exist yet while the frames' writes are queued.
    await Deno.mkdir(dir, { recursive: true });
    try {
      await Deno.writeFile(tmp, thumb);
      await Deno.rename(tmp, path);
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw new Error(`cannot write ${path}: ${(err as Error).message}`);
    }
    if (!this.#event(eventId)) {
      // deleted while ffmpeg ran: take the file and the folders it may have re-created away
      await Deno.remove(path).catch(() => {});
      await Deno.remove(dir).catch(() => {});
      await Deno.remove(dir.slice(0, dir.lastIndexOf("/"))).catch(() => {});
      return null;
    }
    return rel;
  }

  #event(id: number): EventRow | null {
    try {
      return this.#store.getEvent(id);
    } catch {
      return null; // the store was closed
    }
  }

  /** The JPEG `frame` scaled by ffmpeg to at most `width` px wide, as a JPEG. */
  async #scale(frame: Uint8Array): Promise<Uint8Array> {
    const { ffmpeg, width, quality, timeoutMs } = this.#opts;
    const args = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "jpeg_pipe",
      "-i",
      "pipe:0",
      "-vf",
      `scale=w='min(${width},iw)':h=-2`,
      "-frames:v",
      "1",
      "-q:v",
      String(quality),
      "-f",
      "mjpeg",
      "pipe:1",
    ];
    const timeout = AbortSignal.timeout(timeoutMs);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(ffmpeg, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        signal: timeout,
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new Error(`${ffmpeg} was not found (install the ffmpeg package)`);
      }
      throw err;
    }
    const writer = child.stdin.getWriter();
    const writing = writer.write(frame).then(() => writer.close()).catch(() => {});
    const out = await child.output();
    await writing;
    if (timeout.aborted) throw new Error(`ffmpeg took longer than ${timeoutMs} ms`);
    const jpeg = out.stdout;
    if (!out.success || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
      const why = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join(" / ");
      throw new Error(`ffmpeg could not scale the frame (exit ${out.code}: ${why || "no output"})`);
    }
    return jpeg;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
