/**
 * Parallel attacks on the login, through the real app: bursts of guesses sent at once must be
 * limited exactly like the same guesses sent one after another, and a flood of logins must
 * never run more than the cap of password hashes (32 MiB each) at once: past the bounded
 * queue it gets 503 with Retry-After, while normal use still logs in.
 */
import assert from "node:assert/strict";
import { KdfGate, kdfLoad } from "../lib/auth/mod.ts";
import {
  ADMIN_PASSWORD,
  loginToken,
  makeTestApp,
  postLogin,
  send,
  type TestApp,
  VIEWER_PASSWORD,
} from "./security_app.ts";

interface Burst {
  statuses: Map<number, number>;
  responses: Response[];
  texts: string[];
}

/** Sends all the logins at once (Promise.all) and tallies the statuses. */
async function burst(
  t: TestApp,
  logins: { username: string; password: string; address: string }[],
): Promise<Burst> {
  const responses = await Promise.all(
    logins.map((l) => postLogin(t, l.username, l.password, l.address)),
  );
  const texts = await Promise.all(responses.map((r) => r.text()));
  const statuses = new Map<number, number>();
  for (const r of responses) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  return { statuses, responses, texts };
}

const guesses = (n: number, address: (i: number) => string, username = "admin") =>
  Array.from({ length: n }, (_, i) => ({ username, password: `guess-${i}`, address: address(i) }));

async function loginStatus(t: TestApp, username: string, password: string, address: string) {
  const res = await postLogin(t, username, password, address);
  await res.body?.cancel();
  return { status: res.status, retryAfter: Number(res.headers.get("retry-after") ?? 0) };
}

Deno.test("[security] 40 parallel wrong passwords from one address are limited like 40 sequential ones", async () => {
  const t = await makeTestApp();
  try {
    const ip = "203.0.113.9";
    const first = await burst(t, guesses(40, () => ip));
    // Sequentially: 3 free failures, the 4th starts a slow-down, the 5th on gets 429.
    assert.deepEqual(Object.fromEntries(first.statuses), { 401: 4, 429: 36 });
    for (const r of first.responses.filter((r) => r.status === 429)) {
      assert.match(r.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    }
    assert.equal((await loginStatus(t, "admin", ADMIN_PASSWORD, ip)).status, 429);

    // More bursts, each after the slow-down: one guess each gets through, up to the lockout.
    let wrong = 4;
    for (let round = 0; round < 8; round++) {
      t.clock.t += 31_000;
      const b = await burst(t, guesses(40, () => ip));
      wrong += b.statuses.get(401) ?? 0;
      assert.equal((b.statuses.get(401) ?? 0) + (b.statuses.get(429) ?? 0), 40);
    }
    assert.equal(wrong, 10, "10 failures in all: the documented lockout, however parallel");
    const locked = await loginStatus(t, "admin", ADMIN_PASSWORD, ip);
    assert.equal(locked.status, 429, "the right password does not pass the lockout");
    assert.ok(locked.retryAfter > 800 && locked.retryAfter <= 900, `${locked.retryAfter}`);
    assert.equal((await loginStatus(t, "viewer", VIEWER_PASSWORD, "203.0.113.10")).status, 303);
    t.clock.t += 901_000;
    assert.equal((await loginStatus(t, "admin", ADMIN_PASSWORD, ip)).status, 303);
  } finally {
    await t.close();
  }
});

Deno.test("[security] 40 parallel wrong passwords for one user from 40 addresses are limited per user", async () => {
  const t = await makeTestApp();
  try {
    const b = await burst(t, guesses(40, (i) => `198.18.0.${i + 1}`, "Admin"));
    // Per user: 5 free failures, the 6th starts a slow-down, whatever the address.
    assert.deepEqual(Object.fromEntries(b.statuses), { 401: 6, 429: 34 });
    const fresh = await loginStatus(t, "admin", ADMIN_PASSWORD, "198.18.1.1");
    assert.equal(fresh.status, 429, "the user is slowed down from any address, any letter case");
    assert.ok(fresh.retryAfter > 0);
    assert.equal(
      (await loginStatus(t, "viewer", VIEWER_PASSWORD, "198.18.1.1")).status,
      303,
      "other users are unaffected",
    );
    t.clock.t += 2_000;
    assert.equal((await loginStatus(t, "admin", ADMIN_PASSWORD, "198.18.1.2")).status, 303);
  } finally {
    await t.close();
  }
});

Deno.test("[security] parallel bursts on one user from many addresses reach the same lockout as sequential ones", async () => {
  const t = await makeTestApp({ userThrottle: { freeFailures: 5, lockoutAfter: 8 } });
  try {
    let wrong = 0;
    for (let round = 0; round < 6; round++) {
      const b = await burst(t, guesses(20, (i) => `198.19.${round}.${i + 1}`));
      wrong += b.statuses.get(401) ?? 0;
      t.clock.t += 40_000; // wait out each slow-down
    }
    assert.equal(wrong, 8, "8 failures in all, then the lockout");
    const locked = await loginStatus(t, "admin", ADMIN_PASSWORD, "198.19.9.9");
    assert.equal(locked.status, 429);
    assert.ok(locked.retryAfter > 600, `${locked.retryAfter}`);
  } finally {
    await t.close();
  }
});

Deno.test("[security] a flood of parallel logins never runs more than 2 password hashes at once; the rest get 503", async () => {
  // A real (if smaller) scrypt cost, so the hashes overlap the way they do in production.
  const t = await makeTestApp({ kdf: { logN: 14, r: 8, p: 1 } });
  const sampler = { max: 0 };
  const timer = setInterval(() => sampler.max = Math.max(sampler.max, kdfLoad.running), 1);
  try {
    kdfLoad.resetPeak();
    const flood = await burst(
      t,
      Array.from({ length: 120 }, (_, i) => ({
        username: `nobody-${i}`,
        password: "whatever",
        address: `10.9.${i >> 8}.${i & 255}`,
      })),
    );
    const busy = flood.statuses.get(503) ?? 0;
    assert.equal((flood.statuses.get(401) ?? 0) + busy, 120, JSON.stringify([...flood.statuses]));
    assert.ok((flood.statuses.get(401) ?? 0) >= 10, "2 running + 8 waiting were checked");
    assert.ok(busy >= 60, `${busy} refused as busy`);
    flood.responses.forEach((r, i) => {
      if (r.status !== 503) return;
      assert.equal(r.headers.get("retry-after"), "2");
      assert.match(flood.texts[i], /The server is busy checking other logins/);
    });
    assert.ok(kdfLoad.peak <= 2, `at most 2 scrypt runs at once, saw ${kdfLoad.peak}`);
    assert.ok(sampler.max <= 2, `sampled ${sampler.max}`);
    const stats = t.auth.kdfStats();
    assert.ok(stats.peakRunning <= 2);
    assert.equal(stats.refused, busy);
    assert.deepEqual([stats.running, stats.waiting], [0, 0], "nothing left in flight");
    const audit = t.auth.listAudit({ limit: 1000 }).filter((e) => e.event === "login_busy");
    assert.equal(audit.length, 1, "one audit line per minute, not one per refusal");

    // Normal use still works: one login, and a household logging in at the same moment.
    assert.equal((await loginStatus(t, "admin", ADMIN_PASSWORD, "10.8.0.1")).status, 303);
    const family = await burst(
      t,
      Array.from({ length: 8 }, (_, i) => ({
        username: i % 2 ? "admin" : "viewer",
        password: i % 2 ? ADMIN_PASSWORD : VIEWER_PASSWORD,
        address: `10.8.1.${i + 1}`,
      })),
    );
    assert.deepEqual(Object.fromEntries(family.statuses), { 303: 8 });
  } finally {
    clearInterval(timer);
    await t.close();
  }
});

Deno.test("[security] a full hash queue answers /login and /account/password with 503 and changes nothing", async () => {
  const gate = new KdfGate({ running: 1, waiting: 0 });
  const t = await makeTestApp({ kdfGate: gate });
  try {
    const viewer = await loginToken(t, "viewer", VIEWER_PASSWORD);
    const { promise: hold, resolve: release } = Promise.withResolvers<void>();
    const holding = gate.run(() => hold); // the one slot is taken
    const login = await postLogin(t, "admin", ADMIN_PASSWORD, "10.7.0.1");
    assert.equal(login.status, 503);
    assert.equal(login.headers.get("retry-after"), "2");
    assert.match(await login.text(), /busy/);
    const change = await send(t, "/account/password", {
      cookie: viewer,
      form: { current: VIEWER_PASSWORD, password: "viewer-new-pass", repeat: "viewer-new-pass" },
    });
    assert.equal(change.status, 503);
    assert.equal(change.headers.get("retry-after"), "2");
    assert.match(await change.text(), /Nothing was changed/);
    release();
    await holding;
    // Busy refusals are not failures: no throttling afterwards, and the old password holds.
    assert.equal((await loginStatus(t, "viewer", VIEWER_PASSWORD, "10.7.0.1")).status, 303);
    assert.equal((await loginStatus(t, "admin", ADMIN_PASSWORD, "10.7.0.1")).status, 303);
  } finally {
    await t.close();
  }
});
