/**
 * Every camera's recordings: the index, one recorder per camera, start-up reconciliation of
 * the folder with the index, retention (events mode, retainDays), and event clips made once
 * and cached on disk.
 */
import { join } from "node:path";
import type { Bus } from "../bus/mod.ts";
import type { EventRow, QuotaShare } from "../store/mod.ts";
import { makeClip } from "./clip.ts";
import type { ClipInfo } from "./clip.ts";
import { RecordingIndex } from "./index.ts";
import type { Segment } from "./index.ts";
import { listPackets, packetsDuration } from "./probe.ts";
import {
  cameraDir,
  CameraRecorder,
  incomingDir,
  parseSegmentName,
  segmentOrigin,
  segmentPath,
} from "./recorder.ts";
import type { RecorderInfo, RecorderOptions } from "./recorder.ts";
import { DEFAULT_RECORD_SETTINGS } from "./settings.ts";
import type { RecordSettings } from "./settings.ts";

const DAY = 86_400_000;
/** Two recorded segments closer than this are one span in `/api/recordings`. */
const SPAN_GAP_MS = 1500;
/**
 * Segments this recent are not deleted for the disk quota: an open event (at most
 * `maxEventMs`, 10 minutes by default) and its pre-capture (at most 5) may need them.
 */
const QUOTA_KEEP_MS = 15 * 60_000;
/** Longest span `/api/recordings` returns (the export limit). */
export const MAX_EXPORT_MS = 3_600_000;

/** The events a clip is made for (lib/store's Store fits). */
export interface EventSource {
  getEvent(id: number): EventRow | null;
  listEvents(q: { camera?: string; since?: number; until?: number; limit?: number }): EventRow[];
  /** The events still being recorded: the disk quota keeps their segments. */
  openEvents?(): { camera: string; start: number }[];
  /** The store's state: while it is degraded (disk full) recorders wait. */
  health?(): { status: "ok" | "degraded"; message?: string };
}

export interface RecordingsCamera {
  id: string;
  source: string;
  record?: RecordSettings;
  capture?: Record<string, unknown>;
}

export interface RecordingsOptions {
  dataDir: string;
  cameras: RecordingsCamera[];
  events: EventSource;
  ffmpegPath?: string;
  log?: (line: string) => void;
  now?: () => number;
  /** Extra recorder options (tests: shorter delays, a forced path). */
  recorder?: Partial<RecorderOptions>;
}

export type ClipResult =
  | { status: "ready"; clip: ClipInfo }
  | { status: "missing" }
  | { status: "open" }
  | { status: "pending"; retryAfter: number }
  | { status: "none" };

/** One recorded span as `/api/recordings` lists it. */
export interface RecordedSpan {
  camera: string;
  start: number;
  end: number;
  url: string;
}

/** What a camera's recorder depends on: a change of any of it needs a new recorder. */
function recorderKey(cam: RecordingsCamera): string {
  return JSON.stringify([cam.source, cam.record ?? null, cam.capture ?? null]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

export class Recordings {
  readonly dataDir: string;
  readonly index: RecordingIndex;
  readonly #o: RecordingsOptions;
  readonly #recorders = new Map<string, CameraRecorder>();
  readonly #settings = new Map<string, RecordSettings>();
  /** What each recorder was made from (recorderKey), to tell when a change needs a new one. */
  readonly #cameras = new Map<string, string>();
  readonly #making = new Map<number, Promise<ClipInfo | null>>();
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  #unsub: (() => void) | null = null;
  #retention: Promise<void> | null = null;
  /** start() was called: recorders added later start at once. */
  #started = false;

  private constructor(opts: RecordingsOptions) {
    this.#o = opts;
    this.dataDir = opts.dataDir;
    this.#log = opts.log ?? console.log;
    this.#now = opts.now ?? Date.now;
    this.index = new RecordingIndex(join(opts.dataDir, "vigil.db"));
    for (const cam of opts.cameras) this.#add(cam);
  }

  #add(cam: RecordingsCamera): CameraRecorder {
    const opts = this.#o;
    const settings = cam.record ?? { ...DEFAULT_RECORD_SETTINGS };
    this.#settings.set(cam.id, settings);
    this.#cameras.set(cam.id, recorderKey(cam));
    const c = cam.capture ?? {};
    const recorder = new CameraRecorder({
      camera: cam.id,
      source: cam.source,
      settings,
      dataDir: opts.dataDir,
      index: this.index,
      capture: {
        timeoutMs: typeof c.timeoutMs === "number" ? c.timeoutMs : undefined,
        rtspTransport: c.rtspTransport === "udp" || c.rtspTransport === "tcp"
          ? c.rtspTransport
          : undefined,
        inputArgs: Array.isArray(c.inputArgs) ? c.inputArgs.map(String) : undefined,
      },
      ffmpegPath: opts.ffmpegPath,
      log: this.#log,
      holdWhile: () => {
        const h = opts.events.health?.();
        return h?.status === "degraded" ? h.message ?? "disk full" : null;
      },
      ...opts.recorder,
    });
    this.#recorders.set(cam.id, recorder);
    return recorder;
  }

  /**
   * The cameras changed (a settings change applied live): recorders of removed cameras stop,
   * new cameras get one, and a camera whose source, capture options or recording settings
   * changed gets a new one (its segments so far stay in the index). Others keep recording.
   */
  async setCameras(cameras: RecordingsCamera[]): Promise<void> {
    const next = new Map(cameras.map((c) => [c.id, c]));
    const stale = [...this.#recorders.keys()].filter((id) =>
      !next.has(id) || this.#cameras.get(id) !== recorderKey(next.get(id)!)
    );
    await Promise.all(stale.map((id) => this.#recorders.get(id)!.stop()));
    for (const id of stale) {
      this.#recorders.delete(id);
      this.#settings.delete(id);
      this.#cameras.delete(id);
    }
    for (const cam of cameras) {
      if (this.#recorders.has(cam.id)) continue;
      const recorder = this.#add(cam);
      if (this.#started) recorder.start();
    }
  }

  /** Opens the index and reconciles it with the folder (see reconcile()); recorders not started. */
  static async open(opts: RecordingsOptions): Promise<Recordings> {
    const r = new Recordings(opts);
    await r.reconcile();
    return r;
  }

  settings(camera: string): RecordSettings {
    return this.#settings.get(camera) ?? { ...DEFAULT_RECORD_SETTINGS };
  }

  recorder(camera: string): CameraRecorder | undefined {
    return this.#recorders.get(camera);
  }

  info(camera: string): RecorderInfo | null {
    return this.#recorders.get(camera)?.info() ?? null;
  }

  /** Starts every recorder and, when given a bus, feeds the encoding ones the cameras' JPEGs. */
  start(bus?: Bus): void {
    this.#started = true;
    for (const r of this.#recorders.values()) r.start();
    if (bus) {
      // Asked per frame: cameras come and go with settings changes.
      const sub = bus.subscribe({
        acceptFrame: (f) => this.#recorders.get(f.camera)?.enabled ?? false,
        // A recorder that copies the camera's own stream needs no JPEGs.
        wantsEveryFrame: (camera) => {
          const r = this.#recorders.get(camera);
          return r !== undefined && r.enabled && r.kind !== "copy";
        },
        maxQueue: 1024,
      });
      this.#unsub = () => sub.close();
      (async () => {
        for await (const msg of sub) {
          if (msg.type === "frame") this.#recorders.get(msg.camera)?.feed(msg.ts, msg.jpeg);
        }
      })();
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#unsub?.();
    await Promise.all([...this.#recorders.values()].map((r) => r.stop()));
    await this.#retention;
    await Promise.all([...this.#making.values()].map((p) => p.catch(() => {})));
  }

  close(): void {
    this.index.close();
  }

  /**
   * After a crash or kill: index rows whose file is gone are dropped; the segment a killed
   * run was writing is indexed when the one before it is (and it plays), else deleted; files
   * no row points at are deleted; unfinished clips are deleted.
   */
  async reconcile(): Promise<{ dropped: number; repaired: number; deleted: number }> {
    let dropped = 0, repaired = 0, deleted = 0;
    const known = new Set<string>();
    for (const s of this.index.all()) {
      if (await exists(join(this.dataDir, s.path))) known.add(s.path);
      else {
        this.index.remove(s.id);
        dropped++;
      }
    }
    const root = join(this.dataDir, "recordings");
    if (!(await exists(root))) return { dropped, repaired, deleted };
    for await (const camEntry of Deno.readDir(root)) {
      if (camEntry.name === ".exports") {
        // exports are deleted once sent; a crash mid-export leaves one behind
        await Deno.remove(join(root, camEntry.name), { recursive: true }).catch(() => {});
        continue;
      }
      if (!camEntry.isDirectory) continue;
      const camera = camEntry.name;
      const incoming = join(this.dataDir, incomingDir(camera));
      if (await exists(incoming)) {
        const names: string[] = [];
        for await (const e of Deno.readDir(incoming)) if (e.isFile) names.push(e.name);
        names.sort();
        for (const name of names) {
          const file = join(incoming, name);
          const p = parseSegmentName(name);
          const last = this.index.last(camera);
          const origin = last ? segmentOrigin(last.path) : null;
          if (p && last && origin && origin.run === p.run && origin.seq === p.seq - 1) {
            const ms = packetsDuration(await listPackets(file, { ffmpegPath: this.#o.ffmpegPath }));
            if (ms >= 200) {
              const rel = segmentPath(camera, last.end, name);
              await Deno.mkdir(join(this.dataDir, rel, ".."), { recursive: true });
              await Deno.rename(file, join(this.dataDir, rel));
              const bytes = (await Deno.stat(join(this.dataDir, rel))).size;
              this.index.add({ camera, start: last.end, end: last.end + ms, path: rel, bytes });
              known.add(rel);
              repaired++;
              continue;
            }
          }
          await Deno.remove(file).catch(() => {});
          deleted++;
        }
      }
      const camRoot = join(this.dataDir, cameraDir(camera));
      for await (const day of Deno.readDir(camRoot)) {
        if (!day.isDirectory) continue;
        const dayDir = join(camRoot, day.name);
        if (day.name === "clips") {
          for await (const e of Deno.readDir(dayDir)) {
            if (!/^\d+\.(mp4|json)$/.test(e.name)) {
              await Deno.remove(join(dayDir, e.name)).catch(() => {});
              deleted++;
            }
          }
          continue;
        }
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day.name)) continue;
        for await (const e of Deno.readDir(dayDir)) {
          const rel = `${cameraDir(camera)}/${day.name}/${e.name}`;
          if (!known.has(rel)) {
            await Deno.remove(join(dayDir, e.name)).catch(() => {});
            deleted++;
          }
        }
      }
    }
    if (dropped + repaired + deleted) {
      this.#log(
        `vigil: recordings: ${repaired} cut segment(s) repaired, ${dropped} missing file(s) ` +
          `dropped from the index, ${deleted} unindexed file(s) deleted`,
      );
    }
    return { dropped, repaired, deleted };
  }

  /** The span of video a clip of `event` shows: preCapture before to postCapture after. */
  clipSpan(event: EventRow): { from: number; to: number } {
    const s = this.settings(event.camera);
    return {
      from: event.start - s.preCapture * 1000,
      to: (event.end ?? this.#now()) + s.postCapture * 1000,
    };
  }

  /** The clip URL of an event, or null (open, or no recording overlaps it). */
  clipUrl(event: EventRow): string | null {
    if (event.end === null) return null;
    const { from, to } = this.clipSpan(event);
    const made = () => {
      try {
        return Deno.statSync(this.#clipPaths(event.camera, event.id).json).isFile;
      } catch {
        return false;
      }
    };
    return this.index.overlapping(event.camera, from, to).length || made()
      ? `/api/events/${event.id}/clip`
      : null;
  }

  #clipPaths(camera: string, id: number): { mp4: string; json: string } {
    const dir = join(this.dataDir, cameraDir(camera), "clips");
    return { mp4: join(dir, `${id}.mp4`), json: join(dir, `${id}.json`) };
  }

  /**
   * The event's clip, made on first request and cached. `pending` while the post-capture is
   * still being recorded (the segment holding it has not closed yet).
   */
  async clip(id: number): Promise<ClipResult> {
    const event = this.#o.events.getEvent(id);
    if (!event) return { status: "missing" };
    if (event.end === null) return { status: "open" };
    const paths = this.#clipPaths(event.camera, id);
    try {
      const info = JSON.parse(await Deno.readTextFile(paths.json)) as ClipInfo;
      if (await exists(paths.mp4)) return { status: "ready", clip: { ...info, path: paths.mp4 } };
    } catch { /* not made yet */ }
    const { from, to } = this.clipSpan(event);
    // (a segment starting just after `to` tells how long the last frame before it lasts)
    const segs = this.index.overlapping(event.camera, from, to + 1000);
    const rec = this.#recorders.get(event.camera);
    const s = this.settings(event.camera);
    const now = this.#now();
    const deadline = to + s.segmentSeconds * 2000 + 3000;
    const live = rec !== undefined && rec.enabled && rec.state !== "stopped" && now < deadline;
    const covered = segs.length > 0 && (segs[segs.length - 1].end >= to ||
      segs[segs.length - 1].start >= to);
    if (!covered && live) {
      return { status: "pending", retryAfter: Math.max(1, Math.ceil((deadline - now) / 1000)) };
    }
    if (!segs.length) return { status: "none" };
    let making = this.#making.get(id);
    if (!making) {
      making = makeClip({
        dataDir: this.dataDir,
        segments: segs,
        from,
        to,
        out: paths.mp4,
        ffmpegPath: this.#o.ffmpegPath,
      }).then(async (info) => {
        if (info) {
          await Deno.writeTextFile(paths.json, JSON.stringify({ ...info, path: undefined }));
        }
        return info;
      }).finally(() => this.#making.delete(id));
      this.#making.set(id, making);
    }
    const info = await making;
    return info ? { status: "ready", clip: info } : { status: "none" };
  }

  /** One MP4 of [since, until) of a camera in a temporary file (the caller deletes it). */
  async export(camera: string, since: number, until: number): Promise<ClipInfo | null> {
    const segs = this.index.overlapping(camera, since, until);
    if (!segs.length) return null;
    const dir = join(this.dataDir, "recordings", ".exports");
    await Deno.mkdir(dir, { recursive: true });
    const out = join(dir, `${camera}-${since}-${until}-${crypto.randomUUID().slice(0, 8)}.mp4`);
    return await makeClip({
      dataDir: this.dataDir,
      segments: segs,
      from: since,
      to: until,
      out,
      ffmpegPath: this.#o.ffmpegPath,
    });
  }

  /** Recorded spans of [since, until): touching segments merged, each at most an hour. */
  spans(q: { camera?: string; since: number; until: number }): RecordedSpan[] {
    const cameras = q.camera ? [q.camera] : this.#cameraIds();
    const out: RecordedSpan[] = [];
    for (const camera of cameras) {
      let cur: { start: number; end: number } | null = null;
      const flush = () => {
        if (!cur) return;
        for (let t = cur.start; t < cur.end; t += MAX_EXPORT_MS) {
          const end = Math.min(cur.end, t + MAX_EXPORT_MS);
          out.push({
            camera,
            start: t,
            end,
            url: `/api/export?camera=${camera}&since=${t}&until=${end}`,
          });
        }
      };
      for (const s of this.index.overlapping(camera, q.since, q.until)) {
        const start = Math.max(s.start, q.since), end = Math.min(s.end, q.until);
        if (cur && start - cur.end <= SPAN_GAP_MS) cur.end = Math.max(cur.end, end);
        else {
          flush();
          cur = { start, end };
        }
      }
      flush();
    }
    return out;
  }

  #cameraIds(): string[] {
    const ids = new Set(this.#recorders.keys());
    for (const s of this.index.all()) ids.add(s.camera);
    return [...ids];
  }

  /**
   * Deletes what is not kept: segments past their camera's retainDays; in events mode,
   * segments that no event (± pre/post capture) overlaps once they are older than a minute
   * (so a starting event still finds its pre-capture); clips of deleted events or past
   * retainDays. The segment being written is not in the index, so it is never deleted.
   */
  enforceRetention(now = this.#now()): Promise<void> {
    this.#retention ??= this.#enforce(now).finally(() => this.#retention = null);
    return this.#retention;
  }

  async #enforce(now: number): Promise<void> {
    const shortest = Math.min(
      DEFAULT_RECORD_SETTINGS.retainDays,
      ...[...this.#settings.values()].map((s) => s.retainDays),
    );
    while (true) {
      const batch = this.index.olderThan(now - shortest * DAY);
      const expired = batch.filter((s) => s.end < now - this.settings(s.camera).retainDays * DAY);
      for (const s of expired) await this.#delete(s);
      if (batch.length < 500 || !expired.length) break;
    }
    for (const camera of this.#recorders.keys()) {
      const s = this.settings(camera);
      if (s.mode !== "events") continue;
      const recent = Math.max(60_000, (s.preCapture + 2 * s.segmentSeconds) * 1000 + 10_000);
      const segs = this.index.unchecked(camera, now - recent);
      if (!segs.length) continue;
      const since = segs[0].start - s.postCapture * 1000;
      const until = segs[segs.length - 1].end + s.preCapture * 1000;
      const events = this.#o.events.listEvents({ camera, since, until, limit: 100_000 });
      for (const seg of segs) {
        const needed = events.some((e) =>
          seg.end > e.start - s.preCapture * 1000 &&
          seg.start < (e.end ?? Infinity) + s.postCapture * 1000
        );
        if (needed) this.index.markKept(seg.id);
        else await this.#delete(seg);
      }
    }
    await this.#pruneClips(now);
  }

  /**
   * The recordings' part of the disk quota (`retention.maxDiskMB`), which the stills' Store
   * enforces over both, oldest first (Store.shareQuota()). The oldest segment it may delete is
   * not one of the last 15 minutes, nor one an open event or its pre-capture overlaps; the
   * segment being written is not in the index.
   */
  quotaShare(): QuotaShare {
    return {
      bytes: () => this.index.totalBytes(),
      oldest: (now) => {
        const limits = new Map<string, number>();
        for (const e of this.#o.events.openEvents?.() ?? []) {
          const limit = e.start - this.settings(e.camera).preCapture * 1000;
          limits.set(e.camera, Math.min(limits.get(e.camera) ?? Infinity, limit));
        }
        const seg = this.index.oldestBefore(now - QUOTA_KEEP_MS, limits);
        return seg && { start: seg.start, delete: () => this.#delete(seg) };
      },
    };
  }

  /** Deletes a segment's file, then its row; false when the file could not be deleted. */
  async #delete(s: Segment): Promise<boolean> {
    try {
      await Deno.remove(join(this.dataDir, s.path));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        this.#log(`vigil: recordings: cannot delete ${s.path}: ${(err as Error).message}`);
        return false;
      }
    }
    this.index.remove(s.id);
    return true;
  }

  async #pruneClips(now: number): Promise<void> {
    const root = join(this.dataDir, "recordings");
    if (!(await exists(root))) return;
    for await (const cam of Deno.readDir(root)) {
      const dir = join(root, cam.name, "clips");
      if (!cam.isDirectory || !(await exists(dir))) continue;
      const retain = this.settings(cam.name).retainDays * DAY;
      for await (const e of Deno.readDir(dir)) {
        const m = /^(\d+)\.(mp4|json)$/.exec(e.name);
        if (!m) continue;
        const id = Number(m[1]);
        if (this.#making.has(id)) continue;
        const event = this.#o.events.getEvent(id);
        if (!event || (event.end !== null && event.end < now - retain)) {
          await Deno.remove(join(dir, e.name)).catch(() => {});
        }
      }
    }
    const exports = join(root, ".exports");
    if (await exists(exports)) {
      for await (const e of Deno.readDir(exports)) {
        const st = await Deno.stat(join(exports, e.name)).catch(() => null);
        if (st?.mtime && st.mtime.getTime() < now - 3_600_000) {
          await Deno.remove(join(exports, e.name)).catch(() => {});
        }
      }
    }
  }
}
