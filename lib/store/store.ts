import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";
import { join } from "node:path";
import type { Box } from "../bus/mod.ts";
import { assertCameraId, eventDir, frameUrl } from "./paths.ts";

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
  /** Past this many bytes of stored JPEGs, the oldest closed events are deleted. Default: no limit. */
  maxBytes?: number;
  /** Recent JPEGs kept in memory for `/frames/…`. Default 64. */
  cacheFrames?: number;
  /** Most JPEG writes waiting for the disk; past it new frames are skipped (and logged). Default 256. */
  maxPendingWrites?: number;
  /** Most bytes waiting for the disk. Default 32 MiB. */
  maxPendingBytes?: number;
  /** Where problems are reported. Default: console.error. */
  log?: (line: string) => void;
}

/** A storage failure the caller cannot fix by changing arguments (e.g. the database is not writable). */
export class StoreError extends Error {
  override name = "StoreError";
}

interface PendingWrite {
  frameId: number;
  eventId: number;
  rel: string;
  jpeg: Uint8Array;
}

interface OpenEvent {
  camera: string;
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
 * so a slow or full disk never blocks the camera pipeline. A failed write is logged once per
 * burst of failures and its frame row dropped; the store keeps working.
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

  private constructor(dataDir: string, opts: StoreOptions) {
    this.dataDir = dataDir;
    this.#opts = {
      maxAgeMs: opts.maxAgeMs ?? Infinity,
      maxBytes: opts.maxBytes ?? Infinity,
      cacheFrames: opts.cacheFrames ?? 64,
      maxPendingWrites: opts.maxPendingWrites ?? 256,
      maxPendingBytes: opts.maxPendingBytes ?? 32 * 1024 * 1024,
      log: opts.log ?? ((line) => console.error(line)),
    };
    for (const [k, v] of Object.entries(this.#opts)) {
      if (k !== "log" && !(typeof v === "number" && v >= 0)) {
        throw new RangeError(`Store option ${k} must be a number ≥ 0, got ${String(v)}`);
      }
    }
    try {
      Deno.mkdirSync(dataDir, { recursive: true });
      this.#db = new DatabaseSync(join(dataDir, "vigil.db"));
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA busy_timeout = 5000");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      this.#db.exec("PRAGMA foreign_keys = ON");
      this.#db.exec(SCHEMA);
    } catch (err) {
      throw new StoreError(
        `Cannot open the event database in ${dataDir}: ${(err as Error).message} ` +
          `(check that the folder exists and is writable by this user, or pass another --data)`,
      );
    }
    const db = this.#db;
    this.#st = {
      insertEvent: db.prepare("INSERT INTO events (camera, start, dir) VALUES (?, ?, ?)"),
      setDir: db.prepare("UPDATE events SET dir = ? WHERE id = ?"),
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
      oldestClosed: db.prepare(
        "SELECT id, dir FROM events WHERE end IS NOT NULL ORDER BY start, id LIMIT 16",
      ),
      expired: db.prepare(
        "SELECT id, dir FROM events WHERE end IS NOT NULL AND end < ? ORDER BY start, id",
      ),
      deleteFrames: db.prepare("DELETE FROM frames WHERE event_id = ?"),
      deleteEvent: db.prepare("DELETE FROM events WHERE id = ?"),
    };
    this.#recover();
  }

  /** Opens (or creates) the store in `dataDir`, closing events a crash left open. */
  static open(dataDir: string, opts: StoreOptions = {}): Store {
    return new Store(dataDir, opts);
  }

  /** After a crash: frames whose write never finished, events never closed. */
  #recover(): void {
    const db = this.#db;
    const pending = db.prepare("SELECT id, event_id, file FROM frames WHERE stored = 0").all();
    const touched = new Set<number>();
    for (const row of pending) {
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
    db.exec(
      `UPDATE events SET end = COALESCE((SELECT MAX(ts) FROM frames WHERE event_id = events.id), start)
       WHERE end IS NULL`,
    );
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError("The store is closed");
  }

  /** Opens a motion event and returns its id. */
  startEvent(camera: string, ts: number): number {
    this.#assertOpen();
    assertCameraId(camera);
    const start = checkTime("ts", ts);
    let id: number;
    try {
      const r = this.#st.insertEvent.run(camera, start, "");
      id = Number(r.lastInsertRowid);
      const dir = eventDir(camera, start, id);
      this.#st.setDir.run(dir, id);
      this.#open.set(id, { camera, dir, names: new Set() });
    } catch (err) {
      throw new StoreError(
        `Cannot record a motion event: ${(err as Error).message} (is the disk full or read-only?)`,
      );
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
    const ev = { camera: String(row.camera), dir: String(row.dir), names };
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
      this.#failed(`the index could not be written: ${(err as Error).message}`);
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

  /** Closes an event at `ts` (the time of its last motion). */
  endEvent(eventId: number, ts: number): void {
    this.#assertOpen();
    checkId(eventId);
    const t = checkTime("ts", ts);
    try {
      this.#st.endEvent.run(t, eventId);
    } catch (err) {
      this.#failed(`event ${eventId} could not be closed: ${(err as Error).message}`);
    }
    this.#open.delete(eventId);
  }

  /** Events newest first. An event is listed when its time span overlaps [since, until]. */
  listEvents(
    q: { camera?: string; since?: number; until?: number; limit?: number } = {},
  ): EventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
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
    if (!row) return "missing";
    if (row.end === null) return "open";
    await this.#deleteEvent(id, String(row.dir));
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
    q: { camera?: string; since: number; until: number; bucketMs: number },
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

  /** Bytes of JPEGs stored on disk (as recorded in the index). */
  storedBytes(): number {
    return Number(this.#st.totalBytes.get()!.n);
  }

  /** Frames waiting to be written. */
  get pendingWrites(): number {
    return this.#queue.length;
  }

  /**
   * Deletes closed events older than maxAgeMs, then the oldest closed events while the stored
   * JPEGs exceed maxBytes (files first, then rows). Open events are never deleted.
   * Returns the number of events deleted. A call made while one is running waits for that one.
   */
  enforceRetention(now: number): Promise<number> {
    this.#assertOpen();
    const t = checkTime("now", now);
    this.#retention ??= this.#enforceRetention(t).finally(() => this.#retention = null);
    return this.#retention;
  }

  async #enforceRetention(t: number): Promise<number> {
    let deleted = 0;
    if (Number.isFinite(this.#opts.maxAgeMs)) {
      const expired = this.#st.expired.all(t - this.#opts.maxAgeMs);
      for (const row of expired) {
        await this.#deleteEvent(Number(row.id), String(row.dir));
        deleted++;
      }
    }
    while (Number.isFinite(this.#opts.maxBytes) && this.storedBytes() > this.#opts.maxBytes) {
      const oldest = this.#st.oldestClosed.all();
      if (oldest.length === 0) break;
      for (const row of oldest) {
        await this.#deleteEvent(Number(row.id), String(row.dir));
        deleted++;
        if (this.storedBytes() <= this.#opts.maxBytes) break;
      }
    }
    return deleted;
  }

  async #deleteEvent(id: number, dir: string): Promise<void> {
    // Rows first: a frame still being written notices its row is gone and removes its file.
    this.#db.exec("BEGIN");
    try {
      this.#st.deleteFrames.run(id);
      this.#st.deleteEvent.run(id);
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
    this.#open.delete(id);
    const prefix = dir + "/";
    for (const key of this.#cache.keys()) if (key.startsWith(prefix)) this.#cache.delete(key);
    if (!dir) return;
    try {
      await Deno.remove(join(this.dataDir, dir), { recursive: true });
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        this.#opts.log(`vigil: could not delete ${dir}: ${(err as Error).message}`);
      }
    }
    // Remove the day folder when it became empty (fails harmlessly when it is not).
    try {
      await Deno.remove(join(this.dataDir, dir.slice(0, dir.lastIndexOf("/"))));
    } catch { /* not empty or already gone */ }
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

  async #write(job: PendingWrite): Promise<void> {
    const path = join(this.dataDir, job.rel);
    const tmp = path + ".tmp";
    try {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(tmp, job.jpeg);
      await Deno.rename(tmp, path);
    } catch (err) {
      try {
        await Deno.remove(tmp);
      } catch { /* nothing was written */ }
      try {
        this.#st.deleteFrame.run(job.frameId);
        this.#st.recount.run(job.eventId);
      } catch { /* the index is failing too; logged below */ }
      this.#cache.delete(job.rel);
      this.#failed(`cannot write ${path}: ${(err as Error).message}`);
      return;
    }
    let kept = false;
    try {
      kept = Number(this.#st.frameStored.run(job.frameId).changes) > 0;
      if (kept) this.#st.addBytes.run(job.jpeg.length, job.eventId);
    } catch (err) {
      this.#failed(`the index could not be updated: ${(err as Error).message}`);
      return;
    }
    if (!kept) { // the event was deleted meanwhile: remove the file and its now empty folders
      await Deno.remove(path).catch(() => {});
      const eventDir = path.slice(0, path.lastIndexOf("/"));
      await Deno.remove(eventDir).catch(() => {});
      await Deno.remove(eventDir.slice(0, eventDir.lastIndexOf("/"))).catch(() => {});
      return;
    }
    if (this.#failures > 0) {
      this.#opts.log(`vigil: frame storage works again (${this.#failures} frames were lost)`);
      this.#failures = 0;
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

  /** Waits until every queued JPEG is written (or failed). */
  async flush(): Promise<void> {
    while (this.#writer) await this.#writer;
  }

  /** Flushes pending writes and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#retention?.catch(() => {});
    await this.flush();
    this.#db.close();
  }
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
