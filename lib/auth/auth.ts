/**
 * Accounts, sessions, login throttling and the audit log, in SQLite (`node:sqlite`, WAL).
 * Tables are prefixed `auth_` and created with IF NOT EXISTS, so the file can be shared with
 * the event store (`<data>/vigil.db`).
 */
import { DatabaseSync } from "node:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { mkdirSync } from "node:fs";
import {
  DEFAULT_KDF,
  generatePassword,
  hashPassword,
  hashPasswordSync,
  type KdfParams,
  MAX_PASSWORD_LENGTH,
  verifyPassword,
} from "./password.ts";
import { KdfGate, type KdfGateStats } from "./kdf_gate.ts";
import {
  DEFAULT_ADDRESS_THROTTLE,
  DEFAULT_USER_THROTTLE,
  Throttle,
  type ThrottleOptions,
} from "./throttle.ts";

export type Role = "admin" | "viewer";
export const ROLES: readonly Role[] = ["admin", "viewer"];

export interface User {
  id: number;
  username: string;
  role: Role;
}

export interface UserRecord extends User {
  createdAt: number;
  updatedAt: number;
}

/** A live session as shown to admins (never contains the token). */
export interface Session {
  id: number;
  userId: number;
  username: string;
  role: Role;
  createdAt: number;
  lastSeen: number;
  /** When it ends unless used again: min(idle expiry, absolute expiry). */
  expiresAt: number;
  /** When it ends however much it is used (login + the absolute lifetime). */
  maxExpiresAt: number;
  address: string;
  userAgent: string;
}

export type AuditEvent =
  | "login_ok"
  | "login_failed"
  | "login_throttled"
  | "login_busy"
  | "logout"
  | "user_added"
  | "user_removed"
  | "password_changed"
  | "role_changed"
  | "session_revoked"
  | "admin_created"
  | "event_deleted"
  | "config_changed";

export interface AuditEntry {
  id: number;
  ts: number;
  event: AuditEvent;
  username: string | null;
  actor: string | null;
  address: string | null;
  detail: string;
}

export interface ClientMeta {
  address: string;
  userAgent: string;
}

/**
 * Why a password was not accepted: wrong (`invalid`), too many failures (`throttled`), or too
 * many password checks already in progress server-wide (`busy`: try again in a moment).
 */
type Refusal =
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled" | "busy"; retryAfterSeconds: number };
export type PasswordCheck = { ok: true; user: User } | Refusal;
export type LoginResult = { ok: true; user: User; token: string; session: Session } | Refusal;

export interface AuthOptions {
  /** Clock (epoch ms); injected by tests. */
  now?: () => number;
  /** Where audit lines go (default console.log). Never receives passwords or tokens. */
  log?: (line: string) => void;
  /** scrypt parameters for new hashes (tests use cheap ones). */
  kdf?: KdfParams;
  /** A session unused for this long ends (default 7 days). */
  sessionIdleMs?: number;
  /** A session ends this long after login whatever happens (default 30 days). */
  sessionMaxMs?: number;
  addressThrottle?: Partial<ThrottleOptions>;
  userThrottle?: Partial<ThrottleOptions>;
  /**
   * Login-noise audit rows kept (login ok/failed/throttled/busy, logout; oldest deleted first;
   * default 10 000). Account changes are kept up to ten times as many.
   */
  auditMax?: number;
  /** The cap on password hashes in flight (default: 2 running, 8 waiting). */
  kdfGate?: KdfGate;
}

/** Bad input from a person (form, CLI): the message says what to fix. Routes answer 400. */
export class AuthInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthInputError";
  }
}

/**
 * First run only: VIGIL_ADMIN_PASSWORD is not acceptable. The message reads well alone, e.g.
 * `VIGIL_ADMIN_PASSWORD is too short: at least 8 characters (…)`: print it and exit 2.
 */
export class AdminPasswordError extends AuthInputError {
  constructor(message: string) {
    super(message);
    this.name = "AdminPasswordError";
  }
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const TOUCH_EVERY_MS = 60_000;
const MAX_SESSIONS_PER_USER = 50;
/** Retry-After for a login refused because the server is busy hashing: a few hashes' time. */
const BUSY_RETRY_AFTER_SECONDS = 2;
/** At most one `login_busy` audit line per this long (a flood must not flood the log). */
const BUSY_AUDIT_EVERY_MS = 60_000;
/** At most one `login_throttled` audit line per address per this long, with the count. */
const THROTTLE_AUDIT_EVERY_MS = 60_000;
/** Addresses whose throttled attempts are counted apart; the rest are summed as "*". */
const THROTTLE_AUDIT_ADDRESSES = 1_000;
/**
 * The audit events anyone can cause by trying to log in: only these are capped at `auditMax`
 * rows. Account changes (admin created, users added/removed, role and password changes,
 * sessions revoked, events deleted) are kept whatever the login noise, up to
 * SECURITY_AUDIT_FACTOR times `auditMax`.
 */
const NOISY_AUDIT_EVENTS: readonly AuditEvent[] = [
  "login_ok",
  "login_failed",
  "login_throttled",
  "login_busy",
  "logout",
];
const SECURITY_AUDIT_FACTOR = 10;

/** Throws AuthInputError unless `name` is a valid user name. */
export function validateUsername(name: unknown): string {
  if (typeof name !== "string" || !USERNAME.test(name)) {
    throw new AuthInputError(
      "User name must be 1 to 64 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
    );
  }
  return name;
}

/** What is wrong with `password` as a new password, as a predicate ("is too short: …"), or null. */
function newPasswordProblem(password: unknown): string | null {
  if (typeof password !== "string") return "is missing";
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `is too short: at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `is too long: at most ${MAX_PASSWORD_LENGTH} characters`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) return "must not contain control characters";
  if (password.trim() === "") return "must not be only spaces";
  return null;
}

/** Throws AuthInputError unless `password` is acceptable as a new password. */
export function validateNewPassword(password: unknown): string {
  const problem = newPasswordProblem(password);
  if (problem) throw new AuthInputError(`Password ${problem}`);
  return password as string;
}

/** Throws AuthInputError unless `role` is "admin" or "viewer". */
export function validateRole(role: unknown): Role {
  if (role !== "admin" && role !== "viewer") {
    throw new AuthInputError('Role must be "admin" or "viewer"');
  }
  return role;
}

function sha256(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Strips control characters and bounds length (for values that go into logs and the audit log). */
function clean(s: string, max = 200): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, max);
}

type Row = Record<string, unknown>;

export class Auth {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  readonly #kdf: KdfParams;
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #auditMax: number;
  readonly #byAddress: Throttle;
  readonly #byUser: Throttle;
  /** Failures per (address, user name) pair: what a success from that address takes back. */
  readonly #byPair: Throttle;
  /** Throttled attempts not yet written to the audit log, per address. */
  readonly #throttled = new Map<string, { count: number; auditedAt: number }>();
  readonly #kdfGate: KdfGate;
  #dummyHash: Promise<string> | null = null;
  #busyRefused = 0;
  #busyAuditedAt = -Infinity;
  #closed = false;

  private constructor(db: DatabaseSync, opts: AuthOptions) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log ?? ((line) => console.log(line));
    this.#kdf = opts.kdf ?? DEFAULT_KDF;
    this.#idleMs = opts.sessionIdleMs ?? 7 * 24 * 3600_000;
    this.#maxMs = opts.sessionMaxMs ?? 30 * 24 * 3600_000;
    this.#auditMax = opts.auditMax ?? 10_000;
    this.#byAddress = new Throttle(
      { ...DEFAULT_ADDRESS_THROTTLE, ...opts.addressThrottle },
      this.#now,
    );
    this.#byUser = new Throttle({ ...DEFAULT_USER_THROTTLE, ...opts.userThrottle }, this.#now);
    this.#byPair = new Throttle({
      ...DEFAULT_ADDRESS_THROTTLE,
      ...opts.addressThrottle,
      freeFailures: Infinity,
      lockoutAfter: Infinity,
    }, this.#now);
    this.#kdfGate = opts.kdfGate ?? new KdfGate();
  }

  /** Opens (creating if needed) the auth tables in the SQLite file `dbPath` (":memory:" for tests). */
  static open(dbPath: string, opts: AuthOptions = {}): Auth {
    if (dbPath !== ":memory:") mkdirSync(dirname(dbPath), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(dbPath);
    } catch (err) {
      throw new Error(
        `Cannot open the user database ${dbPath}: ${
          (err as Error).message
        } (check that the data folder exists and is writable)`,
      );
    }
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA foreign_keys = ON;
      CREATE TABLE IF NOT EXISTS auth_users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS auth_sessions (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        address TEXT NOT NULL,
        user_agent TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions(user_id);
      CREATE TABLE IF NOT EXISTS auth_audit (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        event TEXT NOT NULL,
        username TEXT,
        actor TEXT,
        address TEXT,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX IF NOT EXISTS auth_audit_event ON auth_audit(event, id);
    `);
    if (dbPath !== ":memory:") db.exec("PRAGMA journal_mode = WAL;");
    return new Auth(db, opts);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  // ---- users ----

  userCount(): number {
    return Number((this.#db.prepare("SELECT count(*) AS n FROM auth_users").get() as Row).n);
  }

  /**
   * First run: when there is no user yet, creates `admin` with `envPassword`
   * (VIGIL_ADMIN_PASSWORD) or a generated password, returned so the caller prints it once.
   * Throws AdminPasswordError when `envPassword` is not an acceptable password.
   */
  ensureAdmin(envPassword: string | undefined): { created: boolean; generatedPassword?: string } {
    if (this.userCount() > 0) return { created: false };
    const generated = envPassword ? undefined : generatePassword();
    const password = envPassword || generated!;
    const problem = newPasswordProblem(password);
    if (problem) {
      throw new AdminPasswordError(
        `VIGIL_ADMIN_PASSWORD ${problem} (choose another, or unset it to have one generated)`,
      );
    }
    const now = this.#now();
    this.#db.prepare(
      "INSERT INTO auth_users (username, role, password_hash, created_at, updated_at) VALUES ('admin', 'admin', ?, ?, ?)",
    ).run(hashPasswordSync(password, this.#kdf), now, now);
    this.audit("admin_created", {
      username: "admin",
      detail: generated ? "generated password" : "password from VIGIL_ADMIN_PASSWORD",
    });
    return generated ? { created: true, generatedPassword: generated } : { created: true };
  }

  listUsers(): UserRecord[] {
    return this.#db.prepare(
      "SELECT id, username, role, created_at, updated_at FROM auth_users ORDER BY username",
    ).all().map((r) => toUserRecord(r as Row));
  }

  getUser(username: string): UserRecord | null {
    const r = this.#db.prepare(
      "SELECT id, username, role, created_at, updated_at FROM auth_users WHERE username = ?",
    ).get(username) as Row | undefined;
    return r ? toUserRecord(r) : null;
  }

  /** Adds a user; throws AuthInputError on a bad name/password/role or a taken name. */
  async addUser(
    username: string,
    password: string,
    role: Role,
    actor: string | null = null,
  ): Promise<User> {
    validateUsername(username);
    validateNewPassword(password);
    validateRole(role);
    if (this.getUser(username)) throw new AuthInputError(`User "${username}" already exists`);
    const hash = await this.#kdfGate.run(() => hashPassword(password, this.#kdf));
    const now = this.#now();
    let id: number;
    try {
      id = Number(
        this.#db.prepare(
          "INSERT INTO auth_users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        ).run(username, role, hash, now, now).lastInsertRowid,
      );
    } catch {
      throw new AuthInputError(`User "${username}" already exists`);
    }
    this.audit("user_added", { username, actor, detail: `role ${role}` });
    return { id, username, role };
  }

  /** Sets a new password and ends every session of that user. */
  async setPassword(
    username: string,
    password: string,
    actor: string | null = null,
  ): Promise<void> {
    validateNewPassword(password);
    const user = this.#requireUser(username);
    const hash = await this.#kdfGate.run(() => hashPassword(password, this.#kdf));
    this.#db.prepare("UPDATE auth_users SET password_hash = ?, updated_at = ? WHERE id = ?")
      .run(hash, this.#now(), user.id);
    const ended = this.revokeUserSessions(user.id);
    this.audit("password_changed", {
      username: user.username,
      actor,
      detail: `${ended} session(s) ended`,
    });
  }

  /** Changes a role; refuses to demote the last admin. */
  setRole(username: string, role: Role, actor: string | null = null): void {
    validateRole(role);
    this.#transaction(() => {
      const user = this.#requireUser(username);
      if (user.role === role) return;
      if (user.role === "admin" && this.#adminCount() <= 1) {
        throw new AuthInputError("Cannot demote the last admin: make another user admin first");
      }
      this.#db.prepare("UPDATE auth_users SET role = ?, updated_at = ? WHERE id = ?")
        .run(role, this.#now(), user.id);
      this.audit("role_changed", {
        username: user.username,
        actor,
        detail: `${user.role} -> ${role}`,
      });
    });
  }

  /** Removes a user and their sessions; refuses to remove the last admin. */
  removeUser(username: string, actor: string | null = null): void {
    this.#transaction(() => {
      const user = this.#requireUser(username);
      if (user.role === "admin" && this.#adminCount() <= 1) {
        throw new AuthInputError("Cannot remove the last admin: make another user admin first");
      }
      this.#db.prepare("DELETE FROM auth_sessions WHERE user_id = ?").run(user.id);
      this.#db.prepare("DELETE FROM auth_users WHERE id = ?").run(user.id);
      this.audit("user_removed", { username: user.username, actor });
    });
  }

  #requireUser(username: string): UserRecord {
    const user = typeof username === "string" ? this.getUser(username) : null;
    if (!user) throw new AuthInputError(`No user named "${clean(String(username), 64)}"`);
    return user;
  }

  #adminCount(): number {
    return Number(
      (this.#db.prepare("SELECT count(*) AS n FROM auth_users WHERE role = 'admin'").get() as Row)
        .n,
    );
  }

  #transaction<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.#db.exec("COMMIT");
      return out;
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  // ---- login ----

  /** Seconds until this address / user name may try to log in again (0 = now). */
  retryAfterSeconds(address: string, username: string): number {
    const ms = Math.max(
      this.#byAddress.retryAfterMs(address),
      this.#byUser.retryAfterMs(username.toLowerCase()),
    );
    return Math.ceil(ms / 1000);
  }

  /**
   * Logs in: checks the password as `checkPassword` does (throttled, capped, audited; an unknown
   * user costs the same KDF time as a known one), then starts a session.
   */
  async login(username: string, password: string, meta: ClientMeta): Promise<LoginResult> {
    const check = await this.checkPassword(username, password, meta);
    if (!check.ok) return check;
    const address = clean(meta.address, 64);
    const { token, session } = this.createSession(check.user, { ...meta, address });
    this.audit("login_ok", { username: check.user.username, address });
    return { ...check, token, session };
  }

  /**
   * Checks a user's password, throttled per address and per user (slow-down, then lockout);
   * failures are audited. Used by the login and by anything that asks for the password again.
   *
   * The attempt is counted as a failure before the hash runs and refunded on success, in the
   * same synchronous step as the throttle check, so parallel guesses are limited exactly like
   * sequential ones. When too many hashes are already in flight the attempt is refused as
   * `busy` without hashing or counting.
   */
  async checkPassword(
    username: string,
    password: string,
    meta: ClientMeta,
  ): Promise<PasswordCheck> {
    const address = clean(meta.address, 64);
    const userKey = username.toLowerCase().slice(0, 64);
    const known = USERNAME.test(username) ? this.getUser(username) : null;
    const wait = this.retryAfterSeconds(address, userKey);
    if (wait > 0) {
      this.#auditThrottled(address, known?.username ?? null, wait);
      return { ok: false, reason: "throttled", retryAfterSeconds: wait };
    }
    // No await between the check above and the reservation below: nothing can slip in.
    const verified = this.#kdfGate.tryRun(() => this.#verify(known, password));
    if (!verified) {
      this.#auditBusy(address);
      return { ok: false, reason: "busy", retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS };
    }
    const pairKey = `${address}\n${userKey}`;
    this.#byAddress.reserve(address);
    this.#byUser.reserve(userKey);
    this.#byPair.reserve(pairKey);
    const settle = (success: boolean) => {
      if (success) {
        // Only this address's failures against this user are taken back: logging into one's
        // own account must not clear the guesses the same address made at other accounts.
        this.#byAddress.succeeded(address, this.#byPair.failures(pairKey));
        this.#byUser.succeeded(userKey);
        this.#byPair.succeeded(pairKey);
      } else {
        this.#byAddress.failed(address);
        this.#byUser.failed(userKey);
        this.#byPair.failed(pairKey);
      }
    };
    let ok: boolean;
    try {
      ok = await verified;
    } catch (err) {
      settle(false);
      throw err;
    }
    // The user may have been removed while the KDF ran.
    const user = ok && known ? this.getUser(known.username) : null;
    settle(user !== null);
    if (!user) {
      // An unknown name is not recorded: people type their password into the name field.
      this.audit("login_failed", {
        username: known?.username ?? null,
        address,
        detail: known ? "wrong password" : "unknown user",
      });
      return { ok: false, reason: "invalid" };
    }
    return { ok: true, user: toUser(user) };
  }

  /** Hashes `password` against the user's stored hash; an unknown user costs the same. */
  async #verify(known: UserRecord | null, password: string): Promise<boolean> {
    if (known && password.length <= MAX_PASSWORD_LENGTH) {
      const row = this.#db.prepare("SELECT password_hash FROM auth_users WHERE id = ?")
        .get(known.id) as Row | undefined;
      return row ? await verifyPassword(password, String(row.password_hash), this.#kdf) : false;
    }
    this.#dummyHash ??= hashPassword(generatePassword(), this.#kdf);
    await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), await this.#dummyHash);
    return false;
  }

  /**
   * Records throttled attempts: one audit row (and log line) per address per minute with the
   * count, never one per attempt, so a flood of blocked guesses cannot push real history out
   * of the audit log. Past THROTTLE_AUDIT_ADDRESSES addresses in the table, the rest are
   * summed under the address "*".
   */
  #auditThrottled(address: string, username: string | null, wait: number): void {
    const now = this.#now();
    for (const [k, v] of this.#throttled) {
      if (this.#throttled.size < THROTTLE_AUDIT_ADDRESSES) break;
      if (now - v.auditedAt >= THROTTLE_AUDIT_EVERY_MS) this.#throttled.delete(k);
    }
    const key = this.#throttled.has(address) || this.#throttled.size < THROTTLE_AUDIT_ADDRESSES
      ? address
      : "*";
    let entry = this.#throttled.get(key);
    if (!entry) {
      entry = { count: 0, auditedAt: -Infinity };
      this.#throttled.set(key, entry);
    }
    entry.count++;
    if (now - entry.auditedAt < THROTTLE_AUDIT_EVERY_MS) return;
    const n = entry.count;
    entry.count = 0;
    entry.auditedAt = now;
    this.audit("login_throttled", {
      username: key === "*" ? null : username,
      address: key,
      detail: `${n} throttled attempt(s) since the last such line; retry after ${wait}s`,
    });
  }

  /** Records busy refusals in the audit log, at most one line a minute with the count. */
  #auditBusy(address: string): void {
    this.#busyRefused++;
    const now = this.#now();
    if (now - this.#busyAuditedAt < BUSY_AUDIT_EVERY_MS) return;
    this.#busyAuditedAt = now;
    const n = this.#busyRefused;
    this.#busyRefused = 0;
    this.audit("login_busy", {
      address,
      detail: `${n} login(s) refused: too many password checks in progress`,
    });
  }

  /** The password-hash cap's counters (running, waiting, peak, refused). */
  kdfStats(): KdfGateStats {
    return this.#kdfGate.stats();
  }

  // ---- sessions ----

  /** Starts a session; returns the token for the cookie (only its SHA-256 is stored). */
  createSession(user: User, meta: ClientMeta): { token: string; session: Session } {
    const token = randomBytes(32).toString("base64url");
    const now = this.#now();
    this.pruneSessions();
    const id = Number(
      this.#db.prepare(
        "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen, address, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(sha256(token), user.id, now, now, clean(meta.address, 64), clean(meta.userAgent, 300))
        .lastInsertRowid,
    );
    // Bound sessions per user: the oldest go first.
    this.#db.prepare(
      `DELETE FROM auth_sessions WHERE user_id = ? AND id NOT IN
         (SELECT id FROM auth_sessions WHERE user_id = ? ORDER BY last_seen DESC LIMIT ?)`,
    ).run(user.id, user.id, MAX_SESSIONS_PER_USER);
    const session = this.getSessionById(id);
    if (!session) throw new Error("session vanished right after creation");
    return { token, session };
  }

  /** The session and user for a cookie token, or null (unknown, malformed, expired, revoked). */
  sessionForToken(token: string | undefined): { user: User; session: Session } | null {
    if (typeof token !== "string" || !TOKEN.test(token)) return null;
    const r = this.#db.prepare(`${SESSION_SELECT} WHERE s.token_hash = ?`).get(sha256(token)) as
      | Row
      | undefined;
    if (!r) return null;
    const now = this.#now();
    const session = this.#toSession(r);
    if (now >= session.expiresAt) {
      try {
        this.#db.prepare("DELETE FROM auth_sessions WHERE id = ?").run(session.id);
      } catch { /* a full disk: expired all the same; pruneSessions() deletes it later */ }
      return null;
    }
    if (now - session.lastSeen >= TOUCH_EVERY_MS) {
      try {
        this.#db.prepare("UPDATE auth_sessions SET last_seen = ? WHERE id = ?").run(
          now,
          session.id,
        );
      } catch {
        // A full disk ("database or disk is full"): the session stays valid; last seen is
        // only a hint for idle expiry and the sessions page, written again on a later request.
      }
      session.lastSeen = now;
      session.expiresAt = Math.min(now + this.#idleMs, session.createdAt + this.#maxMs);
    }
    return {
      user: { id: session.userId, username: session.username, role: session.role },
      session,
    };
  }

  getSessionById(id: number): Session | null {
    const r = this.#db.prepare(`${SESSION_SELECT} WHERE s.id = ?`).get(id) as Row | undefined;
    return r ? this.#toSession(r) : null;
  }

  /** Live sessions, most recently used first. */
  listSessions(): Session[] {
    this.pruneSessions();
    return this.#db.prepare(`${SESSION_SELECT} ORDER BY s.last_seen DESC`).all()
      .map((r) => this.#toSession(r as Row));
  }

  /** Ends the session with this cookie token (logout). */
  revokeToken(token: string | undefined, actor: string | null = null): boolean {
    if (typeof token !== "string" || !TOKEN.test(token)) return false;
    const r = this.#db.prepare(`${SESSION_SELECT} WHERE s.token_hash = ?`).get(sha256(token)) as
      | Row
      | undefined;
    if (!r) return false;
    this.#db.prepare("DELETE FROM auth_sessions WHERE id = ?").run(r.id as number);
    this.audit("logout", { username: String(r.username), actor: actor ?? String(r.username) });
    return true;
  }

  /** Ends one session by id (admin page). */
  revokeSession(id: number, actor: string | null = null): boolean {
    const s = this.getSessionById(id);
    if (!s) return false;
    this.#db.prepare("DELETE FROM auth_sessions WHERE id = ?").run(id);
    this.audit("session_revoked", {
      username: s.username,
      actor,
      address: s.address,
      detail: `session ${id}`,
    });
    return true;
  }

  /** Ends every session of a user; returns how many. */
  revokeUserSessions(userId: number): number {
    return Number(
      this.#db.prepare("DELETE FROM auth_sessions WHERE user_id = ?").run(userId).changes,
    );
  }

  /** Deletes expired sessions. */
  pruneSessions(): void {
    const now = this.#now();
    this.#db.prepare("DELETE FROM auth_sessions WHERE last_seen <= ? OR created_at <= ?")
      .run(now - this.#idleMs, now - this.#maxMs);
  }

  #toSession(r: Row): Session {
    const createdAt = Number(r.created_at);
    const lastSeen = Number(r.last_seen);
    return {
      id: Number(r.id),
      userId: Number(r.user_id),
      username: String(r.username),
      role: r.role as Role,
      createdAt,
      lastSeen,
      expiresAt: Math.min(lastSeen + this.#idleMs, createdAt + this.#maxMs),
      maxExpiresAt: createdAt + this.#maxMs,
      address: String(r.address),
      userAgent: String(r.user_agent),
    };
  }

  // ---- audit ----

  /** Appends to the audit log and the log; values are cleaned of control characters. */
  audit(
    event: AuditEvent,
    f: {
      username?: string | null;
      actor?: string | null;
      address?: string | null;
      detail?: string;
    },
  ): void {
    const ts = this.#now();
    const username = f.username == null ? null : clean(f.username, 64);
    const actor = f.actor == null ? null : clean(f.actor, 64);
    const address = f.address == null ? null : clean(f.address, 64);
    const detail = clean(f.detail ?? "");
    const id = Number(
      this.#db.prepare(
        "INSERT INTO auth_audit (ts, event, username, actor, address, detail) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(ts, event, username, actor, address, detail).lastInsertRowid,
    );
    if (id % 100 === 0) this.#pruneAudit();
    const parts = [`auth: ${event}`];
    if (username !== null) parts.push(`user=${JSON.stringify(username)}`);
    if (actor !== null) parts.push(`by=${JSON.stringify(actor)}`);
    if (address !== null) parts.push(`address=${JSON.stringify(address)}`);
    if (detail) parts.push(JSON.stringify(detail));
    this.#log(parts.join(" "));
  }

  /** Keeps the newest `auditMax` noisy rows and the newest 10 × `auditMax` others. */
  #pruneAudit(): void {
    const noisy = NOISY_AUDIT_EVENTS.map((e) => `'${e}'`).join(", ");
    for (
      const [filter, keep] of [
        [`event IN (${noisy})`, this.#auditMax],
        [`event NOT IN (${noisy})`, this.#auditMax * SECURITY_AUDIT_FACTOR],
      ] as const
    ) {
      const edge = this.#db.prepare(
        `SELECT id FROM auth_audit WHERE ${filter} ORDER BY id DESC LIMIT 1 OFFSET ?`,
      ).get(keep) as Row | undefined;
      if (edge) {
        this.#db.prepare(`DELETE FROM auth_audit WHERE ${filter} AND id <= ?`).run(
          Number(edge.id),
        );
      }
    }
  }

  /** Audit entries, newest first; `before` (an id) pages back. */
  listAudit(q: { limit?: number; before?: number; username?: string } = {}): AuditEntry[] {
    const limit = Math.max(1, Math.min(1000, Math.trunc(q.limit ?? 100)));
    const where: string[] = [];
    const args: (number | string)[] = [];
    if (q.before !== undefined) {
      where.push("id < ?");
      args.push(q.before);
    }
    if (q.username !== undefined) {
      where.push("(username = ? COLLATE NOCASE OR actor = ? COLLATE NOCASE)");
      args.push(q.username, q.username);
    }
    const sql = `SELECT * FROM auth_audit ${
      where.length ? "WHERE " + where.join(" AND ") : ""
    } ORDER BY id DESC LIMIT ?`;
    return this.#db.prepare(sql).all(...args, limit).map((r) => {
      const row = r as Row;
      return {
        id: Number(row.id),
        ts: Number(row.ts),
        event: row.event as AuditEvent,
        username: row.username as string | null,
        actor: row.actor as string | null,
        address: row.address as string | null,
        detail: String(row.detail),
      };
    });
  }
}

const SESSION_SELECT =
  `SELECT s.id, s.user_id, s.created_at, s.last_seen, s.address, s.user_agent, u.username, u.role
   FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id`;

function toUserRecord(r: Row): UserRecord {
  return {
    id: Number(r.id),
    username: String(r.username),
    role: r.role as Role,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toUser(u: User): User {
  return { id: u.id, username: u.username, role: u.role };
}
