/**
 * JPEGs of chosen frames of a compressed camera stream (H.264, HEVC…), decoded only when someone
 * needs them. The capture's ffmpeg copies the camera's packets beside the gray frames (no second
 * picture, no encode); this keeps the packets since the last keyframe, and when a frame's JPEG is
 * asked for, feeds one long-lived ffmpeg from that keyframe on (Matroska in, bare JPEGs out) and
 * keeps feeding while requests keep coming. Only the frames likely wanted are encoded; their JPEGs
 * come out in presentation order, so each is paired with the smallest such time not yet out.
 */

import { JpegProcess } from "./jpeg_process.ts";
import type { MkvTrack } from "./mkv_demuxer.ts";
import { mkvFrame, mkvHeader } from "./mkv_writer.ts";

/** Requests waiting at most; past it a request is answered with null. */
export const MAX_WAITING = 8;
/**
 * Feeding (and encoding) goes on this long after the last request that said more would follow:
 * a short pause in motion costs a few JPEGs instead of decoding again from the keyframe.
 */
export const FEED_GRACE_MS = 300;
/** A decoder that answers nothing for this long is killed (its requests get null). */
export const DECODER_STALL_MS = 5000;
/** Packets kept since the last keyframe at most (a longer GOP is fed from its next keyframe). */
export const MAX_GOP_BYTES = 32 * 1024 * 1024;

export interface JpegDecoderOptions {
  /** The copied stream's track, as the capture's ffmpeg described it. */
  track: MkvTrack;
  /** ffmpeg -q:v (2 best … 31 worst). */
  quality: number;
  ffmpegPath?: string;
  /** Where the decoder's own failures are written (default console.error). */
  log?: (line: string) => void;
  /** Milliseconds, for the grace and stall timers (tests). */
  now?: () => number;
}

interface Packet {
  pts: number;
  keyframe: boolean;
  data: Uint8Array;
}

interface Waiter {
  pts: number;
  resolve: (jpeg: Uint8Array | null) => void;
}

export class JpegDecoder {
  /** JPEGs ffmpeg made (asked for or decoded on the way to one). */
  encoded = 0;
  /** Requests answered with null: no keyframe yet, too many waiting, or ffmpeg failed. */
  dropped = 0;
  readonly #opts: JpegDecoderOptions;
  readonly #now: () => number;
  /** The packets since the last keyframe, in arrival (decode) order. */
  #gop: Packet[] = [];
  /** The GOP before it. */
  #previous: Packet[] = [];
  #gopBytes = 0;
  /** Packets go to ffmpeg as they arrive. */
  #feeding = false;
  /** Feeding stops once nobody waits and this time has passed. */
  #feedUntil = 0;
  /** Times of the frames fed and not yet out of ffmpeg, ascending. */
  #fed: number[] = [];
  #waiting: Waiter[] = [];
  #proc: JpegProcess | null = null;
  #lastOutput = 0;
  #watch: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(opts: JpegDecoderOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Whether a JPEG of the frame at `pts` costs one decode now (fed already, or a keyframe). */
  cheap(pts: number): boolean {
    return this.#feeding || this.#gop[0]?.pts === pts;
  }

  /** Whether the packet of the frame at `pts` came (among the last few). */
  has(pts: number): boolean {
    const gop = this.#gop;
    for (let i = gop.length - 1; i >= Math.max(0, gop.length - 16); i--) {
      if (gop[i].pts === pts) return true;
    }
    return false;
  }

  /** Every copied packet, in the order the capture got them. */
  packet(pts: number, data: Uint8Array, keyframe: boolean): void {
    if (this.#closed) return;
    const p: Packet = { pts, keyframe, data: data.slice() };
    if (keyframe) {
      // The GOP before stays: with B-frames its last pictures come out after this keyframe.
      this.#previous = this.#gop;
      this.#gop = [];
      this.#gopBytes = 0;
    }
    if (this.#gop.length > 0 || keyframe) {
      this.#gopBytes += data.length;
      if (this.#gopBytes > MAX_GOP_BYTES) {
        this.#gop = [];
        this.#previous = [];
        this.#gopBytes = 0;
      } else this.#gop.push(p);
    }
    if (!this.#feeding) return;
    const more = this.#now() < this.#feedUntil;
    if (!more && this.#waiting.length === 0) {
      this.#feeding = false;
      return;
    }
    // Past the grace, packets go on only to push the awaited pictures out (B-frames).
    this.#feed(p, more);
  }

  /**
   * The JPEG of the frame at `pts` (its packet already came), or null when it cannot be made.
   * `more`: more requests will likely follow (motion, a live client), so feeding goes on for
   * FEED_GRACE_MS after this one instead of starting again from a keyframe.
   */
  jpegOf(pts: number, more: boolean): Promise<Uint8Array | null> {
    if (this.#closed || this.#waiting.length >= MAX_WAITING) {
      this.dropped++;
      return Promise.resolve(null);
    }
    if (!this.#feeding) {
      const has = (gop: Packet[]) => gop.some((p) => p.pts === pts);
      const from = has(this.#gop)
        ? this.#gop
        : has(this.#previous)
        ? [...this.#previous, ...this.#gop]
        : null;
      if (!from) {
        this.dropped++; // no keyframe yet (or the GOP was too long to keep)
        return Promise.resolve(null);
      }
      this.#feeding = true;
      // Frames shown before the one asked for are only decoded (references); from it on
      // (in presentation order: with B-frames later ones may come first), encoded.
      for (const p of from) this.#feed(p, p.pts >= pts);
    }
    if (more) this.#feedUntil = Math.max(this.#feedUntil, this.#now() + FEED_GRACE_MS);
    const { promise, resolve } = Promise.withResolvers<Uint8Array | null>();
    this.#waiting.push({ pts, resolve });
    if (this.#waiting.length === 1) this.#lastOutput = this.#now();
    this.#watchStall();
    return promise;
  }

  /** Ends ffmpeg; waiting requests get null. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#feeding = false;
    await this.#proc?.close();
    this.#fail();
  }

  /** Sends a packet to ffmpeg; only `wanted` frames come out as JPEGs (odd times, see below). */
  #feed(p: Packet, wanted: boolean): void {
    const proc = this.#ensureRunning();
    const time = Math.round(p.pts) * 2 + (wanted ? 1 : 0);
    if (wanted) insertSorted(this.#fed, p.pts);
    // If ffmpeg is gone, its exit answers the waiting requests.
    void proc.write(mkvFrame(this.#opts.track.number, time, p.keyframe, p.data));
  }

  /** A JPEG came out: it is the earliest frame fed and not yet out. */
  #onJpeg(data: Uint8Array): void {
    this.encoded++;
    this.#lastOutput = this.#now();
    const pts = this.#fed.shift();
    if (pts === undefined) return;
    while (this.#waiting.length > 0 && this.#waiting[0].pts <= pts) {
      const w = this.#waiting.shift()!;
      if (w.pts === pts) w.resolve(data.slice());
      else {
        this.dropped++; // its frame never came out (a decoding error)
        w.resolve(null);
      }
    }
  }

  /** While requests wait: a hung ffmpeg (alive, answering nothing) is killed, not waited on. */
  #watchStall(): void {
    if (this.#watch !== null) return;
    this.#watch = setTimeout(() => {
      this.#watch = null;
      if (this.#waiting.length === 0) return;
      if (this.#now() - this.#lastOutput > DECODER_STALL_MS) {
        this.#proc?.note("vigil: the JPEG decoder answered nothing for 5 s");
        this.#proc?.kill();
        return;
      }
      this.#watchStall();
    }, DECODER_STALL_MS / 5);
  }

  #ensureRunning(): JpegProcess {
    if (this.#proc) return this.#proc;
    const o = this.#opts;
    const proc = new JpegProcess(o.ffmpegPath ?? "ffmpeg", decoderArgs(o.quality), (data) => {
      this.#onJpeg(data);
    });
    this.#proc = proc;
    this.#fed = [];
    void proc.write(mkvHeader(o.track.entry));
    proc.exited.then((code) => {
      if (this.#proc !== proc) return;
      this.#proc = null;
      this.#feeding = false;
      if (!this.#closed) {
        (o.log ?? console.error)(`vigil: JPEG decoder exited (${code}): ${proc.stderr}`);
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

function insertSorted(list: number[], value: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1] > value) i--;
  list.splice(i, 0, value);
}

/**
 * ffmpeg's command line: the camera's packets in Matroska in, bare JPEGs out. One decoding
 * thread (frame threads hold pictures back) and no Matroska out (its muxer holds each JPEG back
 * until the next one).
 */
export function decoderArgs(quality: number): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "error",
    "-threads",
    "1",
    "-probesize",
    "32",
    "-analyzeduration",
    "0",
    "-f",
    "matroska",
    "-i",
    "pipe:0",
    "-map",
    "0:v:0",
    "-filter_threads",
    "1",
    // Only frames fed with an odd time are wanted; the others are references, decoded only.
    // Feeding again from a keyframe goes back in time: the encoder wants rising times (the bare
    // JPEGs out carry none). JPEG wants full-range levels.
    "-vf",
    "select=mod(pts\\,2),setpts=N/TB,format=yuvj420p",
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
