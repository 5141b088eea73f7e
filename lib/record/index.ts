/**
 * The recordings index: one row per closed segment file, in the `recordings` table of
 * `<data>/vigil.db` (its own connection, its own `CREATE TABLE IF NOT EXISTS`, like lib/auth).
 */
import { DatabaseSync } from "node:sqlite";
import type { StatementSync } from "node:sqlite";

/** One closed segment: times in epoch ms, path relative to the data folder. */
export interface Segment {
  id: number;
  camera: string;
  start: number;
  end: number;
  path: string;
  bytes: number;
  /** events mode: 1 once retention found the segment inside an event's span (kept for retainDays). */
  kept: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recordings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  camera TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  path TEXT NOT NULL UNIQUE,
  bytes INTEGER NOT NULL,
  kept INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS recordings_camera_start ON recordings(camera, start);
CREATE INDEX IF NOT EXISTS recordings_end ON recordings(end);
CREATE INDEX IF NOT EXISTS recordings_start ON recordings(start);
`;

function row(r: Record<string, unknown>): Segment {
  return {
    id: Number(r.id),
    camera: String(r.camera),
    start: Number(r.start),
    end: Number(r.end),
    path: String(r.path),
    bytes: Number(r.bytes),
    kept: Number(r.kept),
  };
}

export class RecordingIndex {
  readonly #db: DatabaseSync;
  readonly #st: Record<string, StatementSync>;
  /** SUM(bytes), known until the next change (the stills' quota asks at each frame write). */
  #total: number | null = null;

  /** `dbPath`: `<data>/vigil.db`, or ":memory:" in tests. */
  constructor(dbPath: string) {
    this.#db = new DatabaseSync(dbPath);
    this.#db.exec("PRAGMA journal_mode = WAL");
    this.#db.exec("PRAGMA busy_timeout = 5000");
    this.#db.exec("PRAGMA synchronous = NORMAL");
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#st = {
      insert: db.prepare(
        "INSERT OR REPLACE INTO recordings (camera, start, end, path, bytes) VALUES (?, ?, ?, ?, ?)",
      ),
      overlapping: db.prepare(
        "SELECT * FROM recordings WHERE camera = ? AND end > ? AND start < ? ORDER BY start, id",
      ),
      last: db.prepare("SELECT * FROM recordings WHERE camera = ? ORDER BY end DESC LIMIT 1"),
      remove: db.prepare("DELETE FROM recordings WHERE id = ?"),
      removePath: db.prepare("DELETE FROM recordings WHERE path = ?"),
      all: db.prepare("SELECT * FROM recordings ORDER BY id"),
      unchecked: db.prepare(
        "SELECT * FROM recordings WHERE camera = ? AND kept = 0 AND end < ? ORDER BY start LIMIT 500",
      ),
      keep: db.prepare("UPDATE recordings SET kept = 1 WHERE id = ?"),
      setEnd: db.prepare("UPDATE recordings SET end = ? WHERE path = ?"),
      older: db.prepare("SELECT * FROM recordings WHERE end < ? ORDER BY start LIMIT 500"),
      bytes: db.prepare("SELECT COALESCE(SUM(bytes), 0) AS n FROM recordings"),
      cameraBytes: db.prepare(
        "SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM recordings WHERE camera = ?",
      ),
    };
  }

  add(s: Omit<Segment, "id" | "kept">): void {
    this.#total = null;
    this.#st.insert.run(s.camera, Math.round(s.start), Math.round(s.end), s.path, s.bytes);
  }

  /** Moves the end of the segment at `path` (see CameraRecorder: until the next one starts). */
  setEnd(path: string, end: number): void {
    this.#st.setEnd.run(Math.round(end), path);
  }

  /** Segments of `camera` overlapping [from, to), oldest first. */
  overlapping(camera: string, from: number, to: number): Segment[] {
    return this.#st.overlapping.all(camera, from, to).map(row);
  }

  /** The camera's newest segment. */
  last(camera: string): Segment | null {
    const r = this.#st.last.get(camera);
    return r ? row(r) : null;
  }

  remove(id: number): void {
    this.#total = null;
    this.#st.remove.run(id);
  }

  removePath(path: string): void {
    this.#total = null;
    this.#st.removePath.run(path);
  }

  all(): Segment[] {
    return this.#st.all.all().map(row);
  }

  /** events mode: segments not yet found inside an event that ended before `before`. */
  unchecked(camera: string, before: number): Segment[] {
    return this.#st.unchecked.all(camera, before).map(row);
  }

  markKept(id: number): void {
    this.#st.keep.run(id);
  }

  /** Segments that ended before `before` (at most 500 a call). */
  olderThan(before: number): Segment[] {
    return this.#st.older.all(before).map(row);
  }

  totalBytes(): number {
    return this.#total ??= Number(this.#st.bytes.get()!.n);
  }

  /**
   * The oldest segment (by start) that ended before `before` and, for a camera in `limits`,
   * ended by its limit.
   */
  oldestBefore(before: number, limits: Map<string, number>): Segment | null {
    const cams = [...limits];
    const sql = "SELECT * FROM recordings WHERE end < ?" +
      cams.map(() => " AND (camera <> ? OR end <= ?)").join("") + " ORDER BY start, id LIMIT 1";
    const r = this.#db.prepare(sql).get(before, ...cams.flat());
    return r ? row(r) : null;
  }

  stats(camera: string): { segments: number; bytes: number } {
    const r = this.#st.cameraBytes.get(camera)!;
    return { segments: Number(r.n), bytes: Number(r.b) };
  }

  close(): void {
    this.#db.close();
  }
}
