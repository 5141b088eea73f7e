import assert from "node:assert/strict";
import { join } from "node:path";
import { Auth, AuthInputError } from "./auth.ts";

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
