import { DatabaseSync } from "node:sqlite";

/** A browser's push subscription (the Push API's `PushSubscription.toJSON()`), kept per user. */
export interface PushSubscriptionRecord {
  id: number;
  userId: number;
  username: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: number;
  userAgent: string;
}

/**
 * The notifier's own tables in Vigil's database file (`<data>/vigil.db`, like lib/auth's):
 * `notify_state` (the armed switch, the cameras MQTT discovery was published for) and
 * `notify_push_subscriptions`.
 */
export class NotifyDb {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  static open(path: string): NotifyDb {
    const db = new DatabaseSync(path);
    db.exec(`
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS notify_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS notify_push_subscriptions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        username TEXT NOT NULL,
        endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        user_agent TEXT NOT NULL DEFAULT ''
      );
    `);
    if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL;");
    return new NotifyDb(db);
  }

  get(key: string): string | null {
    const row = this.#db.prepare("SELECT value FROM notify_state WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  set(key: string, value: string): void {
    this.#db.prepare(
      "INSERT INTO notify_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  /** Adds or moves (to this user) a subscription; at most `maxPerUser` per user, oldest dropped. */
  addSubscription(
    s: Omit<PushSubscriptionRecord, "id" | "createdAt">,
    now = Date.now(),
    maxPerUser = 20,
  ): void {
    this.#db.prepare(
      `INSERT INTO notify_push_subscriptions (user_id, username, endpoint, p256dh, auth, created_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(endpoint) DO UPDATE SET user_id = excluded.user_id, username = excluded.username,
         p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at,
         user_agent = excluded.user_agent`,
    ).run(s.userId, s.username, s.endpoint, s.p256dh, s.auth, now, s.userAgent.slice(0, 300));
    this.#db.prepare(
      `DELETE FROM notify_push_subscriptions WHERE user_id = ? AND id NOT IN
       (SELECT id FROM notify_push_subscriptions WHERE user_id = ? ORDER BY id DESC LIMIT ?)`,
    ).run(s.userId, s.userId, maxPerUser);
  }

  removeSubscription(endpoint: string, userId?: number): boolean {
    const res = userId === undefined
      ? this.#db.prepare("DELETE FROM notify_push_subscriptions WHERE endpoint = ?").run(endpoint)
      : this.#db.prepare("DELETE FROM notify_push_subscriptions WHERE endpoint = ? AND user_id = ?")
        .run(endpoint, userId);
    return Number(res.changes) > 0;
  }

  subscriptions(userId?: number): PushSubscriptionRecord[] {
    const rows =
      (userId === undefined
        ? this.#db.prepare("SELECT * FROM notify_push_subscriptions ORDER BY id").all()
        : this.#db.prepare("SELECT * FROM notify_push_subscriptions WHERE user_id = ? ORDER BY id")
          .all(userId)) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      username: String(r.username),
      endpoint: String(r.endpoint),
      p256dh: String(r.p256dh),
      auth: String(r.auth),
      createdAt: Number(r.created_at),
      userAgent: String(r.user_agent),
    }));
  }

  close(): void {
    this.#db.close();
  }
}
