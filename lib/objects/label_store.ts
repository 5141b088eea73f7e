import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import type { DetectedObject } from "./classify.ts";

/**
 * The objects' tables, in the events database (`<data>/vigil.db`). lib/store runs this too when
 * it opens the database, so its label filter always finds the table; rows go with their event
 * (ON DELETE CASCADE, through the store's connection, which enables foreign keys).
 */
export const OBJECTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_labels (
  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (event_id, label)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_labels_label ON event_labels(label, event_id);
CREATE TABLE IF NOT EXISTS frame_objects (
  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  objects TEXT NOT NULL,
  PRIMARY KEY (event_id, ts)
) WITHOUT ROWID;
`;

/**
 * Labels of events and objects of frames, on its own connection to the events database (as
 * lib/auth keeps its tables). Never throws for disk trouble: a label that cannot be written is
 * lost, the alert is not.
 */
export class LabelStore {
  readonly #db: DatabaseSync;
  readonly #st: Record<string, StatementSync>;
  readonly #log: (line: string) => void;
  #failing = false;

  private constructor(db: DatabaseSync, log: (line: string) => void) {
    this.#db = db;
    this.#log = log;
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec(OBJECTS_SCHEMA);
    this.#st = {
      label: db.prepare(
        `INSERT INTO event_labels (event_id, label, score) VALUES (?, ?, ?)
         ON CONFLICT (event_id, label) DO UPDATE SET score = MAX(score, excluded.score)`,
      ),
      objects: db.prepare(
        "INSERT OR REPLACE INTO frame_objects (event_id, ts, objects) VALUES (?, ?, ?)",
      ),
      // The best object frame becomes the event's picture (lib/store makes thumb.jpg of it when
      // the event ends); 1000 + score ranks it above every motion score (at most 100).
      snapshot: db.prepare(
        `UPDATE events SET thumb = f.file, thumb_score = 1000 + ?3
         FROM (SELECT file FROM frames WHERE event_id = ?1 AND ts = ?2 ORDER BY id LIMIT 1) AS f
         WHERE events.id = ?1 AND events.thumb_score < 1000 + ?3`,
      ),
      labelsOf: db.prepare(
        "SELECT label FROM event_labels WHERE event_id = ? ORDER BY score DESC, label",
      ),
      objectsOf: db.prepare("SELECT ts, objects FROM frame_objects WHERE event_id = ?"),
    };
  }

  /** Opens `<dataDir>/vigil.db` (or ":memory:" with an events table, for tests). */
  static open(dataDir: string, log: (line: string) => void = console.log): LabelStore {
    const path = dataDir === ":memory:" ? dataDir : join(dataDir, "vigil.db");
    return new LabelStore(new DatabaseSync(path), log);
  }

  /**
   * While this says so (the event store's disk is full), classified frames are not written:
   * their frames are not stored either, and the room freed for logins and events stays free.
   */
  holdWhile: () => boolean = () => false;

  /** Records a classified frame of an event: its objects, its labels, maybe the event's picture. */
  record(
    eventId: number,
    ts: number,
    objects: DetectedObject[],
    labels: Map<string, number>,
    snapshot: boolean,
  ): void {
    this.#write(() => {
      this.#st.objects.run(eventId, ts, JSON.stringify(objects));
      for (const [label, score] of labels) this.#st.label.run(eventId, label, score);
      if (snapshot && objects.length > 0) this.#st.snapshot.run(eventId, ts, objects[0].score);
    });
  }

  /** An event's labels, best first. */
  labels(eventId: number): string[] {
    return this.#st.labelsOf.all(eventId).map((r) => String(r.label));
  }

  /** The labels of several events (events without labels are left out). */
  labelsOf(eventIds: readonly number[]): Map<number, string[]> {
    const out = new Map<number, string[]>();
    if (eventIds.length === 0) return out;
    const rows = this.#db.prepare(
      `SELECT event_id, label FROM event_labels WHERE event_id IN (${
        eventIds.map(() => "?").join(",")
      }) ORDER BY score DESC, label`,
    ).all(...eventIds);
    for (const r of rows) {
      const id = Number(r.event_id);
      const list = out.get(id) ?? [];
      list.push(String(r.label));
      out.set(id, list);
    }
    return out;
  }

  /** The objects of an event's classified frames, by frame time. */
  objects(eventId: number): Map<number, DetectedObject[]> {
    const out = new Map<number, DetectedObject[]>();
    for (const r of this.#st.objectsOf.all(eventId)) {
      out.set(Number(r.ts), JSON.parse(String(r.objects)));
    }
    return out;
  }

  #write(fn: () => void): void {
    if (this.holdWhile()) return;
    try {
      this.#db.exec("BEGIN");
      try {
        fn();
        this.#db.exec("COMMIT");
      } catch (err) {
        this.#db.exec("ROLLBACK");
        throw err;
      }
      if (this.#failing) {
        this.#failing = false;
        this.#log("vigil: object labels are stored again");
      }
    } catch (err) {
      if (!this.#failing) {
        this.#failing = true;
        this.#log(`vigil: object labels could not be stored: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    this.#db.close();
  }
}
