/**
 * Turns raw yuv420p frames into JPEGs on demand, through one long-lived ffmpeg per camera
 * (rawvideo on its stdin, back-to-back JPEGs on its stdout). Frames go in and come out in order, so
 * each JPEG is paired with the frame it was asked for. It is started on the first request and
 * stays up; memory is bounded: at most MAX_IN_FLIGHT frames wait, each in a reused buffer.
 */

import { JpegStream } from "./jpeg_stream.ts";

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
  #proc: Deno.ChildProcess | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** Resolvers in the order their frames were written. */
  #waiting: Waiting[] = [];
  /** Buffers free for the next frame (each returns once ffmpeg has taken its bytes). */
  readonly #free: Uint8Array[] = [];
  #buffers = 0;
  /** Writes are chained so frames reach ffmpeg whole and in order. */
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #stderr: string[] = [];
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
    const writer = this.#ensureRunning();
    const { promise, resolve } = Promise.withResolvers<Uint8Array | null>();
    const proc = this.#proc;
    this.#waiting.push({ resolve, at: performance.now() });
    this.#watchStall();
    this.#writing = this.#writing.then(async () => {
      try {
        if (this.#proc === proc) await writer.write(buf);
      } catch {
        // ffmpeg is gone: #onExit answers the waiting requests
      } finally {
        this.#free.push(buf);
      }
    });
    return promise;
  }

  /** Ends ffmpeg; waiting requests get null. */
  async close(): Promise<void> {
    this.#closed = true;
    const proc = this.#proc;
    if (!proc) return;
    try {
      await this.#writer?.close();
    } catch {
      // already broken
    }
    const t = setTimeout(() => {
      try {
        proc.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 2000);
    try {
      await proc.status;
    } finally {
      clearTimeout(t);
    }
    await this.#writing;
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
        this.#stderr.push("vigil: the JPEG encoder answered nothing for 5 s");
        try {
          this.#proc?.kill("SIGKILL");
        } catch {
          // gone
        }
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

  #ensureRunning(): WritableStreamDefaultWriter<Uint8Array> {
    if (this.#proc && this.#writer) return this.#writer;
    const o = this.#opts;
    const proc = new Deno.Command(o.ffmpegPath ?? "ffmpeg", {
      args: encoderArgs(o.width, o.height, o.quality),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#proc = proc;
    this.#stderr = [];
    const writer = proc.stdin.getWriter();
    this.#writer = writer;
    const demux = new JpegStream();
    demux.onImage = (data) => {
      const w = this.#waiting.shift();
      this.encoded++;
      w?.resolve(data.slice());
    };
    const out = (async () => {
      try {
        for await (const chunk of proc.stdout) demux.push(chunk);
      } catch (err) {
        this.#stderr.push(`vigil: cannot read the JPEG encoder: ${(err as Error).message}`);
        try {
          proc.kill("SIGKILL");
        } catch {
          // gone
        }
      }
    })();
    const err = (async () => {
      const text = new TextDecoder();
      try {
        for await (const chunk of proc.stderr) {
          this.#stderr.push(text.decode(chunk));
          if (this.#stderr.length > 10) this.#stderr.shift();
        }
      } catch {
        // gone
      }
    })();
    Promise.all([out, err, proc.status]).then(([, , status]) => {
      if (this.#proc !== proc) return;
      this.#proc = null;
      this.#writer = null;
      if (!this.#closed) {
        (o.log ?? console.error)(
          `vigil: JPEG encoder exited (${status.code}): ${
            this.#stderr.join("").trim().slice(-300)
          }`,
        );
      }
      this.#fail();
    });
    return writer;
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
