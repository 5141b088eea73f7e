/**
 * @module
 * Plays a camera's live H.264 in a `<video>` with Media Source Extensions: the init segment and
 * the fragments from `/ws?video=mse` (lib/live/mse_protocol.ts) are appended in order; the
 * buffer behind the playhead is trimmed; a player that falls behind the live edge catches up
 * (a little faster first, then by a jump). It also maps the video's timeline to the server's
 * wall clock (each fragment carries both), so motion boxes can be drawn at their frame's time.
 * No Preact: components/mse_feed.ts drives it.
 */

/** Whether this browser can play `mime` (or has Media Source Extensions at all). */
export function mseSupported(mime?: string): boolean {
  const MS = (globalThis as { MediaSource?: typeof MediaSource }).MediaSource;
  if (typeof MS !== "function") return false;
  return mime === undefined || MS.isTypeSupported(mime);
}

/** Behind the live edge by more than this (s): play 10 % faster. */
const CATCH_UP_S = 0.5;
/** Behind by more than this (s): jump to the edge. */
const JUMP_S = 2;
/** Buffered video kept behind the playhead (s). */
const KEEP_BEHIND_S = 10;
/** Appends waiting past this many bytes: the oldest wait is dropped up to the next keyframe. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

interface Queued {
  bytes: Uint8Array<ArrayBuffer>;
  key: boolean;
}

export class MsePlayer {
  readonly #video: HTMLVideoElement;
  readonly #onError: (message: string) => void;
  #source: MediaSource | null = null;
  #buffer: SourceBuffer | null = null;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  /** Fragment decode time (s) → server wall clock (ms), newest last. */
  #times: { t: number; ts: number }[] = [];
  #started = false;
  #url = "";

  constructor(video: HTMLVideoElement, onError: (message: string) => void) {
    this.#video = video;
    this.#onError = onError;
  }

  /** Starts a stream (again) with its init segment; false when the browser cannot play it. */
  start(mime: string, init: Uint8Array): boolean {
    this.stop();
    if (!mseSupported(mime)) return false;
    const source = new MediaSource();
    this.#source = source;
    this.#url = URL.createObjectURL(source);
    this.#queue = [{ bytes: init.slice(), key: true }];
    this.#queuedBytes = init.length;
    source.addEventListener("sourceopen", () => {
      if (this.#source !== source) return;
      URL.revokeObjectURL(this.#url);
      try {
        const sb = source.addSourceBuffer(mime);
        sb.mode = "segments";
        sb.addEventListener("updateend", () => this.#afterAppend());
        sb.addEventListener("error", () => this.#fail("the browser could not decode the video"));
        this.#buffer = sb;
        this.#pump();
      } catch (err) {
        this.#fail(`the browser refused the video: ${(err as Error).message}`);
      }
    }, { once: true });
    this.#video.muted = true;
    this.#video.playsInline = true;
    this.#video.src = this.#url;
    return true;
  }

  /** One media fragment: `t` its decode time (s), `ts` the server's clock when it came. */
  append(t: number, ts: number, key: boolean, bytes: Uint8Array): void {
    if (!this.#source) return;
    this.#times.push({ t, ts });
    if (this.#times.length > 600) this.#times.splice(0, this.#times.length - 300);
    this.#queue.push({ bytes: bytes.slice(), key });
    this.#queuedBytes += bytes.length;
    if (this.#queuedBytes > MAX_QUEUED_BYTES) this.#dropToKeyframe();
    this.#pump();
  }

  /** The server wall-clock time (ms) of the picture at `mediaTime` (s), if known. */
  wallClockAt(mediaTime: number): number | null {
    for (let i = this.#times.length - 1; i >= 0; i--) {
      const p = this.#times[i];
      if (p.t <= mediaTime + 1e-3) return p.ts + (mediaTime - p.t) * 1000;
    }
    return null;
  }

  stop(): void {
    const source = this.#source;
    this.#source = null;
    this.#buffer = null;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#times = [];
    this.#started = false;
    if (source) {
      this.#video.removeAttribute("src");
      this.#video.load();
      URL.revokeObjectURL(this.#url);
    }
  }

  #dropToKeyframe(): void {
    // keep the init segment if it still waits (first item without a media key before it)
    const next = this.#queue.findIndex((q, i) => i > 0 && q.key);
    const cut = next > 0 ? next : this.#queue.length;
    const dropped = this.#queue.splice(this.#started ? 0 : 1, cut - (this.#started ? 0 : 1));
    this.#queuedBytes -= dropped.reduce((n, q) => n + q.bytes.length, 0);
  }

  #pump(): void {
    const sb = this.#buffer;
    if (!sb || sb.updating || !this.#queue.length || this.#source?.readyState !== "open") return;
    const v = this.#video;
    if (sb.buffered.length && v.currentTime - sb.buffered.start(0) > KEEP_BEHIND_S * 2) {
      sb.remove(0, v.currentTime - KEEP_BEHIND_S); // updateend pumps again
      return;
    }
    const next = this.#queue.shift()!;
    this.#queuedBytes -= next.bytes.length;
    try {
      sb.appendBuffer(next.bytes);
    } catch (err) {
      if ((err as DOMException).name === "QuotaExceededError" && sb.buffered.length) {
        this.#queue.unshift(next);
        this.#queuedBytes += next.bytes.length;
        sb.remove(0, Math.max(sb.buffered.start(0) + 1, v.currentTime - 1));
      } else this.#fail(`the browser refused a video fragment: ${(err as Error).message}`);
    }
  }

  #afterAppend(): void {
    const sb = this.#buffer;
    if (!sb) return;
    const v = this.#video;
    const b = sb.buffered;
    if (b.length) {
      const end = b.end(b.length - 1);
      if (!this.#started) {
        this.#started = true;
        v.currentTime = b.start(b.length - 1);
        v.play().catch(() => {/* autoplay refused: muted video should not be */});
      } else if (end - v.currentTime > JUMP_S || v.currentTime < b.start(b.length - 1)) {
        v.currentTime = Math.max(b.start(b.length - 1), end - 0.2);
      } else v.playbackRate = end - v.currentTime > CATCH_UP_S ? 1.1 : 1;
      if (v.paused && v.readyState >= 2) v.play().catch(() => {});
    }
    this.#pump();
  }

  #fail(message: string): void {
    this.stop();
    this.#onError(message);
  }
}
