/**
 * @module
 * One camera's live video relay: an ffmpeg that copies the camera's H.264 into fragmented MP4
 * (lib/live/mse_args.ts), started when the first video client joins and stopped `lingerMs`
 * after the last leaves. It keeps the init segment and the fragments since the last keyframe
 * (at most `maxGopBytes`), so a client that joins starts at a keyframe at once, and fans the
 * fragments out, each encoded once for every client. A relay that fails is retried with backoff
 * while clients wait (they get JPEG frames meanwhile); a camera that turns out not to be
 * H.264 is reported once and not retried until its settings change.
 */
import { denoSpawn, type Spawner } from "../capture/process.ts";
import type { CaptureProcess } from "../capture/process.ts";
import { explainExit, FFMPEG_MISSING } from "../capture/errors.ts";
import { Mp4Segmenter } from "./mp4_boxes.ts";
import { relayArgs } from "./mse_args.ts";
import { encodeVideoChunk } from "./mse_protocol.ts";

/** The init segment, as sent to every client. */
export interface RelayInit {
  codec: string;
  mime: string;
  width: number;
  height: number;
  /** The binary video message (init), encoded once. */
  wire: Uint8Array<ArrayBuffer>;
}

/** One media fragment, as sent to every client. */
export interface RelayFragment {
  key: boolean;
  /** Decode time, seconds. */
  t: number;
  /** When the server read it from ffmpeg (epoch ms). */
  ts: number;
  wire: Uint8Array<ArrayBuffer>;
}

/** A client of the relay (lib/live/mse_client.ts's MseClientFeed). */
export interface RelaySink {
  /** The stream (re)starts: its init segment, then the fragments since the last keyframe. */
  ready(init: RelayInit, backlog: readonly RelayFragment[]): void;
  media(fragment: RelayFragment): void;
  /** No video for now (`final`: not for this camera's current settings). */
  stopped(message: string, final: boolean): void;
}

/** How to open the camera now, or why it cannot be relayed. */
export type RelayPlan =
  | { key: string; source: string; input: string[] }
  | { unavailable: string };

export interface RelayOptions {
  camera: string;
  plan: () => RelayPlan;
  ffmpegPath?: string;
  spawn?: Spawner;
  /** The process stays this long after the last client leaves (a reload rejoins at once). */
  lingerMs?: number;
  /** No bytes from ffmpeg this long → it is restarted. */
  stallMs?: number;
  /** The kept GOP is dropped past this (a client joining then waits for the next keyframe). */
  maxGopBytes?: number;
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  log?: (line: string) => void;
}

export class VideoRelay {
  readonly camera: string;
  readonly #o: RelayOptions;
  readonly #sinks = new Set<RelaySink>();
  #proc: CaptureProcess | null = null;
  #procKey = "";
  #init: RelayInit | null = null;
  #gop: RelayFragment[] = [];
  #gopBytes = 0;
  /** Why the current settings cannot be relayed (not H.264), with the key it is true for. */
  #final: { key: string; message: string } | null = null;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #restart: ReturnType<typeof setTimeout> | undefined;
  #watch: ReturnType<typeof setInterval> | undefined;
  #delay: number;
  #lastData = 0;
  #stopped = false;
  #exited: Promise<void> = Promise.resolve();
  /** Fragments relayed since the process started (tests, stats). */
  fragments = 0;

  constructor(opts: RelayOptions) {
    this.camera = opts.camera;
    this.#o = opts;
    this.#delay = opts.restartDelayMs ?? 1000;
  }

  /** The running ffmpeg's pid, or null. */
  get pid(): number | null {
    return this.#proc?.pid ?? null;
  }

  get clients(): number {
    return this.#sinks.size;
  }

  /** Adds a client; returns its leave function. */
  join(sink: RelaySink): () => void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#sinks.add(sink);
    if (this.#init) sink.ready(this.#init, this.#gop);
    else if (!this.#proc && this.#restart === undefined) this.#start();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#sinks.delete(sink);
      if (this.#sinks.size === 0 && !this.#stopped) {
        this.#linger = setTimeout(() => {
          this.#linger = undefined;
          if (this.#sinks.size === 0) this.#halt();
        }, this.#o.lingerMs ?? 5000);
      }
    };
  }

  /** Ends the process and every client's video (server shutdown, camera removed). */
  async stop(message = "video relay stopped"): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#linger);
    for (const s of [...this.#sinks]) s.stopped(message, true);
    this.#sinks.clear();
    this.#halt();
    await this.#exited;
  }

  #halt(): void {
    clearTimeout(this.#restart);
    this.#restart = undefined;
    clearInterval(this.#watch);
    this.#init = null;
    this.#gop = [];
    this.#gopBytes = 0;
    const p = this.#proc;
    this.#proc = null;
    try {
      p?.kill("SIGKILL");
    } catch { /* gone */ }
  }

  #tellAll(message: string, final: boolean): void {
    for (const s of [...this.#sinks]) s.stopped(message, final);
    if (final) this.#sinks.clear();
  }

  #start(): void {
    if (this.#stopped) return;
    const plan = this.#o.plan();
    if ("unavailable" in plan) return this.#tellAll(plan.unavailable, true);
    if (this.#final?.key === plan.key) return this.#tellAll(this.#final.message, true);
    this.#final = null;
    let proc: CaptureProcess;
    try {
      proc = (this.#o.spawn ?? denoSpawn)(this.#o.ffmpegPath ?? "ffmpeg", relayArgs(plan.input));
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound ? FFMPEG_MISSING : (err as Error).message;
      return this.#failed(`video relay could not start: ${why}`);
    }
    this.#proc = proc;
    this.#procKey = plan.key;
    this.#lastData = Date.now();
    this.fragments = 0;
    const stallMs = this.#o.stallMs ?? 15_000;
    this.#watch = setInterval(() => {
      if (this.#proc !== proc) return;
      const changed = (() => {
        const p = this.#o.plan();
        return "unavailable" in p || p.key !== this.#procKey;
      })();
      if (changed || Date.now() - this.#lastData > stallMs) {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }, 1000);
    const stderr: string[] = [];
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#exited = promise;
    (async () => {
      const reading = this.#read(proc);
      const errors = (async () => {
        const dec = new TextDecoder();
        let rest = "";
        for await (const chunk of proc.stderr) {
          const lines = (rest + dec.decode(chunk, { stream: true })).split("\n");
          rest = lines.pop() ?? "";
          stderr.push(...lines.filter((l) => l.trim()));
          if (stderr.length > 20) stderr.splice(0, stderr.length - 20);
        }
      })();
      const status = await proc.status;
      await Promise.allSettled([reading, errors]);
      clearInterval(this.#watch);
      if (this.#proc === proc) {
        this.#proc = null;
        this.#init = null;
        this.#gop = [];
        this.#gopBytes = 0;
        if (this.#final) this.#tellAll(this.#final.message, true);
        else {
          this.#failed(
            `video relay stopped: ${explainExit(plan.source, status.code, status.signal, stderr)}`,
          );
        }
      }
      resolve();
    })();
  }

  async #read(proc: CaptureProcess): Promise<void> {
    const seg = new Mp4Segmenter();
    try {
      for await (const chunk of proc.stdout) {
        if (this.#proc !== proc) continue; // halted: drain until the process is gone
        this.#lastData = Date.now();
        for (const s of seg.push(chunk)) {
          if (s.kind === "init") {
            const t = s.track;
            if (!t?.codec) {
              this.#final = {
                key: this.#procKey,
                message: `camera ${this.camera} sends ${
                  t ? `${t.sampleEntry} video` : "no video"
                }, not H.264: JPEG frames instead`,
              };
              proc.kill("SIGKILL");
              return;
            }
            const mime = `video/mp4; codecs="${t.codec}"`;
            this.#init = {
              codec: t.codec,
              mime,
              width: t.width,
              height: t.height,
              wire: encodeVideoChunk(
                { camera: this.camera, ts: Date.now(), video: "init" },
                s.bytes,
              ),
            };
            this.#delay = this.#o.restartDelayMs ?? 1000;
            for (const sink of [...this.#sinks]) sink.ready(this.#init, []);
          } else {
            const f: RelayFragment = {
              key: s.key,
              t: s.seconds,
              ts: Date.now(),
              wire: encodeVideoChunk(
                { camera: this.camera, ts: Date.now(), video: "media", t: s.seconds, key: s.key },
                s.bytes,
              ),
            };
            this.fragments++;
            this.#keep(f);
            for (const sink of [...this.#sinks]) sink.media(f);
          }
        }
      }
    } catch (err) {
      // a box the relay cannot stream (lib/live/mp4_boxes.ts): restart
      if (err instanceof RangeError) {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }
  }

  /** The fragments since the last keyframe, for clients that join. */
  #keep(f: RelayFragment): void {
    if (f.key) {
      this.#gop = [f];
      this.#gopBytes = f.wire.length;
      return;
    }
    if (this.#gop.length === 0) return; // dropped: wait for the next keyframe
    this.#gopBytes += f.wire.length;
    if (this.#gopBytes > (this.#o.maxGopBytes ?? 8 * 1024 * 1024)) {
      this.#gop = [];
      this.#gopBytes = 0;
    } else this.#gop.push(f);
  }

  #failed(message: string): void {
    this.#o.log?.(`vigil: camera ${this.camera}: ${message}`);
    if (this.#sinks.size === 0 || this.#stopped) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#o.restartMaxDelayMs ?? 30_000);
    this.#tellAll(`${message} (retrying in ${Math.round(delay / 1000)} s)`, false);
    this.#restart = setTimeout(() => {
      this.#restart = undefined;
      if (this.#sinks.size > 0) this.#start();
    }, delay);
  }
}
