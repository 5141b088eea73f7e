import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";
import { statfsSync } from "node:fs";
import { join } from "node:path";
import type { Box } from "../bus/mod.ts";
import { assertCameraId, eventDir, frameUrl } from "./paths.ts";
import { OBJECTS_SCHEMA } from "../objects/label_store.ts";

/** One motion event as the API shows it. Times are epoch milliseconds. */
export interface EventRow {
  id: number;
  camera: string;
  start: number;
  /** null while the event is still open. */
  end: number | null;
  /** Number of stored frames. */
  frames: number;
  /** Highest motion score of the event's frames. */
  score: number;
  /** `/frames/…` url of the highest-score (on ties: first) frame, or null without frames. */
  thumbnail: string | null;
}

/** One stored motion frame. */
export interface FrameRow {
  id: number;
  eventId: number;
  ts: number;
  /** `/frames/…` url of the JPEG. */
  url: string;
  boxes: Box[];
  score: number;
}

/** One bar of the timeline chart. */
export interface HistogramBucket {
  /** Start of the bucket (epoch ms). */
  t: number;
  /** Motion frames stored in [t, t + bucketMs). */
  frames: number;
  /** The first event with frames in the bucket (to open on click), or null. */
  eventId: number | null;
}

export interface StoreOptions {
  /** Closed events that ended longer ago than this are deleted by enforceRetention(). Default: keep. */
  maxAgeMs?: number;
  /**
   * Past this many bytes of stored JPEGs (plus the files of shareQuota()), the oldest closed
   * events (and those files) are deleted. Default: no limit.
   */
  maxBytes?: number;
  /** Recent JPEGs kept in memory for `/frames/…`. Default 64. */
  cacheFrames?: number;
  /** Most JPEG writes waiting for the disk; past it new frames are skipped (and logged). Default 256. */
  maxPendingWrites?: number;
  /** Most bytes waiting for the disk. Default 32 MiB. */
  maxPendingBytes?: number;
  /** Where problems are reported. Default: console.error. */
  log?: (line: string) => void;
  /**
   * Bytes of each of the two reserve files kept in the data folder: one is deleted when the
   * disk fills up while running, the other when the database cannot be opened at start, so
   * that SQLite (events, sessions, logins) has room while frames are not stored. Default 512 KiB.
   */
  reserveBytes?: number;
  /** How often free space is checked (and, while the disk is full, whether it came back). Default 2000. */
  watchMs?: number;
  /** Free space (bytes) below which the disk counts as full. Default: 2 × reserveBytes. */
  minFreeBytes?: number;
  /** Free bytes of the data folder's file system (tests replace it). Default: statfs. */
  freeBytes?: (dir: string) => number;
}

/**
 * Files other than the stills that `maxBytes` counts too (the recordings): the quota deletes
 * whichever is older, their oldest or the oldest closed event (`Store.shareQuota()`).
 */
export interface QuotaShare {
  /** Their bytes on disk. */
  bytes(): number;
  /** The oldest one the quota may delete at `now`: its start (epoch ms) and how to delete it. */
  oldest(now: number): { start: number; delete(): Promise<boolean> } | null;
}

/** What `/api/health` says about storage. */
export interface StorageHealth {
  status: "ok" | "degraded";
  /** Why storage is degraded and what to do; no paths (shown without login). */
  message?: string;
  /** When it became degraded (epoch ms). */
  since?: number;
  /** Motion frames not stored since then. */
  lostFrames?: number;
}

/** Names of the reserve files in the data folder: [freed while running, freed at start]. */
export const RESERVE_FILES = [".vigil-reserve-run", ".vigil-reserve-start"] as const;

/** ENOSPC / EDQUOT / SQLITE_FULL, or an SQLite I/O error (which a full disk also causes). */
export function isDiskFull(err: unknown): boolean {
  const e = err as { message?: string; code?: string; errcode?: number };
  if (e?.code === "ENOSPC" || e?.code === "EDQUOT") return true;
  if (typeof e?.errcode === "number" && (e.errcode & 0xff) === 13) return true; // SQLITE_FULL
  return /No space left|disk is full|Disk quota exceeded|ENOSPC/i.test(String(e?.message ?? err));
}

let statfsAllowed: boolean | undefined;

/** Free bytes for unprivileged users; Infinity (unknown: writes will tell) without --allow-sys=statfs. */
function statfsFree(dir: string): number {
  // Asked once, without a prompt: a permission prompt would block the event loop.
  statfsAllowed ??= Deno.permissions.querySync({ name: "sys", kind: "statfs" }).state ===
    "granted";
  if (!statfsAllowed) return Infinity;
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** A storage failure the caller cannot fix by changing arguments (e.g. the database is not writable). */
export class StoreError extends Error {
  override name = "StoreError";
}

/** An event whose row could not be written (disk full): written when there is room again. */
interface UnsavedEvent {
  camera: string;
  start: number;
  end: number | null;
}

interface PendingWrite {
  frameId: number;
  eventId: number;
  rel: string;
  jpeg: Uint8Array;
}

interface OpenEvent {
  camera: string;
  start: number;
  dir: string;
  /** Stored frame file names of this event, to keep names unique when timestamps repeat. */
  names: Set<string>;
}

/** An events row as SQLite returns it: the thumbnail as its path under the data folder. */
type EventRecord = Omit<EventRow, "thumbnail"> & { thumb: string | null };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  camera TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER,
  frames INTEGER NOT NULL DEFAULT 0,
  score REAL NOT NULL DEFAULT 0,
  thumb TEXT,
  thumb_score REAL NOT NULL DEFAULT -1,
  bytes INTEGER NOT NULL DEFAULT 0,
  dir TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_start ON events(start);
CREATE INDEX IF NOT EXISTS events_camera_start ON events(camera, start);
CREATE TABLE IF NOT EXISTS frames (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  file TEXT NOT NULL,
  boxes TEXT NOT NULL,
  score REAL NOT NULL,
  bytes INTEGER NOT NULL,
  stored INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS frames_event_ts ON frames(event_id, ts);
CREATE INDEX IF NOT EXISTS frames_ts ON frames(ts);
`;

const MAX_HISTOGRAM_BUCKETS = 10_000;

function checkTime(name: string, ts: unknown): number {
  if (typeof ts !== "number" || !Number.isFinite(ts) || ts < 0 || ts > 8.64e15) {
    throw new RangeError(`${name} must be a time in epoch milliseconds, got ${String(ts)}`);
  }
  return Math.floor(ts);
}

function checkId(id: unknown): number {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new RangeError(`event id must be a positive integer, got ${String(id)}`);
  }
  return id;
}

function checkBoxes(boxes: unknown): Box[] {
  if (!Array.isArray(boxes)) throw new TypeError("boxes must be an array of [x, y, w, h]");
  for (const b of boxes) {
    if (!Array.isArray(b) || b.length !== 4 || !b.every((n) => Number.isFinite(n))) {
      throw new TypeError(`each box must be [x, y, w, h] numbers, got ${JSON.stringify(b)}`);
    }
  }
  return boxes as Box[];
}

/**
 * Motion events: a SQLite index (`<data>/vigil.db`, WAL) of events and their frames, and the
 * frames' JPEG files under `<data>/<camera>/<YYYY-MM-DD>/<eventId>/<ts>.jpg`.
 *
 * The index is written synchronously; the JPEG files are written by a bounded background queue
 * so a slow or full disk never blocks the camera pipeline. No method throws for disk trouble:
 * a failed write is logged once per burst of failures and its frame dropped.
 *
 * A full disk (ENOSPC, SQLITE_FULL, or free space under `minFreeBytes`) switches the store to
 * "disk full": one of two reserve files is deleted so SQLite has room (sessions, event rows),
 * retention runs at once (files first, then rows) and then deletes the oldest closed events
 * until there is room, frames are skipped, and `health()` says so. When space is back (checked
 * every `watchMs`), the reserve files are written again, events whose rows could not be written
 * or closed are written, and frames are stored again.
 */
export class Store {
  /** The data folder (absolute or as given). */
  readonly dataDir: string;
  readonly #db: DatabaseSync;
  readonly #opts: Required<Omit<StoreOptions, "maxAgeMs" | "maxBytes">> & {
    maxAgeMs: number;
    maxBytes: number;
  };
  readonly #open = new Map<number, OpenEvent>();
  readonly #cache = new Map<string, Uint8Array>();
  readonly #pending = new Map<string, PendingWrite>();
  #queue: PendingWrite[] = [];
  #pendingBytes = 0;
  #writer: Promise<void> | null = null;
  /** Failures in the current burst (0 = writes are working). */
  #failures = 0;
  #closed = false;
  #retention: Promise<number> | null = null;
  readonly #st: Record<string, StatementSync>;
  /** Prepared statements of listEvents()/motionHistogram(), by SQL text (a handful at most). */
  readonly #dynamic = new Map<string, StatementSync>();
  /** The database could only be opened read-only (a full disk at start with no room at all). */
  #readOnly = false;
  /** Set while the disk is full: frames are skipped until there is room again. */
  #full: { since: number; lost: number } | null = null;
  /** Events whose row could not be written, by the id they were given. */
  readonly #unsaved = new Map<number, UnsavedEvent>();
  /** Events whose end could not be written: id → end. */
  readonly #pendingEnds = new Map<number, number>();
  /** Events whose files are deleted but whose rows could not be: id → bytes. */
  readonly #orphans = new Map<number, number>();
  /** Start-up recovery could not write; done again when there is room. */
  #needsRecover = false;
  #nextId = 1;
  /** Stored JPEG bytes (kept in step with the index, to check the quota on each write). */
  #bytes = 0;
  #watch: ReturnType<typeof setInterval> | undefined;
  #side: Promise<void> | null = null;
  #share: QuotaShare | null = null;

  private constructor(dataDir: string, opts: StoreOptions) {
    this.dataDir = dataDir;
    const reserve = opts.reserveBytes ?? 512 * 1024;
    this.#opts = {
      maxAgeMs: opts.maxAgeMs ?? Infinity,
      maxBytes: opts.maxBytes ?? Infinity,
      cacheFrames: opts.cacheFrames ?? 64,
      maxPendingWrites: opts.maxPendingWrites ?? 256,
      maxPendingBytes: opts.maxPendingBytes ?? 32 * 1024 * 1024,
      log: opts.log ?? ((line) => console.error(line)),
      reserveBytes: reserve,
      watchMs: opts.watchMs ?? 2000,
      minFreeBytes: opts.minFreeBytes ?? 2 * reserve,
      freeBytes: opts.freeBytes ?? statfsFree,
    };
    for (const [k, v] of Object.entries(this.#opts)) {
      if (k !== "log" && k !== "freeBytes" && !(typeof v === "number" && v >= 0)) {
        throw new RangeError(`Store option ${k} must be a number ≥ 0, got ${String(v)}`);
      }
    }
    this.#db = this.#openDatabase();
    const db = this.#db;
    this.#st = {
      insertEvent: db.prepare(
        "INSERT INTO events (id, camera, start, end, dir) VALUES (?, ?, ?, ?, ?)",
      ),
      eventById: db.prepare("SELECT * FROM events WHERE id = ?"),
      insertFrame: db.prepare(
        "INSERT INTO frames (event_id, ts, file, boxes, score, bytes) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      bumpEvent: db.prepare(
        `UPDATE events SET frames = frames + 1, score = MAX(score, ?),
           thumb = CASE WHEN ? > thumb_score THEN ? ELSE thumb END,
           thumb_score = MAX(thumb_score, ?)
         WHERE id = ?`,
      ),
      endEvent: db.prepare("UPDATE events SET end = MAX(start, ?) WHERE id = ?"),
      frameStored: db.prepare("UPDATE frames SET stored = 1 WHERE id = ?"),
      addBytes: db.prepare("UPDATE events SET bytes = bytes + ? WHERE id = ?"),
      deleteFrame: db.prepare("DELETE FROM frames WHERE id = ?"),
      recount: db.prepare(
        `UPDATE events SET
           frames = (SELECT COUNT(*) FROM frames WHERE event_id = events.id),
           thumb = (SELECT file FROM frames WHERE event_id = events.id ORDER BY score DESC, ts, id LIMIT 1),
           thumb_score = COALESCE((SELECT MAX(score) FROM frames WHERE event_id = events.id), -1),
           bytes = COALESCE((SELECT SUM(bytes) FROM frames WHERE event_id = events.id AND stored = 1), 0)
         WHERE id = ?`,
      ),
      framesOf: db.prepare(
        "SELECT id, event_id, ts, file, boxes, score FROM frames WHERE event_id = ? ORDER BY ts, id",
      ),
      sameTs: db.prepare("SELECT file FROM frames WHERE event_id = ?"),
      totalBytes: db.prepare("SELECT COALESCE(SUM(bytes), 0) AS n FROM events"),
      closedAfter: db.prepare(
        `SELECT id, start, dir, bytes FROM events WHERE end IS NOT NULL AND (start, id) > (?, ?)
         ORDER BY start, id LIMIT 64`,
      ),
      expired: db.prepare(
        "SELECT id, dir, bytes FROM events WHERE end IS NOT NULL AND end < ? ORDER BY start, id",
      ),
      deleteFrames: db.prepare("DELETE FROM frames WHERE event_id = ?"),
      deleteEvent: db.prepare("DELETE FROM events WHERE id = ?"),
    };
    this.#nextId = 1 + Number(
      db.prepare(
        `SELECT MAX(COALESCE((SELECT MAX(id) FROM events), 0),
           COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)) AS n`,
      ).get()!.n,
    );
    if (this.#readOnly) {
      this.#needsRecover = true;
    } else {
      try {
        this.#recover();
      } catch (err) {
        this.#needsRecover = true;
        this.#writeFailed(err, "events a crash left open could not be closed");
      }
    }
    this.#bytes = this.storedBytes();
    if (this.#readOnly) {
      this.#enterFull("the database could only be opened read-only");
    } else if (this.#free() < this.#opts.minFreeBytes) {
      this.#enterFull(`less than ${mb(this.#opts.minFreeBytes)} free`);
    } else {
      this.#side = this.#writeReserves().catch(() => {}).finally(() => this.#side = null);
    }
    if (this.#opts.watchMs > 0) {
      const watch = setInterval(() => this.#check(), this.#opts.watchMs);
      Deno.unrefTimer(watch);
      this.#watch = watch;
    }
  }

  /** Opens (or creates) the store in `dataDir`, closing events a crash left open. */
  static open(dataDir: string, opts: StoreOptions = {}): Store {
    return new Store(dataDir, opts);
  }

  /**
   * The database, in WAL mode with a bounded WAL. On a full disk (SQLite cannot even create its
   * shared-memory file) the reserve files are deleted to make room; failing that, the index is
   * opened read-only (history browsable, nothing recorded) rather than not at all.
   */
  #openDatabase(): DatabaseSync {
    const path = join(this.dataDir, "vigil.db");
    const attempt = () => {
      Deno.mkdirSync(this.dataDir, { recursive: true });
      const db = new DatabaseSync(path);
      try {
        db.exec("PRAGMA busy_timeout = 5000");
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
        db.exec("PRAGMA foreign_keys = ON");
        // Keep the WAL small: checkpoint every 200 pages, cut it back to 1 MiB after that.
        db.exec("PRAGMA wal_autocheckpoint = 200");
        db.exec("PRAGMA journal_size_limit = 1048576");
        db.exec(SCHEMA);
        db.exec(OBJECTS_SCHEMA); // lib/objects' labels, so listEvents() can filter by them
        return db;
      } catch (err) {
        db.close();
        throw err;
      }
    };
    const cannot = (err: unknown) =>
      new StoreError(
        `Cannot open the event database in ${this.dataDir}: ${(err as Error).message} ` +
          `(check that the folder exists and is writable by this user, or pass another --data)`,
      );
    try {
      return attempt();
    } catch (err) {
      if (!this.#spaceProblem(err)) throw cannot(err);
      this.#opts.log(
        `vigil: disk full: cannot open ${path} (${(err as Error).message}); ` +
          "deleting the reserve files to make room",
      );
    }
    for (const i of [1, 0]) this.#releaseReserve(i);
    try {
      return attempt();
    } catch (err) {
      if (!this.#spaceProblem(err)) throw cannot(err);
    }
    try {
      const db = new DatabaseSync(`file:${encodeURI(path)}?immutable=1`, { readOnly: true });
      db.prepare("SELECT 1 FROM events LIMIT 1").get();
      this.#readOnly = true;
      return db;
    } catch (err) {
      throw cannot(err);
    }
  }

  /** A write error that a lack of space explains. */
  #spaceProblem(err: unknown): boolean {
    if (isDiskFull(err)) return true;
    const code = (err as { errcode?: number }).errcode;
    const ioError = (typeof code === "number" && (code & 0xff) === 10) || // SQLITE_IOERR_*
      /disk I\/O error/i.test((err as Error)?.message ?? "");
    return ioError && this.#free() < this.#opts.minFreeBytes;
  }

  #free(): number {
    try {
      return this.#opts.freeBytes(this.dataDir);
    } catch {
      return Infinity; // unknown: writes will tell
    }
  }

  /** After a crash: frames whose write never finished, events never closed. */
  #recover(): void {
    const db = this.#db;
    const pending = db.prepare("SELECT id, event_id, file FROM frames WHERE stored = 0").all();
    const queued = new Set(this.#queue.map((j) => j.frameId));
    const touched = new Set<number>();
    for (const row of pending) {
      if (queued.has(Number(row.id))) continue;
      const file = String(row.file);
      let size = -1;
      try {
        size = Deno.statSync(join(this.dataDir, file)).size;
      } catch { /* never written */ }
      if (size > 0) {
        db.prepare("UPDATE frames SET stored = 1, bytes = ? WHERE id = ?").run(
          size,
          Number(row.id),
        );
      } else {
        this.#st.deleteFrame.run(Number(row.id));
      }
      touched.add(Number(row.event_id));
    }
    for (const id of touched) this.#st.recount.run(id);
    const open = [...this.#open.keys()];
    db.exec(
      `UPDATE events SET end = COALESCE((SELECT MAX(ts) FROM frames WHERE event_id = events.id), start)
       WHERE end IS NULL ${open.length ? `AND id NOT IN (${open.join(",")})` : ""}`,
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError("The store is closed");
  }

  /**
   * Opens a motion event and returns its id. Never throws for disk trouble: an event whose row
   * cannot be written keeps its id and is written when there is room again.
   */
  startEvent(camera: string, ts: number): number {
    this.#assertOpen();
    assertCameraId(camera);
    const start = checkTime("ts", ts);
    const id = this.#nextId++;
    const dir = eventDir(camera, start, id);
    this.#open.set(id, { camera, start, dir, names: new Set() });
    try {
      this.#st.insertEvent.run(id, camera, start, null, dir);
    } catch (err) {
      this.#unsaved.set(id, { camera, start, end: null });
      this.#writeFailed(err, `motion event ${id} could not be recorded`);
    }
    return id;
  }

  #openEvent(eventId: number): OpenEvent | null {
    const known = this.#open.get(eventId);
    if (known) return known;
    const row = this.#st.eventById.get(eventId);
    if (!row) return null;
    const names = new Set<string>();
    for (const f of this.#st.sameTs.all(eventId)) names.add(String(f.file));
    const ev = {
      camera: String(row.camera),
      start: Number(row.start),
      dir: String(row.dir),
      names,
    };
    if (row.end === null) this.#open.set(eventId, ev);
    return ev;
  }

  /**
   * Records one motion frame of an event: the index row now, the JPEG file soon (queued).
   * Never blocks on the disk and never throws for disk trouble (it logs and skips the frame).
   * Throws RangeError/TypeError for bad arguments (unknown event, wrong camera, bad boxes).
   */
  addFrame(
    eventId: number,
    camera: string,
    ts: number,
    jpeg: Uint8Array,
    boxes: Box[],
    score: number,
  ): void {
    this.#assertOpen();
    checkId(eventId);
    assertCameraId(camera);
    const t = checkTime("ts", ts);
    if (!(jpeg instanceof Uint8Array) || jpeg.length === 0) {
      throw new TypeError("jpeg must be a non-empty Uint8Array");
    }
    checkBoxes(boxes);
    if (typeof score !== "number" || !Number.isFinite(score)) {
      throw new TypeError(`score must be a finite number, got ${String(score)}`);
    }
    const ev = this.#openEvent(eventId);
    if (!ev) throw new RangeError(`Unknown event ${eventId}: call startEvent() first`);
    if (ev.camera !== camera) {
      throw new RangeError(`Event ${eventId} belongs to camera ${ev.camera}, not ${camera}`);
    }
    if (this.#full) { // no room: the frame is not stored, the live view has it anyway
      this.#full.lost++;
      return;
    }
    if (this.#unsaved.has(eventId)) {
      this.#failed(`event ${eventId} has no row yet`);
      return;
    }
    if (
      this.#queue.length >= this.#opts.maxPendingWrites ||
      this.#pendingBytes + jpeg.length > this.#opts.maxPendingBytes
    ) {
      this.#failed(`the write queue is full (${this.#queue.length} frames waiting)`);
      return;
    }
    let name = `${t}.jpg`;
    for (let n = 1; ev.names.has(name); n++) name = `${t}_${n}.jpg`;
    const rel = `${ev.dir}/${name}`;
    let frameId: number;
    try {
      const r = this.#st.insertFrame.run(
        eventId,
        t,
        rel,
        JSON.stringify(boxes),
        score,
        jpeg.length,
      );
      frameId = Number(r.lastInsertRowid);
      this.#st.bumpEvent.run(score, score, rel, score, eventId);
    } catch (err) {
      this.#writeFailed(err, "the index could not be written");
      return;
    }
    ev.names.add(name);
    const job = { frameId, eventId, rel, jpeg };
    this.#queue.push(job);
    this.#pending.set(rel, job);
    this.#pendingBytes += jpeg.length;
    this.#remember(rel, jpeg);
    this.#writer ??= this.#drain();
  }

  /** Closes an event at `ts` (the time of its last motion). Never throws for disk trouble. */
  endEvent(eventId: number, ts: number): void {
    this.#assertOpen();
    checkId(eventId);
    const t = checkTime("ts", ts);
    this.#open.delete(eventId);
    const unsaved = this.#unsaved.get(eventId);
    if (unsaved) {
      unsaved.end = Math.max(unsaved.start, t);
      return;
    }
    try {
      this.#st.endEvent.run(t, eventId);
      this.#pendingEnds.delete(eventId);
    } catch (err) {
      // Written when there is room again, so the event does not stay "ongoing".
      this.#pendingEnds.set(eventId, t);
      this.#writeFailed(err, `event ${eventId} could not be closed`);
    }
  }

  /** Events newest first. An event is listed when its time span overlaps [since, until]. */
  listEvents(
    q: { camera?: string; since?: number; until?: number; limit?: number; label?: string } = {},
  ): EventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.label !== undefined) { // lib/objects' event_labels
      where.push("id IN (SELECT event_id FROM event_labels WHERE label = ?)");
      args.push(q.label);
    }
    if (q.camera !== undefined) {
      assertCameraId(q.camera);
      where.push("camera = ?");
      args.push(q.camera);
    }
    if (q.since !== undefined) {
      where.push("COALESCE(end, start) >= ?");
      args.push(checkTime("since", q.since));
    }
    if (q.until !== undefined) {
      where.push("start <= ?");
      args.push(checkTime("until", q.until));
    }
    const limit = q.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
    }
    args.push(limit);
    const sql = `SELECT id, camera, start, end, frames, score, thumb FROM events
      ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY start DESC, id DESC LIMIT ?`;
    return this.#prepare(sql).all(...args).map((r) => toEventRow(r as unknown as EventRecord));
  }

  /**
   * Deletes a closed event, its frames and their files. An event still being recorded is
   * left alone ("open"): its camera is still adding frames to it.
   */
  async deleteEvent(id: number): Promise<"deleted" | "open" | "missing"> {
    this.#assertOpen();
    checkId(id);
    const row = this.#st.eventById.get(id);
    if (!row || this.#orphans.has(id)) return "missing";
    if (row.end === null) return "open";
    await this.#deleteEvent(id, String(row.dir), Number(row.bytes));
    return "deleted";
  }

  getEvent(id: number): EventRow | null {
    checkId(id);
    const row = this.#st.eventById.get(id);
    return row ? toEventRow(row as unknown as EventRecord) : null;
  }

  /** The frames of an event in time order (empty for an unknown event). */
  listFrames(eventId: number): FrameRow[] {
    checkId(eventId);
    return this.#st.framesOf.all(eventId).map((r) => ({
      id: Number(r.id),
      eventId: Number(r.event_id),
      ts: Number(r.ts),
      url: frameUrl(String(r.file)),
      boxes: JSON.parse(String(r.boxes)) as Box[],
      score: Number(r.score),
    }));
  }

  /** Motion frames per time bucket in [since, until), every bucket listed (empty ones with 0). */
  motionHistogram(
    q: { camera?: string; since: number; until: number; bucketMs: number; label?: string },
  ): HistogramBucket[] {
    const since = checkTime("since", q.since);
    const until = checkTime("until", q.until);
    const bucket = q.bucketMs;
    if (!Number.isSafeInteger(bucket) || bucket < 1) {
      throw new RangeError(`bucketMs must be a positive integer, got ${String(bucket)}`);
    }
    if (until < since) throw new RangeError("until must not be before since");
    const count = Math.ceil((until - since) / bucket);
    if (count > MAX_HISTOGRAM_BUCKETS) {
      throw new RangeError(
        `${count} buckets is too many (at most ${MAX_HISTOGRAM_BUCKETS}): use a larger bucket`,
      );
    }
    const args: (string | number)[] = [since, bucket, since, until];
    let cam = "";
    if (q.camera !== undefined) {
      assertCameraId(q.camera);
      cam = "AND e.camera = ?";
      args.push(q.camera);
    }
    if (q.label !== undefined) { // lib/objects' event_labels
      cam += " AND e.id IN (SELECT event_id FROM event_labels WHERE label = ?)";
      args.push(q.label);
    }
    const rows = this.#prepare(
      `SELECT CAST((f.ts - ?) / ? AS INTEGER) AS b, COUNT(*) AS n, MIN(f.event_id) AS ev
       FROM frames f JOIN events e ON e.id = f.event_id
       WHERE f.ts >= ? AND f.ts < ? ${cam} GROUP BY b`,
    ).all(...args);
    const out: HistogramBucket[] = [];
    for (let i = 0; i < count; i++) out.push({ t: since + i * bucket, frames: 0, eventId: null });
    for (const r of rows) {
      const b = out[Number(r.b)];
      if (b) {
        b.frames = Number(r.n);
        b.eventId = Number(r.ev);
      }
    }
    return out;
  }

  #prepare(sql: string): StatementSync {
    let st = this.#dynamic.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#dynamic.set(sql, st);
    }
    return st;
  }

  /** A recent frame's JPEG from memory (`rel` as in the url after `/frames/`), if cached. */
  cachedFrame(rel: string): Uint8Array | undefined {
    const pending = this.#pending.get(rel);
    if (pending) return pending.jpeg;
    const hit = this.#cache.get(rel);
    if (hit) { // most recently used goes last
      this.#cache.delete(rel);
      this.#cache.set(rel, hit);
    }
    return hit;
  }

  #remember(rel: string, jpeg: Uint8Array): void {
    const max = this.#opts.cacheFrames;
    if (max < 1) return;
    this.#cache.delete(rel);
    this.#cache.set(rel, jpeg);
    while (this.#cache.size > max) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** The events still being recorded (their camera and start). */
  openEvents(): { camera: string; start: number }[] {
    return [...this.#open.values()].map((e) => ({ camera: e.camera, start: e.start }));
  }

  /** The retention limits as they are now (see StoreOptions). */
  get limits(): { maxAgeMs: number; maxBytes: number } {
    return { maxAgeMs: this.#opts.maxAgeMs, maxBytes: this.#opts.maxBytes };
  }

  /**
   * New retention limits (a settings change applied live); the next enforceRetention() uses
   * them. Undefined keeps everything, like the options.
   */
  setLimits(limits: { maxAgeMs?: number; maxBytes?: number }): void {
    for (const [k, v] of Object.entries(limits)) {
      if (v !== undefined && !(typeof v === "number" && v > 0)) {
        throw new RangeError(`Store.setLimits: ${k} must be a number above 0, not ${v}`);
      }
    }
    this.#opts.maxAgeMs = limits.maxAgeMs ?? Infinity;
    this.#opts.maxBytes = limits.maxBytes ?? Infinity;
  }

  /**
   * Counts `other` (the recordings) in `maxBytes` from now on: past it, retention deletes
   * whichever is older, the oldest closed event or `other`'s oldest, until under the quota.
   */
  shareQuota(other: QuotaShare | null): void {
    this.#share = other;
  }

  /** Stills plus the files sharing the quota, as of the last write. */
  #quotaBytes(): number {
    return this.#bytes + (this.#share?.bytes() ?? 0);
  }

  /** Bytes of JPEGs stored on disk (as recorded in the index). */
  storedBytes(): number {
    let orphaned = 0;
    for (const b of this.#orphans.values()) orphaned += b;
    return Number(this.#st.totalBytes.get()!.n) - orphaned;
  }

  /** Frames waiting to be written. */
  get pendingWrites(): number {
    return this.#queue.length;
  }

  /** Whether frames are being stored; when not, why and what to do. */
  health(): StorageHealth {
    const full = this.#full;
    if (!full) return { status: "ok" };
    const what = this.#readOnly
      ? "disk full: the event database is read-only, nothing is recorded " +
        "(free space, then restart Vigil; or lower retention.maxDiskMB)"
      : "disk full: motion frames are not being stored; alerts and the live view go on " +
        "(free space or lower retention.maxDiskMB)";
    return { status: "degraded", message: what, since: full.since, lostFrames: full.lost };
  }

  /**
   * Deletes closed events older than maxAgeMs, then the oldest closed events while the stored
   * JPEGs (plus the files of shareQuota(), deleted with them oldest first) exceed maxBytes
   * (files first, then rows, so it works on a full disk). Open events are
   * never deleted. Returns the number of events deleted. A call made while one is running waits
   * for that one. Also runs by itself when a write finds the quota exceeded or the disk full.
   */
  enforceRetention(now: number): Promise<number> {
    this.#assertOpen();
    const t = checkTime("now", now);
    this.#retention ??= this.#enforceRetention(t).finally(() => this.#retention = null);
    return this.#retention;
  }

  async #enforceRetention(t: number): Promise<number> {
    if (this.#readOnly) return 0;
    let deleted = 0;
    for (const id of [...this.#orphans.keys()]) this.#deleteRows(id);
    if (Number.isFinite(this.#opts.maxAgeMs)) {
      const expired = this.#st.expired.all(t - this.#opts.maxAgeMs);
      for (const row of expired) {
        if (this.#closed) break;
        if (this.#orphans.has(Number(row.id))) continue;
        await this.#deleteEvent(Number(row.id), String(row.dir), Number(row.bytes));
        deleted++;
      }
    }
    if (Number.isFinite(this.#opts.maxBytes)) {
      const over = () => this.storedBytes() + (this.#share?.bytes() ?? 0) > this.#opts.maxBytes;
      deleted += await this.#deleteOldest(over, t);
    }
    this.#bytes = this.storedBytes();
    if (deleted > 0) this.#checkpoint();
    return deleted;
  }

  /**
   * Deletes the oldest closed events while `more()` holds; returns how many. Given `now`, the
   * files of shareQuota() take part: whichever is older, its oldest or the event, goes first.
   */
  async #deleteOldest(more: () => boolean, now?: number): Promise<number> {
    let deleted = 0;
    let after: [number, number] = [-1, -1];
    let rows: ReturnType<StatementSync["all"]> = [];
    while (!this.#closed && more()) {
      if (rows.length === 0) rows = this.#st.closedAfter.all(after[0], after[1]);
      const row = rows[0];
      const other = now === undefined ? null : this.#share?.oldest(now) ?? null;
      if (other && (!row || other.start < Number(row.start))) {
        if (!(await other.delete())) break;
        continue;
      }
      if (!row) break;
      rows.shift();
      after = [Number(row.start), Number(row.id)];
      if (this.#orphans.has(Number(row.id))) continue;
      await this.#deleteEvent(Number(row.id), String(row.dir), Number(row.bytes));
      deleted++;
    }
    return deleted;
  }

  /**
   * Moves the WAL into the database (after deletions). Normally it is truncated too, to give
   * the space back; on a full disk it is only restarted: the WAL keeps the blocks it has and
   * the next writes reuse them, instead of needing up to 200 new pages (800 KiB, more than the
   * reserve freed for logins and events) to grow it again.
   */
  #checkpoint(): void {
    try {
      this.#db.exec(`PRAGMA wal_checkpoint(${this.#full ? "RESTART" : "TRUNCATE"})`);
    } catch { /* a reader holds it, or no room: the next one will do */ }
  }

  async #deleteEvent(id: number, dir: string, bytes: number): Promise<void> {
    // Files first: that gives space back, which the row deletion may need on a full disk.
    this.#open.delete(id);
    const prefix = dir + "/";
    for (const key of this.#cache.keys()) if (key.startsWith(prefix)) this.#cache.delete(key);
    await this.#removeDir(dir, true);
    this.#orphans.set(id, bytes);
    this.#deleteRows(id);
    // A frame written meanwhile: its row is gone now, so it would not be found otherwise.
    await this.#removeDir(dir, false);
  }

  async #removeDir(dir: string, report: boolean): Promise<void> {
    if (!dir) return;
    try {
      await Deno.remove(join(this.dataDir, dir), { recursive: true });
    } catch (err) {
      if (report && !(err instanceof Deno.errors.NotFound)) {
        this.#opts.log(`vigil: could not delete ${dir}: ${(err as Error).message}`);
      }
    }
    // Remove the day folder when it became empty (fails harmlessly when it is not).
    try {
      await Deno.remove(join(this.dataDir, dir.slice(0, dir.lastIndexOf("/"))));
    } catch { /* not empty or already gone */ }
  }

  /** Deletes an event's rows (its files are gone); on failure it is retried later. */
  #deleteRows(id: number): boolean {
    try {
      this.#db.exec("BEGIN");
      try {
        this.#st.deleteFrames.run(id);
        this.#st.deleteEvent.run(id);
        this.#db.exec("COMMIT");
      } catch (err) {
        // SQLite may already have rolled back (SQLITE_FULL): that must not hide `err`.
        try {
          this.#db.exec("ROLLBACK");
        } catch { /* no transaction left */ }
        throw err;
      }
    } catch (err) {
      this.#writeFailed(err, `the rows of deleted event ${id} could not be removed`);
      return false;
    }
    this.#orphans.delete(id);
    return true;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const job = this.#queue[0];
        await this.#write(job);
        this.#queue.shift();
        this.#pending.delete(job.rel);
        this.#pendingBytes -= job.jpeg.length;
      }
    } finally {
      this.#writer = null;
    }
  }

  /** Forgets a queued frame that was not written (its row and the event's counters). */
  #dropFrame(job: PendingWrite): void {
    try {
      this.#st.deleteFrame.run(job.frameId);
      this.#st.recount.run(job.eventId);
    } catch {
      this.#needsRecover = true; // the row stays "not stored": cleaned when there is room
    }
    this.#cache.delete(job.rel);
  }

  async #write(job: PendingWrite): Promise<void> {
    const path = join(this.dataDir, job.rel);
    if (this.#full) { // the reserve freed for SQLite is not for frames
      this.#full.lost++;
      this.#dropFrame(job);
      return;
    }
    const tmp = path + ".tmp";
    try {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(tmp, job.jpeg);
      await Deno.rename(tmp, path);
    } catch (err) {
      try {
        await Deno.remove(tmp);
      } catch { /* nothing was written */ }
      this.#dropFrame(job);
      this.#writeFailed(err, `cannot write ${path}`);
      return;
    }
    let kept = false;
    try {
      kept = Number(this.#st.frameStored.run(job.frameId).changes) > 0;
      if (kept) this.#st.addBytes.run(job.jpeg.length, job.eventId);
    } catch (err) {
      await Deno.remove(path).catch(() => {});
      this.#needsRecover = true;
      this.#writeFailed(err, "the index could not be updated");
      return;
    }
    if (!kept) { // the event was deleted meanwhile: remove the file and its now empty folders
      await Deno.remove(path).catch(() => {});
      const eventDir = path.slice(0, path.lastIndexOf("/"));
      await Deno.remove(eventDir).catch(() => {});
      await Deno.remove(eventDir.slice(0, eventDir.lastIndexOf("/"))).catch(() => {});
      return;
    }
    this.#bytes += job.jpeg.length;
    // The quota holds at each write, not only when the timer runs retention.
    if (this.#quotaBytes() > this.#opts.maxBytes && !this.#closed) this.#quotaRetention();
    if (this.#failures > 0) {
      this.#opts.log(`vigil: frame storage works again (${this.#failures} frames were lost)`);
      this.#failures = 0;
    }
  }

  /** A write failed: a full disk switches to "disk full", anything else is logged per burst. */
  #writeFailed(err: unknown, what: string): void {
    if (this.#readOnly || this.#spaceProblem(err)) {
      this.#enterFull(`${what}: ${(err as Error).message}`);
      this.#full!.lost++;
    } else {
      this.#failed(`${what}: ${(err as Error).message}`);
    }
  }

  /** Logs the first failure of a burst; later ones are counted until a write succeeds. */
  #failed(what: string): void {
    if (this.#failures === 0) {
      this.#opts.log(
        `vigil: a motion frame was not stored: ${what} ` +
          `(check free space and permissions of ${this.dataDir}; further failures are counted silently)`,
      );
    }
    this.#failures++;
  }

  #enterFull(what: string): void {
    if (this.#full) return;
    this.#full = { since: Date.now(), lost: 0 };
    this.#opts.log(
      `vigil: disk full: ${what}; motion frames are not stored until there is room ` +
        `(free space in ${this.dataDir} or lower retention.maxDiskMB); alerts and the live view go on`,
    );
    this.#releaseReserve(0);
    if (!this.#closed && !this.#readOnly) this.#background(() => this.#makeRoom());
  }

  /** Runs one background task at a time (making room, writing the reserves). */
  #background(task: () => Promise<void>): void {
    if (this.#side) return;
    this.#side = task().catch((err) => this.#opts.log(`vigil: storage: ${(err as Error).message}`))
      .finally(() => this.#side = null);
  }

  /** Bytes of free space at which storage resumes: the reserves back, and room to spare. */
  get #resumeBytes(): number {
    return this.#opts.minFreeBytes + 2 * this.#opts.reserveBytes;
  }

  /** Disk full: retention now, then the oldest closed events until there is room. */
  async #makeRoom(): Promise<void> {
    await this.enforceRetention(Date.now());
    const n = await this.#deleteOldest(() => this.#free() < this.#resumeBytes);
    if (n > 0) {
      this.#checkpoint();
      this.#bytes = this.storedBytes();
      this.#opts.log(`vigil: disk full: deleted the ${n} oldest events to make room`);
    }
    if (this.#free() >= this.#resumeBytes) await this.#resume();
  }

  /** Periodic: notices a disk getting full before a write fails, and space coming back. */
  #check(): void {
    if (this.#closed || this.#readOnly) return;
    const free = this.#free();
    if (this.#full) {
      if (free >= this.#resumeBytes) this.#background(() => this.#resume());
    } else if (free < this.#opts.minFreeBytes) {
      this.#enterFull(`less than ${mb(this.#opts.minFreeBytes)} free`);
    }
  }

  /** Room again: the reserves back, the rows that could not be written, then frames. */
  async #resume(): Promise<void> {
    const full = this.#full;
    if (!full || this.#closed) return;
    try {
      await this.#writeReserves();
    } catch {
      return; // still no room
    }
    try {
      for (const [id, ev] of this.#unsaved) {
        this.#st.insertEvent.run(
          id,
          ev.camera,
          ev.start,
          ev.end,
          eventDir(ev.camera, ev.start, id),
        );
        this.#unsaved.delete(id);
      }
      for (const [id, end] of this.#pendingEnds) {
        this.#st.endEvent.run(end, id);
        this.#pendingEnds.delete(id);
      }
      for (const id of [...this.#orphans.keys()]) {
        if (!this.#deleteRows(id)) return;
      }
      if (this.#needsRecover) {
        this.#recover();
        this.#needsRecover = false;
      }
    } catch (err) {
      this.#opts.log(`vigil: storage is still failing: ${(err as Error).message}`);
      return;
    }
    this.#full = null;
    this.#bytes = this.storedBytes();
    this.#opts.log(
      `vigil: storage works again (${full.lost} motion frames were not stored while the disk was full)`,
    );
  }

  /** Writes the reserve files that are missing; throws (leaving none half-written) when full. */
  async #writeReserves(): Promise<void> {
    for (const name of RESERVE_FILES) {
      const path = join(this.dataDir, name);
      try {
        if (Deno.statSync(path).size >= this.#opts.reserveBytes) continue;
      } catch { /* missing */ }
      try {
        await Deno.writeFile(path, new Uint8Array(this.#opts.reserveBytes));
      } catch (err) {
        await Deno.remove(path).catch(() => {});
        throw err;
      }
    }
  }

  #releaseReserve(i: number): void {
    try {
      Deno.removeSync(join(this.dataDir, RESERVE_FILES[i]));
    } catch { /* not there */ }
  }

  /**
   * Retention because a write took the frames past the quota; when a run is already under way
   * (it may have passed its quota check), it runs once more afterwards.
   */
  #quotaRetention(): void {
    if (this.#retention) {
      this.#retention.finally(() => {
        if (this.#quotaBytes() > this.#opts.maxBytes && !this.#closed) this.#quotaRetention();
      }).catch(() => {});
      return;
    }
    this.enforceRetention(Date.now()).catch((err) =>
      this.#opts.log(`vigil: retention failed: ${(err as Error).message}`)
    );
  }

  /** Waits until every queued JPEG is written (or failed) and the quota is enforced again. */
  async flush(): Promise<void> {
    while (this.#writer || this.#retention) {
      await (this.#writer ?? this.#retention?.catch(() => {}));
    }
  }

  /** Flushes pending writes and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    await this.#retention?.catch(() => {});
    while (this.#side) await this.#side;
    await this.flush();
    this.#db.close();
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 102.4) / 10} MB`;
}

function toEventRow(r: EventRecord): EventRow {
  return {
    id: Number(r.id),
    camera: String(r.camera),
    start: Number(r.start),
    end: r.end === null ? null : Number(r.end),
    frames: Number(r.frames),
    score: Number(r.score),
    thumbnail: r.thumb ? frameUrl(String(r.thumb)) : null,
  };
}
