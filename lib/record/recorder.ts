/**
 * One camera's recorder: a second ffmpeg beside the capture's, writing MP4 segments, indexing
 * each one as it closes, repairing the tail a kill leaves, and restarting with backoff. A
 * recorder that fails (disk full, camera gone) never touches detection or the live view: they
 * run in the capture's ffmpeg.
 */
import { join } from "node:path";
import { inputArgs, redactSource, sourceKind } from "../capture/ffmpeg_args.ts";
import { explainExit, FFMPEG_MISSING } from "../capture/errors.ts";
import { denoSpawn } from "../capture/process.ts";
import type { CaptureProcess } from "../capture/process.ts";
import { mpjpegHeader, parseSegmentLine, recordArgs } from "./args.ts";
import type { RecordingIndex } from "./index.ts";
import {
  listPackets,
  packetsDuration,
  parseFramecrc,
  parseTimeBase,
  sourceVideoCodec,
} from "./probe.ts";
import type { RecordSettings } from "./settings.ts";

export type RecorderState = "off" | "waiting" | "starting" | "recording" | "failed" | "stopped";

/** A started ffmpeg with its pipes (Deno.ChildProcess fits). */
export interface RecorderProcess {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal?: Deno.Signal): void;
}

export type RecorderSpawner = (program: string, args: string[], stdin: boolean) => RecorderProcess;

export const denoRecorderSpawn: RecorderSpawner = (program, args, stdin) =>
  new Deno.Command(program, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn() as unknown as RecorderProcess;

export interface RecorderOptions {
  camera: string;
  source: string;
  settings: RecordSettings;
  /** The data folder: segments go to `<data>/recordings/<camera>/`. */
  dataDir: string;
  index: RecordingIndex;
  /** The camera's input settings that also apply to the recorder's own connection. */
  capture?: { timeoutMs?: number; rtspTransport?: "tcp" | "udp"; inputArgs?: string[] };
  /** Force the path instead of asking ffmpeg for the source's codec (tests, benchmarks). */
  kind?: "copy" | "encode";
  ffmpegPath?: string;
  spawn?: RecorderSpawner;
  log?: (line: string) => void;
  now?: () => number;
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  /** copy: no packet this long → the recorder's ffmpeg is restarted. Default 15 s. */
  stallMs?: number;
  /** encode: no frame fed this long → the open segment is closed until frames return. Default 3 s. */
  idleMs?: number;
  /**
   * Why recording must wait, or null: while the event store says the disk is full, the room it
   * frees for the database (logins, events) is not taken by video.
   */
  holdWhile?: () => string | null;
}

/** What the UI and `/api/health` show about a camera's recording. */
export interface RecorderInfo {
  state: RecorderState;
  kind: "copy" | "encode" | null;
  message: string;
}

const CRLF = new Uint8Array([13, 10]);
const DISK_FULL = /No space left on device|Disk quota exceeded/i;

/** The folder of a camera's recordings, relative to the data folder. */
export function cameraDir(camera: string): string {
  return `recordings/${camera}`;
}
/** Where segments are written while open (and where a kill leaves a tail). */
export function incomingDir(camera: string): string {
  return `recordings/${camera}/incoming`;
}

/** `<run>-<seq>.mp4` of an open segment. */
export function parseSegmentName(name: string): { run: string; seq: number } | null {
  const m = /^(\d{10,16})-(\d{5,})\.mp4$/.exec(name);
  return m ? { run: m[1], seq: Number(m[2]) } : null;
}

/** The final path of a closed segment: `recordings/<camera>/<YYYY-MM-DD>/<start>_<run>-<seq>.mp4`. */
export function segmentPath(camera: string, start: number, name: string): string {
  const day = new Date(start).toISOString().slice(0, 10);
  return `${cameraDir(camera)}/${day}/${Math.round(start)}_${name}`;
}

/** Consecutive segments of a run closer than this are one recording (clip.ts's GAP_MS). */
const CONTIGUOUS_MS = 1000;

/** The run and sequence number of an indexed segment (from its final name). */
export function segmentOrigin(path: string): { run: string; seq: number } | null {
  const m = /_(\d{10,16})-(\d{5,})\.mp4$/.exec(path);
  return m ? { run: m[1], seq: Number(m[2]) } : null;
}

/** One ffmpeg run's progress: its name prefix, the last listed segment, what it indexed. */
interface RunState {
  prefix: string;
  lastSeq: number;
  lastEnd: number;
  produced: number;
  indexed: { path: string }[];
}

export class CameraRecorder {
  readonly camera: string;
  readonly settings: RecordSettings;
  #state: RecorderState = "stopped";
  #message = "";
  #kind: "copy" | "encode" | null;
  readonly #o: RecorderOptions;
  readonly #spawn: RecorderSpawner;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #proc: RecorderProcess | null = null;
  #probing: CaptureProcess | null = null;
  #probeError = "";
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #writing = false;
  #lastFeed = 0;
  #minFrameGap = 0;
  #lastWritten = 0;
  #wake: (() => void) | null = null;
  #failures = 0;
  #logged = "";
  /** copy: wall clock minus stream clock, windowed minimum (ms). */
  #offset: { cur: number; prev: number; since: number } = {
    cur: Infinity,
    prev: Infinity,
    since: 0,
  };
  #lastPacket = 0;
  #segments = 0;

  constructor(opts: RecorderOptions) {
    this.#o = opts;
    this.camera = opts.camera;
    this.settings = opts.settings;
    this.#kind = opts.kind ?? null;
    this.#spawn = opts.spawn ?? denoRecorderSpawn;
    this.#log = opts.log ?? console.log;
    this.#now = opts.now ?? Date.now;
    this.#minFrameGap = opts.settings.fps ? 1000 / opts.settings.fps * 0.9 : 0;
  }

  get state(): RecorderState {
    return this.#state;
  }
  get message(): string {
    return this.#message;
  }
  get kind(): "copy" | "encode" | null {
    return this.#kind;
  }
  /** Segments indexed since start. */
  get segments(): number {
    return this.#segments;
  }
  get pid(): number | null {
    return this.#proc?.pid ?? null;
  }

  info(): RecorderInfo {
    return { state: this.#state, kind: this.#kind, message: this.#message };
  }

  /** Whether this camera records at all (mode is not `off`). */
  get enabled(): boolean {
    return this.settings.mode !== "off";
  }

  start(): void {
    if (this.#loop) return;
    if (!this.enabled) {
      this.#setState("off", "recording is off for this camera");
      return;
    }
    this.#stopping = false;
    this.#loop = this.#run().catch((err) => {
      this.#setState("failed", `recording failed: ${(err as Error).message}`);
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    try {
      this.#probing?.kill("SIGKILL");
    } catch { /* gone */ }
    const proc = this.#proc;
    if (proc) {
      if (this.#writer) {
        this.#writer.close().catch(() => {});
      } else {
        try {
          proc.kill("SIGTERM");
        } catch { /* gone */ }
      }
      const timer = setTimeout(() => {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }, 3000);
      await proc.status.catch(() => {});
      clearTimeout(timer);
    }
    await this.#loop;
    this.#loop = null;
    if (this.enabled) this.#setState("stopped", "");
  }

  /**
   * encode path: one display JPEG of the camera, taken at `ts`. Never blocks: while ffmpeg is
   * still reading the previous frame, this one is skipped.
   */
  feed(ts: number, jpeg: Uint8Array): void {
    if (this.#stopping || !this.enabled || this.#kind === "copy") return;
    this.#lastFeed = this.#now();
    if (!this.#writer) {
      if (this.#state === "waiting") this.#wake?.();
      return;
    }
    if (this.#writing || ts - this.#lastWritten < this.#minFrameGap) return;
    this.#lastWritten = ts;
    this.#writing = true;
    const w = this.#writer;
    // header, JPEG, CRLF as three writes: the JPEG is not copied
    w.write(mpjpegHeader(jpeg.length)).catch(() => {});
    w.write(jpeg).catch(() => {});
    w.write(CRLF).then(
      () => this.#writing = false,
      () => this.#writing = false,
    );
  }

  #setState(state: RecorderState, message: string): void {
    this.#state = state;
    this.#message = message;
    const line = `${state}: ${message.replace(/ \(retrying in [^)]*\)$/, "")}`;
    if (state !== "starting" && state !== "waiting" && line !== this.#logged) {
      this.#logged = line;
      this.#log(`vigil: camera ${this.camera}: ${message || `recording ${state}`}`);
    }
  }

  #input(): string[] {
    const c = this.#o.capture ?? {};
    return inputArgs({
      source: this.#o.source,
      passthrough: false,
      detectWidth: 2,
      detectHeight: 2,
      jpegQuality: 5,
      timeoutMs: c.timeoutMs ?? 10_000,
      rtspTransport: c.rtspTransport,
      inputArgs: c.inputArgs,
    });
  }

  /** copy when the source is an RTSP stream or a file whose video is H.264; else encode. */
  async #decideKind(): Promise<"copy" | "encode" | null> {
    const kind = sourceKind(this.#o.source);
    if (kind !== "rtsp" && kind !== "file") return "encode";
    const input = this.#input().filter((a) => a !== "-re");
    let probe;
    try {
      probe = await sourceVideoCodec(input, {
        ffmpegPath: this.#o.ffmpegPath,
        // kept so that stop() can end a probe waiting for a camera that does not answer
        spawn: (program, args) => this.#probing = denoSpawn(program, args),
      });
    } catch (err) {
      this.#probeError = err instanceof Deno.errors.NotFound
        ? FFMPEG_MISSING
        : (err as Error).message;
      return null;
    } finally {
      this.#probing = null;
    }
    if (this.#stopping) return null;
    if (probe.codec === null) {
      // lib/capture's advice for the same fault (wrong password, no answer, …), redacted
      this.#probeError = explainExit(this.#o.source, probe.code, null, probe.stderr);
      return null;
    }
    return probe.codec === "h264" ? "copy" : "encode";
  }

  #delay(): number {
    const base = this.#o.restartDelayMs ?? 1000;
    const max = this.#o.restartMaxDelayMs ?? 30_000;
    return Math.min(max, base * 2 ** Math.min(this.#failures, 16));
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#stopping) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = null;
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    const dir = join(this.#o.dataDir, incomingDir(this.camera));
    while (!this.#stopping) {
      const held = this.#o.holdWhile?.();
      if (held) {
        this.#setState("failed", `recording paused: ${held}`);
        while (!this.#stopping && this.#o.holdWhile?.()) await this.#sleep(1000);
        continue;
      }
      if (!this.#kind) {
        this.#setState("starting", "finding the source's video codec");
        this.#kind = await this.#decideKind();
        if (this.#stopping) break;
        if (!this.#kind) {
          const delay = this.#delay();
          this.#failures++;
          this.#setState(
            "failed",
            `recording failed: ${this.#probeError} (retrying in ${Math.round(delay / 1000)} s)`,
          );
          await this.#sleep(delay);
          continue;
        }
      }
      if (this.#kind === "encode" && this.#now() - this.#lastFeed > this.#idleMs()) {
        this.#setState("waiting", "recording waits for frames from the camera");
        while (!this.#stopping && this.#now() - this.#lastFeed > this.#idleMs()) {
          await this.#sleep(1000);
        }
        if (this.#stopping) break;
      }
      try {
        await Deno.mkdir(dir, { recursive: true });
      } catch (err) {
        const full = DISK_FULL.test(String(err));
        await this.#fail(full, String((err as Error).message));
        continue;
      }
      let result;
      try {
        result = await this.#runOnce(dir);
      } catch (err) {
        // never leave the loop: a recorder that cannot record keeps retrying
        await this.#fail(DISK_FULL.test(String(err)), (err as Error).message);
        continue;
      }
      if (this.#stopping) break;
      if (result.idle) {
        this.#failures = 0;
        continue;
      }
      await this.#fail(result.diskFull, result.lastLine, result.code, result.stderr);
    }
  }

  #idleMs(): number {
    return this.#o.idleMs ?? 3000;
  }

  async #fail(
    diskFull: boolean,
    lastLine: string,
    code?: number,
    stderr?: string[],
  ): Promise<void> {
    const delay = this.#delay();
    this.#failures++;
    const retry = `(retrying in ${Math.max(1, Math.round(delay / 1000))} s)`;
    const msg = diskFull
      ? `recording failed: disk full (free space on the data folder's disk, or lower ` +
        `record.retainDays or retention.maxDiskMB; detection and live view keep running) ${retry}`
      : code !== undefined && stderr
      ? `recording failed: ${
        explainExit(this.#o.source, code, null, stderr).slice(0, 400)
      } ${retry}`
      : `recording failed: ${redactSource(lastLine).slice(0, 300)} ${retry}`;
    this.#setState("failed", msg);
    await this.#sleep(delay);
  }

  async #runOnce(
    dir: string,
  ): Promise<
    { code: number; diskFull: boolean; lastLine: string; idle: boolean; stderr?: string[] }
  > {
    const kind = this.#kind!;
    const epochMs = this.#now();
    const prefix = String(epochMs);
    const args = recordArgs({
      mode: kind,
      input: kind === "copy" ? this.#input() : undefined,
      dir,
      prefix,
      epochMs,
      settings: this.settings,
    });
    this.#setState("starting", "recording is starting");
    let proc: RecorderProcess;
    try {
      proc = this.#spawn(this.#o.ffmpegPath ?? "ffmpeg", args, kind === "encode");
    } catch (err) {
      return {
        code: -1,
        diskFull: false,
        lastLine: err instanceof Deno.errors.NotFound ? FFMPEG_MISSING : (err as Error).message,
        idle: false,
      };
    }
    this.#proc = proc;
    if (kind === "encode") {
      this.#writer = proc.stdin.getWriter();
      this.#writing = false;
    }
    this.#offset = { cur: Infinity, prev: Infinity, since: this.#now() };
    this.#lastPacket = this.#now();
    const run: RunState = { prefix, lastSeq: -1, lastEnd: 0, produced: 0, indexed: [] };
    let idle = false;
    const watchdog = setInterval(() => {
      const now = this.#now();
      if (this.#o.holdWhile?.()) {
        // the disk filled up under us: stop now, so the room freed for the database stays free
        try {
          proc.kill("SIGTERM");
        } catch { /* gone */ }
      } else if (kind === "encode" && this.#writer && now - this.#lastFeed > this.#idleMs()) {
        // the camera stopped: close the open segment instead of stretching it over the gap
        idle = true;
        const w = this.#writer;
        this.#writer = null;
        w.close().catch(() => {});
      } else if (kind === "copy" && now - this.#lastPacket > (this.#o.stallMs ?? 15_000)) {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }, 500);

    const stderrTail: string[] = [];
    let diskFull = false;
    const errDone = this.#lines(proc.stderr, (line) => {
      if (DISK_FULL.test(line)) diskFull = true;
      stderrTail.push(line);
      if (stderrTail.length > 10) stderrTail.shift();
    });
    let tb = 0;
    let chain = Promise.resolve();
    const outDone = this.#lines(proc.stdout, (line) => {
      if (line.startsWith("#")) {
        tb = parseTimeBase(line) ?? tb;
        return;
      }
      if (kind === "copy" && tb) {
        const p = parseFramecrc(line, tb);
        if (p) {
          this.#notePacket(p.dts);
          return;
        }
      }
      const seg = parseSegmentLine(line);
      if (!seg) return;
      const toEpoch = (s: number) =>
        kind === "encode" ? epochMs + s * 1000 : s * 1000 + this.#currentOffset();
      const start = toEpoch(seg.start), end = toEpoch(seg.end);
      chain = chain.then(() => this.#indexSegment(dir, seg.name, start, end, run)).catch((err) =>
        this.#log(`vigil: camera ${this.camera}: segment ${seg.name} not kept: ${err.message}`)
      );
    });
    const status = await proc.status;
    clearInterval(watchdog);
    await Promise.all([outDone, errDone]);
    await chain;
    this.#proc = null;
    this.#writer = null;
    if (stderrTail.length) await this.#verifyRecent(run).catch(() => {});
    await this.#repairTail(dir, run).catch(() => {});
    if (run.produced > 0) this.#failures = 0;
    return {
      code: status.code,
      diskFull,
      lastLine: stderrTail[stderrTail.length - 1] ?? "",
      stderr: stderrTail,
      idle: idle && !diskFull,
    };
  }

  /**
   * After a run that reported errors (e.g. a full disk), the last segments it listed may have
   * been closed with failed writes: each is read back, and dropped if nothing of it plays.
   */
  async #verifyRecent(run: RunState): Promise<void> {
    for (const s of run.indexed.slice(-3)) {
      const packets = await listPackets(join(this.#o.dataDir, s.path), {
        ffmpegPath: this.#o.ffmpegPath,
      });
      if (packets.length && packets[0].key) continue;
      this.#o.index.removePath(s.path);
      await Deno.remove(join(this.#o.dataDir, s.path)).catch(() => {});
    }
  }

  #notePacket(dtsMs: number): void {
    const now = this.#now();
    this.#lastPacket = now;
    const o = this.#offset;
    if (now - o.since > 10_000) {
      o.prev = o.cur;
      o.cur = Infinity;
      o.since = now;
    }
    o.cur = Math.min(o.cur, now - dtsMs);
  }

  #currentOffset(): number {
    const v = Math.min(this.#offset.cur, this.#offset.prev);
    return Number.isFinite(v) ? v : this.#now();
  }

  async #lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    try {
      for await (const chunk of stream) {
        rest += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = rest.indexOf("\n")) >= 0) {
          const line = rest.slice(0, i).replace(/\r$/, "");
          rest = rest.slice(i + 1);
          if (line) onLine(line);
        }
      }
    } catch { /* the process ended */ }
    if (rest.trim()) onLine(rest.trim());
  }

  /** A closed segment: its real start (first segment of a run: from its packets), then indexed. */
  async #indexSegment(
    dir: string,
    name: string,
    start: number,
    end: number,
    run: RunState,
  ): Promise<void> {
    const parsed = parseSegmentName(name);
    if (!parsed || parsed.run !== run.prefix) return;
    const file = join(dir, name);
    let bytes = 0;
    try {
      bytes = (await Deno.stat(file)).size;
    } catch {
      return;
    }
    const follows = parsed.seq === run.lastSeq + 1 && run.lastSeq >= 0;
    if (!follows) {
      // ffmpeg reports the run's first segment from 0; its packets give the true length
      const ms = packetsDuration(await listPackets(file, { ffmpegPath: this.#o.ffmpegPath }));
      start = end - ms;
    }
    if (bytes === 0 || end - start < 50) {
      await Deno.remove(file).catch(() => {});
      return;
    }
    await this.#commit(run, file, name, start, end, bytes);
    // ffmpeg ends a segment at its last frame plus that frame's nominal duration, but the
    // frame stays the current picture until the next segment's first one, which comes a
    // little earlier or later (a late frame, a busy machine): the previous segment's end
    // becomes this start, so the index says what a clip shows (makeClip holds the last frame
    // until the next segment) and spans, clips and retention agree on it
    const prev = run.indexed[run.indexed.length - 2];
    if (follows && prev && Math.abs(start - run.lastEnd) < CONTIGUOUS_MS) {
      this.#o.index.setEnd(prev.path, start);
    }
    run.lastSeq = parsed.seq;
    run.lastEnd = end;
    run.produced++;
    if (this.#state !== "recording") {
      this.#setState(
        "recording",
        this.#kind === "copy"
          ? "recording (the camera's H.264, copied)"
          : "recording (encoded to H.264)",
      );
    }
  }

  async #commit(
    run: RunState,
    file: string,
    name: string,
    start: number,
    end: number,
    bytes: number,
  ) {
    const rel = segmentPath(this.camera, start, name);
    run.indexed.push({ path: rel });
    const dest = join(this.#o.dataDir, rel);
    await Deno.mkdir(join(dest, ".."), { recursive: true });
    await Deno.rename(file, dest);
    try {
      this.#o.index.add({ camera: this.camera, start, end, path: rel, bytes });
    } catch (err) {
      // the index cannot be written (e.g. the disk is full): no file without its row
      await Deno.remove(dest).catch(() => {});
      throw err;
    }
    this.#segments++;
  }

  /**
   * After ffmpeg ended: the segment it was writing has no list entry. When the one before it
   * is indexed, it is indexed too with its readable length (fragments make a cut file playable
   * up to its last complete fragment); otherwise, or when nothing of it plays, it is deleted.
   */
  async #repairTail(
    dir: string,
    run: RunState,
  ): Promise<void> {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      const p = parseSegmentName(e.name);
      if (e.isFile && p && p.run === run.prefix) names.push(e.name);
    }
    names.sort();
    for (const name of names) {
      const file = join(dir, name);
      const seq = parseSegmentName(name)!.seq;
      if (seq === run.lastSeq + 1 && run.lastSeq >= 0) {
        const ms = packetsDuration(await listPackets(file, { ffmpegPath: this.#o.ffmpegPath }));
        const bytes = (await Deno.stat(file)).size;
        if (ms >= 200) {
          await this.#commit(run, file, name, run.lastEnd, run.lastEnd + ms, bytes);
          run.lastSeq = seq;
          run.lastEnd += ms;
          run.produced++;
          continue;
        }
      }
      await Deno.remove(file).catch(() => {});
    }
  }
}
