import assert from "node:assert/strict";
import { join } from "node:path";
import { AdminPasswordError, Auth, AuthInputError } from "./auth.ts";
import { KdfGate } from "./kdf_gate.ts";

const CHEAP = { logN: 10, r: 8, p: 1 };
const META = { address: "10.0.0.5", userAgent: "test" };

function open(now: { t: number }, logs: string[] = []) {
  return Auth.open(":memory:", {
    now: () => now.t,
    log: (l) => logs.push(l),
    kdf: CHEAP,
    sessionIdleMs: 60 * 60_000,
    sessionMaxMs: 24 * 60 * 60_000,
  });
}

Deno.test("Auth.ensureAdmin() uses VIGIL_ADMIN_PASSWORD, else generates one, only once", async () => {
  const now = { t: 1e12 };
  const a = open(now);
  assert.deepEqual(a.ensureAdmin("env-password-1"), { created: true });
  assert.deepEqual(a.ensureAdmin(undefined), { created: false });
  assert.equal((await a.login("admin", "env-password-1", META)).ok, true);
  a.close();
  const b = open(now);
  const r = b.ensureAdmin(undefined);
  assert.equal(r.created, true);
  assert.match(r.generatedPassword!, /^\S{20}$/);
  assert.equal((await b.login("admin", r.generatedPassword!, META)).ok, true);
  assert.throws(() => open(now).ensureAdmin("short"), AuthInputError);
  b.close();
});

Deno.test("Auth sessions end after idle time and after the absolute lifetime", async () => {
  const now = { t: 1e12 };
  const a = open(now);
  a.ensureAdmin("env-password-1");
  const r = await a.login("admin", "env-password-1", META);
  assert.ok(r.ok);
  assert.equal(a.sessionForToken(r.token)?.user.username, "admin");
  now.t += 61 * 60_000; // idle > 1 h
  assert.equal(a.sessionForToken(r.token), null);
  const r2 = await a.login("admin", "env-password-1", META);
  assert.ok(r2.ok);
  for (let i = 0; i < 30; i++) {
    now.t += 50 * 60_000; // used every 50 min: never idle
    const s = a.sessionForToken(r2.token);
    if (i < 28) assert.ok(s, `still valid at step ${i}`);
    else assert.equal(s, null, "absolute lifetime of 24 h reached");
  }
  a.close();
});

Deno.test("Auth stores only token hashes and ends sessions on password change and removal", async () => {
  const now = { t: 1e12 };
  const dir = await Deno.makeTempDir();
  try {
    const a = Auth.open(join(dir, "vigil.db"), { now: () => now.t, log: () => {}, kdf: CHEAP });
    a.ensureAdmin("env-password-1");
    await a.addUser("bob", "bob-password", "viewer", "admin");
    const r = await a.login("bob", "bob-password", META);
    assert.ok(r.ok);
    a.close();
    const raw = await Deno.readFile(join(dir, "vigil.db")).catch(() => new Uint8Array());
    const wal = await Deno.readFile(join(dir, "vigil.db-wal")).catch(() => new Uint8Array());
    const text = new TextDecoder("latin1").decode(raw) + new TextDecoder("latin1").decode(wal);
    assert.ok(!text.includes(r.token), "the raw token is not stored");
    assert.ok(!text.includes("bob-password"), "the password is not stored");
    const b = Auth.open(join(dir, "vigil.db"), { now: () => now.t, log: () => {}, kdf: CHEAP });
    assert.ok(b.sessionForToken(r.token), "sessions survive a restart");
    await b.setPassword("bob", "new-bob-password", "admin");
    assert.equal(b.sessionForToken(r.token), null);
    const r2 = await b.login("bob", "new-bob-password", META);
    assert.ok(r2.ok);
    b.removeUser("bob", "admin");
    assert.equal(b.sessionForToken(r2.token), null);
    b.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Auth refuses to remove or demote the last admin, and bad names/roles/passwords", async () => {
  const now = { t: 1e12 };
  const a = open(now);
  a.ensureAdmin("env-password-1");
  assert.throws(() => a.removeUser("admin"), /last admin/);
  assert.throws(() => a.setRole("admin", "viewer"), /last admin/);
  await assert.rejects(a.addUser("../x", "long-enough", "viewer"), AuthInputError);
  await assert.rejects(a.addUser("ok", "short", "viewer"), AuthInputError);
  await assert.rejects(a.addUser("ok", "long-enough", "root" as "admin"), AuthInputError);
  await assert.rejects(a.addUser("ADMIN", "long-enough", "viewer"), /already exists/);
  await a.addUser("second", "long-enough", "admin");
  a.setRole("admin", "viewer");
  assert.equal(a.getUser("admin")?.role, "viewer");
  a.close();
});

Deno.test("Auth.login() throttles per address and per user and audits without secrets", async () => {
  const now = { t: 1e12 };
  const logs: string[] = [];
  const a = Auth.open(":memory:", {
    now: () => now.t,
    log: (l) => logs.push(l),
    kdf: CHEAP,
    addressThrottle: { freeFailures: 2, lockoutAfter: 4, lockoutMs: 600_000 },
    userThrottle: { freeFailures: 3, lockoutAfter: 6, lockoutMs: 600_000 },
  });
  a.ensureAdmin("env-password-1");
  const results = [];
  for (let i = 0; i < 4; i++) {
    results.push(await a.login("admin", `wrong-secret-${i}`, META));
    now.t += 31_000;
  }
  assert.deepEqual(results.map((r) => r.ok ? "ok" : r.reason), [
    "invalid",
    "invalid",
    "invalid",
    "invalid",
  ]);
  const locked = await a.login("admin", "env-password-1", META);
  assert.equal(!locked.ok && locked.reason, "throttled");
  assert.ok(!locked.ok && locked.reason === "throttled" && locked.retryAfterSeconds > 500);
  // Other addresses: the per-user counter (4 failures) still lets one in before its own limit.
  const other = await a.login("admin", "env-password-1", { ...META, address: "10.0.0.6" });
  assert.equal(other.ok, true);
  const entries = a.listAudit({ limit: 50 });
  assert.deepEqual(
    [...new Set(entries.map((e) => e.event))].sort(),
    ["admin_created", "login_failed", "login_ok", "login_throttled"],
  );
  const all = logs.join("\n") + JSON.stringify(entries);
  assert.ok(!/wrong-secret|env-password-1/.test(all), "no password in logs or audit");
  assert.ok(!/unknown-typed-pass/.test(all));
  await a.login("unknown-typed-pass", "x", { ...META, address: "10.0.0.9" });
  assert.ok(!a.listAudit({ limit: 1 })[0].username, "unknown user names are not recorded");
  a.close();
});

Deno.test("Auth.ensureAdmin() refuses a bad VIGIL_ADMIN_PASSWORD with a one-line message that says what to do", () => {
  const now = { t: 1e12 };
  const cases: [string, RegExp][] = [
    ["abc1234", /^VIGIL_ADMIN_PASSWORD is too short: at least 8 characters \(/],
    ["x".repeat(1025), /^VIGIL_ADMIN_PASSWORD is too long: at most 1024 characters \(/],
    ["tab\tin-the-middle", /^VIGIL_ADMIN_PASSWORD must not contain control characters \(/],
    ["          ", /^VIGIL_ADMIN_PASSWORD must not be only spaces \(/],
  ];
  for (const [password, message] of cases) {
    const a = open(now);
    assert.throws(() => a.ensureAdmin(password), (err: unknown) => {
      assert.ok(err instanceof AdminPasswordError && err instanceof AuthInputError);
      assert.equal(err.name, "AdminPasswordError");
      assert.match(err.message, message);
      assert.match(err.message, /unset it to have one generated\)$/);
      assert.ok(!err.message.includes("\n") && !err.message.includes(password.trim() || "\u0000"));
      return true;
    });
    assert.equal(a.userCount(), 0, "nothing was created");
    a.close();
  }
});

Deno.test("Auth.checkPassword() counts parallel attempts before hashing and caps hashes in flight", async () => {
  const now = { t: 1e12 };
  const gate = new KdfGate({ running: 2, waiting: 3 });
  const a = Auth.open(":memory:", {
    now: () => now.t,
    log: () => {},
    kdf: CHEAP,
    kdfGate: gate,
    addressThrottle: { freeFailures: 3 },
  });
  a.ensureAdmin("env-password-1");
  // One address: 3 free failures + the one that starts the slow-down, the rest throttled.
  const same = await Promise.all(
    Array.from({ length: 20 }, (_, i) => a.checkPassword("admin", `guess-${i}`, META)),
  );
  const reasons = (rs: { ok: boolean; reason?: string }[]) =>
    rs.reduce<Record<string, number>>((m, r) => {
      const k = r.ok ? "ok" : r.reason!;
      m[k] = (m[k] ?? 0) + 1;
      return m;
    }, {});
  assert.deepEqual(reasons(same as { ok: boolean; reason?: string }[]), {
    invalid: 4,
    throttled: 16,
  });
  // Many addresses, unknown names: 2 running + 3 waiting are checked, the rest are busy.
  const many = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) => a.checkPassword(`nobody${i}`, "x", { ...META, address: `10.1.0.${i}` }),
    ),
  );
  assert.deepEqual(reasons(many as { ok: boolean; reason?: string }[]), { invalid: 5, busy: 15 });
  const busy = many.find((r) => !r.ok && r.reason === "busy");
  assert.ok(busy && !busy.ok && busy.reason === "busy" && busy.retryAfterSeconds > 0);
  assert.equal(a.kdfStats().peakRunning, 2);
  // Busy refusals were not counted as failures: those addresses may try again at once.
  assert.equal(a.retryAfterSeconds("10.1.0.19", "nobody19"), 0);
  const ok = await a.checkPassword("admin", "env-password-1", { ...META, address: "10.2.0.1" });
  assert.equal(ok.ok, true);
  a.close();
});

Deno.test("Auth: logging into one's own account does not clear the address's guesses at others", async () => {
  const now = { t: 1e12 };
  const a = open(now);
  a.ensureAdmin("env-password-1");
  for (const u of ["alice", "bob", "carol"]) await a.addUser(u, `${u}-password`, "viewer");
  await a.addUser("mallory", "mallory-password", "viewer");
  const statuses: string[] = [];
  // 12 guesses over 4 users, each group of 3 followed by a good login as oneself.
  for (let round = 0; round < 4; round++) {
    for (const u of ["admin", "alice", "bob"]) {
      const r = await a.login(u, `guess-${round}`, META);
      statuses.push(r.ok ? "ok" : r.reason);
    }
    const own = await a.login("mallory", "mallory-password", META);
    statuses.push(own.ok ? "own-ok" : `own-${own.reason}`);
    now.t += 500;
  }
  const guesses = statuses.filter((s) => !s.startsWith("own"));
  assert.ok(guesses.includes("throttled"), `no guess was throttled: ${statuses.join(",")}`);
  assert.ok(guesses.filter((s) => s === "invalid").length <= 4, statuses.join(","));
  // The failures against mallory herself are taken back by her success.
  const b = open(now);
  b.ensureAdmin("env-password-1");
  await b.addUser("mallory", "mallory-password", "viewer");
  for (let i = 0; i < 3; i++) {
    assert.equal((await b.login("mallory", "typo", META)).ok, false);
    assert.equal((await b.login("mallory", "mallory-password", META)).ok, true);
  }
  a.close();
  b.close();
});

Deno.test("Auth: throttled logins are summarised, and account changes survive login noise", async () => {
  const now = { t: 1e12 };
  const logs: string[] = [];
  const a = Auth.open(":memory:", {
    now: () => now.t,
    log: (l) => logs.push(l),
    kdf: CHEAP,
    auditMax: 100,
  });
  a.ensureAdmin("env-password-1");
  await a.addUser("alice", "alice-password", "viewer", "admin");
  a.setRole("alice", "admin", "admin");
  await a.setPassword("alice", "alice-password-2", "admin");
  const hostile = { address: "203.0.113.9", userAgent: "x" };
  for (let i = 0; i < 10; i++) await a.login("admin", "wrong", hostile);
  const throttledBefore = a.listAudit({ limit: 1000 }).length;
  logs.length = 0;
  let throttled = 0;
  for (let i = 0; i < 3000; i++) {
    const r = await a.login("admin", "wrong", hostile);
    if (!r.ok && r.reason === "throttled") throttled++;
    if (i % 1000 === 999) now.t += 61_000; // three minutes of flood
  }
  assert.ok(throttled >= 2990, `${throttled} of 3000 throttled`);
  const rows = a.listAudit({ limit: 1000 }).filter((e) => e.event === "login_throttled");
  assert.ok(rows.length <= 6, `${rows.length} throttled rows for 3000 attempts`);
  const summed = rows.reduce((n, e) => n + Number(e.detail.match(/^(\d+) throttled/)?.[1]), 0);
  assert.ok(summed > 1000 && summed <= throttled, `rows sum to ${summed}`);
  assert.ok(logs.length <= 12, `${logs.length} log lines`);
  assert.ok(a.listAudit({ limit: 1000 }).length <= throttledBefore + 12);
  // A flood of failed logins from many addresses (the noisy kind) is capped at auditMax rows,
  // and the account changes are still there.
  for (let i = 0; i < 1000; i++) {
    now.t += 16 * 60_000; // outside every throttle window: each is a plain failure
    await a.login(`nobody${i}`, "wrong", { address: `198.51.100.${i % 250}`, userAgent: "x" });
  }
  const all = a.listAudit({ limit: 1000 });
  const kinds = new Set(all.map((e) => e.event));
  for (const k of ["admin_created", "user_added", "role_changed", "password_changed"]) {
    assert.ok(kinds.has(k as never), `${k} was pushed out of the audit log`);
  }
  assert.ok(all.filter((e) => e.event === "login_failed").length <= 200);
  a.close();
});
