/**
 * Turns raw yuv420p frames into JPEGs on demand, through one long-lived ffmpeg per camera
 * (rawvideo on its stdin, back-to-back JPEGs on its stdout). Frames go in and come out in order, so
 * each JPEG is paired with the frame it was asked for. It is started on the first request and
 * stays up; memory is bounded: at most MAX_IN_FLIGHT frames wait, each in a reused buffer.
 */

import { JpegProcess } from "./jpeg_process.ts";

/** Frames waiting for their JPEG at most; past it a request is answered with null (dropped). */
export const MAX_IN_FLIGHT = 6;
/** An encoder that answers nothing for this long is killed (its requests get null). */
export const ENCODER_STALL_MS = 5000;

export interface JpegEncoderOptions {
  width: number;
  height: number;
  /** ffmpeg -q:v (2 best … 31 worst). */
  quality: number;
  ffmpegPath?: string;
  /** Where the encoder's own failures are written (default console.error). */
  log?: (line: string) => void;
}

interface Waiting {
  resolve: (jpeg: Uint8Array | null) => void;
  /** performance.now() when asked. */
  at: number;
}

/** Bytes of one yuv420p frame of this size. */
export function yuv420pBytes(width: number, height: number): number {
  const cw = Math.ceil(width / 2), ch = Math.ceil(height / 2);
  return width * height + 2 * cw * ch;
}

export class JpegEncoder {
  readonly width: number;
  readonly height: number;
  readonly frameBytes: number;
  /** JPEGs made since creation. */
  encoded = 0;
  /** Requests answered with null: too many in flight, or the encoder failed. */
  dropped = 0;
  readonly #opts: JpegEncoderOptions;
  #proc: JpegProcess | null = null;
  /** Resolvers in the order their frames were written. */
  #waiting: Waiting[] = [];
  /** Buffers free for the next frame (each returns once ffmpeg has taken its bytes). */
  readonly #free: Uint8Array[] = [];
  #buffers = 0;
  #closed = false;
  #watch: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: JpegEncoderOptions) {
    this.#opts = opts;
    this.width = opts.width;
    this.height = opts.height;
    this.frameBytes = yuv420pBytes(opts.width, opts.height);
  }

  /** Frames waiting for their JPEG now. */
  get inFlight(): number {
    return this.#waiting.length;
  }

  /**
   * Queues `raw` (copied at once, so the caller may reuse it) and resolves with its JPEG, or
   * null when it could not be made (overloaded, ffmpeg failed, closed).
   */
  encode(raw: Uint8Array): Promise<Uint8Array | null> {
    if (this.#closed || raw.length !== this.frameBytes) {
      this.dropped++;
      return Promise.resolve(null);
    }
    const buf = this.#takeBuffer();
    if (!buf) {
      this.dropped++;
      return Promise.resolve(null);
    }
    buf.set(raw);
    const proc = this.#ensureRunning();
    const { promise, resolve } = Promise.withResolvers<Uint8Array | null>();
    this.#waiting.push({ resolve, at: performance.now() });
    this.#watchStall();
    // If ffmpeg is gone, its exit answers the waiting requests.
    proc.write(buf).finally(() => this.#free.push(buf));
    return promise;
  }

  /** Ends ffmpeg; waiting requests get null. */
  async close(): Promise<void> {
    this.#closed = true;
    const proc = this.#proc;
    if (!proc) return;
    await proc.close();
    this.#fail();
  }

  /** While requests wait: a hung ffmpeg (alive, answering nothing) is killed, not waited on. */
  #watchStall(): void {
    if (this.#watch !== null) return;
    this.#watch = setTimeout(() => {
      this.#watch = null;
      const oldest = this.#waiting[0];
      if (!oldest) return;
      if (performance.now() - oldest.at > ENCODER_STALL_MS) {
        this.#proc?.note("vigil: the JPEG encoder answered nothing for 5 s");
        this.#proc?.kill();
        return;
      }
      this.#watchStall();
    }, ENCODER_STALL_MS / 5);
  }

  #takeBuffer(): Uint8Array | null {
    const free = this.#free.pop();
    if (free) return free;
    if (this.#buffers >= MAX_IN_FLIGHT) return null;
    this.#buffers++;
    return new Uint8Array(this.frameBytes);
  }

  #ensureRunning(): JpegProcess {
    if (this.#proc) return this.#proc;
    const o = this.#opts;
    const proc = new JpegProcess(
      o.ffmpegPath ?? "ffmpeg",
      encoderArgs(o.width, o.height, o.quality),
      (data) => {
        this.encoded++;
        this.#waiting.shift()?.resolve(data.slice());
      },
    );
    this.#proc = proc;
    proc.exited.then((code) => {
      if (this.#proc !== proc) return;
      this.#proc = null;
      if (!this.#closed) {
        (o.log ?? console.error)(`vigil: JPEG encoder exited (${code}): ${proc.stderr}`);
      }
      this.#fail();
    });
    return proc;
  }

  /** Answers every waiting request with null. */
  #fail(): void {
    if (this.#watch !== null) clearTimeout(this.#watch);
    this.#watch = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.dropped += waiting.length;
    for (const w of waiting) w.resolve(null);
  }
}

/**
 * ffmpeg's command line: raw yuv420p frames in, JPEGs out. One thread and a bare JPEG stream:
 * frame threads and Matroska clusters would each hold a JPEG back until the next frame came.
 */
export function encoderArgs(width: number, height: number, quality: number): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "error",
    // Nothing to probe: the format is given, and probing would hold the first frames back.
    "-probesize",
    "32",
    "-analyzeduration",
    "0",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "yuv420p",
    "-video_size",
    `${width}x${height}`,
    "-framerate",
    "15",
    "-i",
    "pipe:0",
    // JPEG wants full-range levels; converting only the frames asked for is the saving.
    "-filter_threads",
    "1",
    "-vf",
    "format=yuvj420p",
    "-threads",
    "1",
    "-c:v",
    "mjpeg",
    "-q:v",
    String(quality),
    "-fps_mode",
    "passthrough",
    "-f",
    "mjpeg",
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
