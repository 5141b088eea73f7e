/**
 * `/account` in process, through the security test app (lib/auth's middleware in production
 * order, cheap KDF, injected clock) with the account routes added.
 */
import assert from "node:assert/strict";
import {
  loginToken,
  makeTestApp,
  ORIGIN,
  send,
  type TestApp,
  VIEWER_PASSWORD,
} from "../tests/security_app.ts";
import * as account from "./account.tsx";

const NEW_PASSWORD = "brand-new-viewer-secret";

async function accountApp(): Promise<TestApp> {
  const t = await makeTestApp();
  account.register(t.app, { auth: t.auth });
  return t;
}

function cookieOf(res: Response): string | null {
  const m = (res.headers.get("set-cookie") ?? "").match(/vigil_session=([^;]*)/);
  return m ? m[1] : null;
}

async function status(t: TestApp, path: string, cookie?: string): Promise<number> {
  const res = await send(t, path, cookie === undefined ? {} : { cookie });
  await res.body?.cancel();
  return res.status;
}

async function loginStatus(t: TestApp, password: string, address = "198.51.100.7") {
  const res = await send(t, "/login", { form: { username: "viewer", password }, address });
  await res.body?.cancel();
  return res.status;
}

function change(current: string, password: string, repeat = password) {
  return { current, password, repeat };
}

Deno.test("GET /account without a session redirects to the login page", async () => {
  const t = await accountApp();
  try {
    const res = await send(t, "/account");
    await res.body?.cancel();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login?next=%2Faccount");
    const post = await send(t, "/account/password", { form: change("x", NEW_PASSWORD) });
    await post.body?.cancel();
    assert.equal(post.status, 303);
    assert.match(post.headers.get("location") ?? "", /^\/login/);
  } finally {
    await t.close();
  }
});

Deno.test("GET /account shows the user's name, role and a script-free password form", async () => {
  const t = await accountApp();
  try {
    const viewer = await loginToken(t, "viewer", VIEWER_PASSWORD);
    const res = await send(t, "/account", { cookie: viewer });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(html, /<dd>viewer<\/dd>/);
    assert.match(html, /viewer \(watch and browse\)/);
    assert.match(html, /<form method="post" action="\/account\/password"/);
    for (const name of ["current", "password", "repeat"]) {
      assert.match(html, new RegExp(`<input name="${name}" type="password"`));
    }
    assert.match(html, /href="\/account"/, "the header links the user name to /account");
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, /Password changed/);

    const admin = await loginToken(t, "admin", "admin-password-for-tests");
    const adminHtml = await (await send(t, "/account", { cookie: admin })).text();
    assert.match(adminHtml, /<dd>admin<\/dd>/);
    assert.match(adminHtml, /admin \(everything\)/);
  } finally {
    await t.close();
  }
});

Deno.test("POST /account/password: a viewer changes their own password; other sessions end, this browser stays in", async () => {
  const t = await accountApp();
  try {
    const here = await loginToken(t, "viewer", VIEWER_PASSWORD, "192.0.2.10");
    const phone = await loginToken(t, "viewer", VIEWER_PASSWORD, "192.0.2.11");
    const admin = await loginToken(t, "admin", "admin-password-for-tests");

    const res = await send(t, "/account/password", {
      cookie: here,
      form: change(VIEWER_PASSWORD, NEW_PASSWORD),
      address: "192.0.2.10",
    });
    await res.body?.cancel();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/account?changed=1");
    const fresh = cookieOf(res);
    assert.ok(fresh && fresh !== here && fresh !== phone, "a fresh session cookie is set");
    assert.match(res.headers.get("set-cookie") ?? "", /HttpOnly/i);

    // This browser continues with the new cookie; its old token and the other device's are dead.
    const page = await send(t, "/account?changed=1", { cookie: fresh });
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /Password changed/);
    assert.equal(await status(t, "/api/me", fresh), 200);
    assert.equal(await status(t, "/account", here), 303);
    assert.equal(await status(t, "/api/me", here), 401);
    assert.equal(await status(t, "/api/me", phone), 401);
    // Only the viewer's sessions ended.
    assert.equal(await status(t, "/api/me", admin), 200);
    const live = t.auth.listSessions().filter((s) => s.username === "viewer");
    assert.equal(live.length, 1);

    // At /login the old password fails and the new one works.
    assert.equal(await loginStatus(t, VIEWER_PASSWORD), 401);
    assert.equal(await loginStatus(t, NEW_PASSWORD), 303);

    // The audit log says who changed it; no password anywhere in it or in the log lines.
    const entry = t.auth.listAudit({ username: "viewer" }).find((e) =>
      e.event === "password_changed"
    );
    assert.ok(entry, "password_changed is in the audit log");
    assert.equal(entry.username, "viewer");
    assert.equal(entry.actor, "viewer");
    assert.match(entry.detail, /session\(s\) ended/);
    const everything = JSON.stringify(t.auth.listAudit({ limit: 1000 })) + t.logs.join("\n");
    assert.ok(!everything.includes(NEW_PASSWORD) && !everything.includes(VIEWER_PASSWORD));
  } finally {
    await t.close();
  }
});

Deno.test("POST /account/password: a wrong current password is 401, counts toward login throttling, then 429", async () => {
  const t = await accountApp();
  try {
    const address = "203.0.113.50";
    const cookie = await loginToken(t, "viewer", VIEWER_PASSWORD, address);
    const statuses: number[] = [];
    let retry = "";
    let firstBody = "";
    for (let i = 0; i < 5; i++) {
      const res = await send(t, "/account/password", {
        cookie,
        address,
        form: change(`guess-number-${i}`, NEW_PASSWORD),
      });
      const body = await res.text();
      if (i === 0) firstBody = body;
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get("retry-after") ?? "";
    }
    // Same rules as /login from one address: 3 free failures, then a delay → 429.
    assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    assert.match(retry, /^[1-9]\d*$/);
    assert.match(firstBody, /current password is wrong/);
    assert.ok(!firstBody.includes("guess-number-0") && !firstBody.includes(NEW_PASSWORD));

    // While blocked even the right current password is refused, and /login is blocked too.
    const right = await send(t, "/account/password", {
      cookie,
      address,
      form: change(VIEWER_PASSWORD, NEW_PASSWORD),
    });
    assert.equal(right.status, 429);
    assert.match(await right.text(), /Too many wrong passwords/);
    const res = await send(t, "/login", {
      form: { username: "viewer", password: VIEWER_PASSWORD },
      address,
    });
    await res.body?.cancel();
    assert.equal(res.status, 429);

    // The failures are in the audit log; nothing changed; the session still works.
    const failed = t.auth.listAudit({ username: "viewer" }).filter((e) =>
      e.event === "login_failed"
    );
    assert.equal(failed.length, 4);
    assert.ok(
      !t.auth.listAudit({ username: "viewer" }).some((e) => e.event === "password_changed"),
    );
    assert.equal(await status(t, "/api/me", cookie), 200);

    // After the delay, the right password goes through.
    t.clock.t += 60_000;
    const ok = await send(t, "/account/password", {
      cookie,
      address,
      form: change(VIEWER_PASSWORD, NEW_PASSWORD),
    });
    await ok.body?.cancel();
    assert.equal(ok.status, 303);
  } finally {
    await t.close();
  }
});

Deno.test("POST /account/password: differing new passwords or a too-short one is 400, nothing changes", async () => {
  const t = await accountApp();
  try {
    const cookie = await loginToken(t, "viewer", VIEWER_PASSWORD);
    const cases: [Record<string, string>, RegExp][] = [
      [change(VIEWER_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x"), /new passwords differ/],
      [change(VIEWER_PASSWORD, "short7c"), /at least 8 characters/],
      [change(VIEWER_PASSWORD, "tab\tinside-pass"), /control characters/],
      [change("", NEW_PASSWORD), /Enter your current password/],
    ];
    for (const [form, message] of cases) {
      const res = await send(t, "/account/password", { cookie, form });
      const html = await res.text();
      assert.equal(res.status, 400, JSON.stringify(form));
      assert.match(html, message);
      assert.match(html, /role="alert"/);
      for (const v of Object.values(form)) {
        if (v) assert.ok(!html.includes(v), "no password is echoed");
      }
    }
    // A missing field is refused by readForm.
    const missing = await send(t, "/account/password", {
      cookie,
      form: { current: VIEWER_PASSWORD, password: NEW_PASSWORD },
    });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /(&quot;|")repeat(&quot;|") is missing/);
    // Nothing changed, the session lives, and these were no failed logins.
    assert.equal(await status(t, "/api/me", cookie), 200);
    assert.equal(await loginStatus(t, VIEWER_PASSWORD), 303);
    assert.ok(!t.auth.listAudit().some((e) => e.event === "login_failed"));
  } finally {
    await t.close();
  }
});

Deno.test("POST /account/password: a foreign Origin or none is 403, an oversized body 413", async () => {
  const t = await accountApp();
  try {
    const cookie = await loginToken(t, "viewer", VIEWER_PASSWORD);
    const form = change(VIEWER_PASSWORD, NEW_PASSWORD);
    for (
      const headers of [
        { origin: "https://evil.example" } as Record<string, string>,
        { origin: "null" },
        { origin: ORIGIN, "sec-fetch-site": "cross-site" },
      ]
    ) {
      const res = await send(t, "/account/password", { cookie, form, headers });
      await res.body?.cancel();
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
    const bare = await send(t, "/account/password", { cookie, form, noOrigin: true });
    await bare.body?.cancel();
    assert.equal(bare.status, 403);
    const big = await send(t, "/account/password", {
      cookie,
      form: { ...form, filler: "x".repeat(64 * 1024) },
    });
    await big.body?.cancel();
    assert.equal(big.status, 413);
    assert.equal(await loginStatus(t, VIEWER_PASSWORD), 303, "the password is unchanged");
  } finally {
    await t.close();
  }
});
