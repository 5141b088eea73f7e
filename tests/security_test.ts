/**
 * The security suite: hostile requests against the real app (app.ts's createApp with a real
 * Store and Auth in a temporary folder), each asserting its exact status (and what must not
 * leak); sessions, cookies and headers; brute force; the WebSocket origin check on a real
 * server; the user CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Hono } from "hono";
import { checkWebSocketOrigin } from "../lib/auth/mod.ts";
import { loadTls } from "../lib/http/mod.ts";
import { safeNext } from "../routes/login.tsx";
import { runUserCli } from "../user.ts";
import {
  ADMIN_PASSWORD,
  BOOM_CAMERA,
  loginToken,
  makeTestApp,
  ORIGIN,
  type Req,
  SECRET,
  send,
  sendRaw,
  type TestApp,
  VIEWER_PASSWORD,
} from "./security_app.ts";

interface Hostile {
  name: string;
  path: string | ((s: State) => string);
  req?: (s: State) => Req;
  /** Send the path byte for byte over TCP (GET only), past any client-side URL normalisation. */
  raw?: "admin" | "anonymous";
  status: number;
  check?: (res: Response, text: string, s: State) => void | Promise<void>;
}

interface State {
  t: TestApp;
  admin: string;
  viewer: string;
}

const form = (f: Record<string, string>, extra: Req = {}) => (): Req => ({ form: f, ...extra });
const asAdmin = (r: Req = {}) => (s: State): Req => ({ cookie: s.admin, ...r });
const asViewer = (r: Req = {}) => (s: State): Req => ({ cookie: s.viewer, ...r });
const post = (origin: string, extra: Req = {}) => (s: State): Req => ({
  cookie: s.admin,
  method: "POST",
  headers: { origin },
  ...extra,
});
const EVIL = "http://evil.example";
const noSecret = (_res: Response, text: string) => {
  assert.ok(!text.includes(SECRET), "file outside the root leaked");
  assert.ok(!text.includes("SQLite format"), "the database leaked");
  assert.ok(!/hunter2|\/srv\/secret|at \w+ \(|Error:/.test(text), "internals leaked");
};
const location = (want: string) => (res: Response) =>
  assert.equal(res.headers.get("location"), want);
const noCookieSet = (res: Response) =>
  assert.ok(!/vigil_session=[A-Za-z0-9_-]{43}/.test(res.headers.get("set-cookie") ?? ""));
const event = (suffix = "") => (s: State) => `/history/${s.t.eventId}${suffix}`;
const apiEvent = (s: State) => `/api/events/${s.t.eventId}`;

const BIG = "x".repeat(64 * 1024);
const URLENCODED = { "content-type": "application/x-www-form-urlencoded" };

/** Each entry is one distinct hostile (or control) request and the status it must get. */
const HOSTILE: Hostile[] = [
  // --- path traversal against the real /frames/* route, sent byte for byte over TCP ---
  { name: "control: a stored frame", path: (s) => s.t.frameUrl, raw: "admin", status: 200 },
  ...[
    ["traversal ..%2f to the database", "/frames/..%2fvigil.db"],
    ["traversal ../ (raw dots)", "/frames/cam1/../../secret.txt"],
    ["traversal %2e%2e/", "/frames/%2e%2e/secret.txt"],
    ["traversal %2E%2E%2F upper case", "/frames/%2E%2E%2Fsecret.txt"],
    ["traversal double-encoded %252e%252e%252f", "/frames/%252e%252e%252fvigil.db"],
    ["traversal backslash ..%5c", "/frames/..%5csecret.txt"],
    ["traversal mixed .%2e/", "/frames/cam1/.%2e/.%2e/secret.txt"],
    ["traversal overlong UTF-8 %c0%ae", "/frames/%c0%ae%c0%ae/secret.txt"],
    ["absolute path %2f", "/frames/%2fetc%2fpasswd"],
    ["absolute path via //", "/frames//etc/passwd"],
    ["NUL byte %00", "/frames/cam1/2025-01-01/1/1.jpg%00.png"],
    ["dot-file", "/frames/.hidden"],
    ["drive letter C:%5c", "/frames/C:%5cWindows%5cwin.ini"],
    ["malformed percent-encoding", "/frames/%E0%A4%A"],
    ["frame-shaped path with %2f inside", "/frames/cam1%2f2025-01-01/1/1.jpg"],
  ].map(([name, path]): Hostile => ({ name, path, raw: "admin", status: 404, check: noSecret })),
  {
    name: "symlink out of the data folder (frame-shaped path)",
    path: (s) => s.t.symlinkUrl,
    raw: "admin",
    status: 404,
    check: noSecret,
  },
  { name: "frames without a session", path: (s) => s.t.frameUrl, raw: "anonymous", status: 401 },
  // --- forged / expired cookies ---
  {
    name: "forged cookie on a page",
    path: "/",
    req: () => ({ cookie: "A".repeat(43) }),
    status: 303,
    check: location("/login"),
  },
  {
    name: "forged cookie on the API",
    path: "/api/events",
    req: () => ({ cookie: "B".repeat(43) }),
    status: 401,
  },
  {
    name: "garbage cookie (10 KB, odd characters)",
    path: "/api/events",
    req: () => ({ cookie: "%%;\u00ff".repeat(2500) }),
    status: 401,
  },
  {
    name: "session token with a character changed",
    path: "/api/events",
    req: (s) => ({ cookie: s.admin.slice(0, -1) + (s.admin.endsWith("A") ? "B" : "A") }),
    status: 401,
  },
  {
    name: "unauthenticated page redirects with next",
    path: "/admin/users?x=1",
    status: 303,
    check: location("/login?next=%2Fadmin%2Fusers%3Fx%3D1"),
  },
  {
    name: "/account without a session",
    path: "/account",
    status: 303,
    check: location("/login?next=%2Faccount"),
  },
  { name: "control: /account as a viewer", path: "/account", req: asViewer(), status: 200 },
  { name: "/ws without a session", path: "/ws", status: 401 },
  // --- CSRF: foreign or missing Origin on every state-changing form ---
  {
    name: "login form from a foreign Origin",
    path: "/login",
    req: form({ username: "admin", password: ADMIN_PASSWORD }, { headers: { origin: EVIL } }),
    status: 403,
    check: noCookieSet,
  },
  {
    name: "add user from a foreign Origin with a valid cookie",
    path: "/admin/users",
    req: post(EVIL, { form: { username: "mallory", password: "mallory-pass", role: "admin" } }),
    status: 403,
  },
  {
    name: "/account/password from a foreign Origin",
    path: "/account/password",
    req: post(EVIL, {
      form: { current: ADMIN_PASSWORD, password: "taken-over-pass", repeat: "taken-over-pass" },
    }),
    status: 403,
  },
  {
    name: "/account/password with Sec-Fetch-Site: cross-site",
    path: "/account/password",
    req: post(ORIGIN, {
      headers: { origin: ORIGIN, "sec-fetch-site": "cross-site" },
      form: { current: ADMIN_PASSWORD, password: "taken-over-pass", repeat: "taken-over-pass" },
    }),
    status: 403,
  },
  { name: "/logout from a foreign Origin", path: "/logout", req: post(EVIL), status: 403 },
  {
    name: "set password from a foreign Origin",
    path: "/admin/users/viewer/password",
    req: post(EVIL, { form: { password: "taken-over-pass" } }),
    status: 403,
  },
  {
    name: "set role from a foreign Origin",
    path: "/admin/users/viewer/role",
    req: post(EVIL, { form: { role: "admin" } }),
    status: 403,
  },
  {
    name: "remove user from a foreign Origin",
    path: "/admin/users/viewer/remove",
    req: post(EVIL),
    status: 403,
  },
  {
    name: "revoke session from a foreign Origin",
    path: "/admin/sessions/1/revoke",
    req: post(EVIL),
    status: 403,
  },
  {
    name: "delete event (page) from a foreign Origin",
    path: event("/delete"),
    req: post(EVIL),
    status: 403,
  },
  {
    name: "DELETE /api/events/:id from a foreign Origin",
    path: apiEvent,
    req: post(EVIL, { method: "DELETE" }),
    status: 403,
  },
  {
    name: "Sec-Fetch-Site: cross-site",
    path: "/logout",
    req: (s) => ({ cookie: s.admin, method: "POST", headers: { "sec-fetch-site": "cross-site" } }),
    status: 403,
  },
  {
    name: "Sec-Fetch-Site: same-site (another port/subdomain)",
    path: "/logout",
    req: post(ORIGIN, { headers: { "sec-fetch-site": "same-site", origin: ORIGIN } }),
    status: 403,
  },
  { name: "Origin: null (sandboxed frame)", path: "/logout", req: post("null"), status: 403 },
  { name: "same host, other port", path: "/logout", req: post(`${ORIGIN}:8080`), status: 403 },
  {
    name: "same host, other scheme",
    path: "/logout",
    req: post("https://vigil.test"),
    status: 403,
  },
  {
    name: "no Origin and no Sec-Fetch-Site",
    path: "/logout",
    req: (s) => ({ cookie: s.admin, method: "POST", noOrigin: true }),
    status: 403,
  },
  {
    name: "DELETE /admin/users from a foreign Origin",
    path: "/admin/users",
    req: post(EVIL, { method: "DELETE" }),
    status: 403,
  },
  // --- bodies ---
  {
    name: "oversized login body (Content-Length)",
    path: "/login",
    req: () => ({
      body: BIG,
      headers: { ...URLENCODED, "content-length": String(BIG.length) },
    }),
    status: 413,
  },
  {
    name: "oversized login body (streamed, no Content-Length)",
    path: "/login",
    req: () => ({ body: new Blob([BIG]).stream(), headers: URLENCODED }),
    status: 413,
  },
  {
    name: "oversized admin form",
    path: "/admin/users",
    req: asAdmin({ body: "username=" + BIG, headers: URLENCODED }),
    status: 413,
  },
  {
    name: "oversized /account/password form",
    path: "/account/password",
    req: asViewer({ body: "current=" + BIG, headers: URLENCODED }),
    status: 413,
  },
  {
    name: "oversized /logout body (1 KiB limit)",
    path: "/logout",
    req: asViewer({ body: "x=" + "y".repeat(4096), headers: URLENCODED }),
    status: 413,
  },
  {
    name: "JSON instead of a form",
    path: "/login",
    req: () => ({ body: '{"username":"admin"}', headers: { "content-type": "application/json" } }),
    status: 415,
  },
  {
    name: "malformed JSON to /account/password",
    path: "/account/password",
    req: asViewer({ body: '{"current":', headers: { "content-type": "application/json" } }),
    status: 415,
  },
  {
    name: "no content type",
    path: "/login",
    req: () => ({ body: "username=admin&password=x" }),
    status: 415,
  },
  {
    name: "multipart with a broken boundary",
    path: "/login",
    req: () => ({
      body: "--zz\r\ngarbage",
      headers: { "content-type": "multipart/form-data; boundary=aa" },
    }),
    status: 400,
  },
  {
    name: "multipart with a file as password",
    path: "/login",
    req: () => {
      const fd = new FormData();
      fd.set("username", "admin");
      fd.set("password", new File(["x"], "p.txt"));
      return { body: fd };
    },
    status: 400,
  },
  { name: "missing password field", path: "/login", req: form({ username: "admin" }), status: 400 },
  {
    name: "username sent twice",
    path: "/login",
    req: () => ({ form: [["username", "viewer"], ["username", "admin"], ["password", "x"]] }),
    status: 400,
  },
  {
    name: "username of 65+ characters",
    path: "/login",
    req: form({ username: "a".repeat(65), password: "x" }),
    status: 400,
  },
  {
    name: "password over 1024 characters",
    path: "/login",
    req: form({ username: "admin", password: "p".repeat(1025) }),
    status: 400,
  },
  {
    name: "/account/password with a missing field",
    path: "/account/password",
    req: asViewer({ form: { current: VIEWER_PASSWORD, password: "new-password-1" } }),
    status: 400,
  },
  {
    name: "invalid percent-encoding in the form",
    path: "/login",
    req: () => ({ body: "username=%ZZ%&password=%E0%A4%A", headers: URLENCODED }),
    status: 401,
  },
  {
    name: "wrong password",
    path: "/login",
    req: form({ username: "admin", password: "not-it" }, { address: "198.51.100.7" }),
    status: 401,
    check: noCookieSet,
  },
  {
    name: "SQL injection in the user name",
    path: "/login",
    req: form({ username: "admin' OR '1'='1", password: "' OR 1=1 --" }, {
      address: "198.51.100.8",
    }),
    status: 401,
    check: noCookieSet,
  },
  // --- open redirects after login ---
  ...[
    ["next=//evil.example", "//evil.example/x"],
    ["next=/\\evil.example", "/\\evil.example"],
    ["next=https://evil.example", "https://evil.example/"],
    ["next with a tab (/\\t/evil)", "/\t/evil.example"],
    ["next with CRLF header injection", "/x\r\nSet-Cookie: a=b"],
  ].map(([name, next]): Hostile => ({
    name,
    path: "/login",
    req: form({ username: "admin", password: ADMIN_PASSWORD, next }),
    status: 303,
    check: location("/"),
  })),
  {
    name: "control: next=/history?day=1 is kept",
    path: "/login",
    req: form({ username: "admin", password: ADMIN_PASSWORD, next: "/history?day=1" }),
    status: 303,
    check: location("/history?day=1"),
  },
  // --- bad parameter types ---
  { name: "audit limit=abc", path: "/admin/audit?limit=abc", req: asAdmin(), status: 400 },
  { name: "audit limit=-1", path: "/admin/audit?limit=-1", req: asAdmin(), status: 400 },
  { name: "audit limit=1e9", path: "/admin/audit?limit=1e9", req: asAdmin(), status: 400 },
  { name: "audit before=1.5", path: "/admin/audit?before=1.5", req: asAdmin(), status: 400 },
  {
    name: "audit user=<script>",
    path: "/admin/audit?user=%3Cscript%3E",
    req: asAdmin(),
    status: 400,
  },
  { name: "events limit=abc", path: "/api/events?limit=abc", req: asViewer(), status: 400 },
  {
    name: "events since=yesterday",
    path: "/api/events?since=yesterday",
    req: asViewer(),
    status: 400,
  },
  { name: "events camera=../x", path: "/api/events?camera=..%2Fx", req: asViewer(), status: 400 },
  { name: "event frames id=abc", path: "/api/events/abc/frames", req: asViewer(), status: 400 },
  {
    name: "DELETE event id=abc",
    path: "/api/events/abc",
    req: asAdmin({ method: "DELETE" }),
    status: 400,
  },
  {
    name: "DELETE event that does not exist",
    path: "/api/events/99999999",
    req: asAdmin({ method: "DELETE" }),
    status: 404,
  },
  {
    name: "delete event (page) id=abc",
    path: "/history/abc/delete",
    req: asAdmin({ method: "POST" }),
    status: 400,
  },
  {
    name: "revoke session id=abc",
    path: "/admin/sessions/abc/revoke",
    req: asAdmin({ method: "POST" }),
    status: 400,
  },
  {
    name: "revoke session id=99999999 (none)",
    path: "/admin/sessions/99999999/revoke",
    req: asAdmin({ method: "POST" }),
    status: 404,
  },
  {
    name: "add user with role=superuser",
    path: "/admin/users",
    req: asAdmin({ form: { username: "eve", password: "eve-password", role: "superuser" } }),
    status: 400,
  },
  {
    name: "add user named ../../etc",
    path: "/admin/users",
    req: asAdmin({ form: { username: "../../etc", password: "eve-password", role: "viewer" } }),
    status: 400,
  },
  {
    name: "add user with a 3-character password",
    path: "/admin/users",
    req: asAdmin({ form: { username: "eve", password: "abc", role: "viewer" } }),
    status: 400,
  },
  {
    name: "password for a user that does not exist",
    path: "/admin/users/nobody/password",
    req: asAdmin({ form: { password: "whatever-long" } }),
    status: 404,
  },
  {
    name: "admin removes themselves",
    path: "/admin/users/admin/remove",
    req: asAdmin({ method: "POST" }),
    status: 400,
  },
  // --- role escalation: a viewer on admin pages and actions ---
  ...["/admin/users", "/admin/sessions", "/admin/audit", "/admin/clients"].map((path): Hostile => ({
    name: `viewer opens ${path}`,
    path,
    req: asViewer(),
    status: 403,
  })),
  {
    name: "viewer adds an admin",
    path: "/admin/users",
    req: asViewer({ form: { username: "evil", password: "evil-password", role: "admin" } }),
    status: 403,
  },
  {
    name: "viewer promotes themselves",
    path: "/admin/users/viewer/role",
    req: asViewer({ form: { role: "admin" } }),
    status: 403,
  },
  {
    name: "viewer sets the admin's password",
    path: "/admin/users/admin/password",
    req: asViewer({ form: { password: "taken-over!" } }),
    status: 403,
  },
  {
    name: "viewer removes the admin",
    path: "/admin/users/admin/remove",
    req: asViewer({ method: "POST" }),
    status: 403,
  },
  {
    name: "viewer revokes a session",
    path: "/admin/sessions/1/revoke",
    req: asViewer({ method: "POST" }),
    status: 403,
  },
  {
    name: "viewer deletes an event (page)",
    path: event("/delete"),
    req: asViewer({ method: "POST" }),
    status: 403,
  },
  {
    name: "viewer calls DELETE /api/events/:id",
    path: apiEvent,
    req: asViewer({ method: "DELETE" }),
    status: 403,
  },
  {
    name: "anonymous calls DELETE /api/events/:id",
    path: apiEvent,
    req: () => ({ method: "DELETE" }),
    status: 401,
  },
  // --- unknown routes, methods and errors ---
  {
    name: "unknown route without a session (default deny)",
    path: "/wp-admin/install.php",
    status: 303,
    check: location("/login?next=%2Fwp-admin%2Finstall.php"),
  },
  {
    name: "unknown route",
    path: "/../../etc/passwd%00",
    req: asAdmin(),
    status: 404,
    check: noSecret,
  },
  { name: "GET /logout (only POST exists)", path: "/logout", req: asAdmin(), status: 404 },
  {
    name: "PROPFIND /login (unknown method)",
    path: "/login",
    req: () => ({ method: "PROPFIND", headers: { origin: ORIGIN } }),
    status: 404,
  },
  {
    name: "a handler that throws (message holds secrets)",
    path: `/api/events?camera=${BOOM_CAMERA}`,
    req: asAdmin(),
    status: 500,
    check: noSecret,
  },
];

async function sendHostile(s: State, h: Hostile): Promise<{ res: Response; text: string }> {
  const path = typeof h.path === "function" ? h.path(s) : h.path;
  if (h.raw) {
    const { status, body } = await sendRaw(s.t, path, h.raw === "admin" ? s.admin : undefined);
    return { res: new Response(null, { status }), text: body };
  }
  const res = await send(s.t, path, h.req?.(s) ?? {});
  return { res, text: await res.text() };
}

Deno.test("[security] hostile requests to the real app each get the right status", async (t) => {
  const app = await makeTestApp();
  try {
    const state: State = {
      t: app,
      admin: await loginToken(app, "admin", ADMIN_PASSWORD),
      viewer: await loginToken(app, "viewer", VIEWER_PASSWORD),
    };
    assert.ok(HOSTILE.length >= 90, `${HOSTILE.length} cases`);
    assert.equal(new Set(HOSTILE.map((h) => h.name)).size, HOSTILE.length, "names are distinct");
    for (const h of HOSTILE) {
      await t.step(`${h.name} → ${h.status}`, async () => {
        const { res, text } = await sendHostile(state, h);
        assert.equal(res.status, h.status, `${h.name}: got ${res.status}: ${text.slice(0, 200)}`);
        if (res.status !== 303) noSecret(res, text);
        await h.check?.(res, text, state);
      });
    }
    // The hostile requests changed nothing.
    assert.deepEqual(app.auth.listUsers().map((u) => `${u.username}:${u.role}`), [
      "admin:admin",
      "viewer:viewer",
    ]);
    assert.ok(app.store.getEvent(app.eventId), "the event was not deleted");
    assert.equal(app.errors.length, 1, `only the deliberate failure: ${app.errors}`);
    assert.ok(!app.errors[0].includes(ADMIN_PASSWORD));
    assert.ok(!app.logs.join("\n").includes(ADMIN_PASSWORD), "passwords are never logged");
  } finally {
    await app.close();
  }
});

Deno.test("[security] expired, revoked and outdated sessions are refused", async () => {
  const app = await makeTestApp();
  try {
    const me = (cookie: string) =>
      send(app, "/api/events?limit=1", { cookie }).then((r) => r.status);
    const idle = await loginToken(app, "viewer", VIEWER_PASSWORD);
    assert.equal(await me(idle), 200);
    app.clock.t += 61 * 60_000;
    assert.equal(await me(idle), 401, "idle expiry");

    const busy = await loginToken(app, "viewer", VIEWER_PASSWORD);
    for (let h = 0; h < 23; h++) {
      app.clock.t += 59 * 60_000;
      assert.equal(await me(busy), 200);
    }
    app.clock.t += 60 * 60_000;
    assert.equal(await me(busy), 401, "absolute expiry");

    const out = await loginToken(app, "viewer", VIEWER_PASSWORD);
    const res = await send(app, "/logout", { cookie: out, method: "POST" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    assert.match(res.headers.get("set-cookie") ?? "", /vigil_session=;.*Max-Age=0/);
    assert.equal(await me(out), 401, "revoked by logout");

    const admin = await loginToken(app, "admin", ADMIN_PASSWORD);
    const v1 = await loginToken(app, "viewer", VIEWER_PASSWORD);
    const pw = await send(app, "/admin/users/viewer/password", {
      cookie: admin,
      form: { password: "brand-new-password" },
    });
    assert.equal(pw.status, 303);
    assert.equal(await me(v1), 401, "password change revokes the user's sessions");
    assert.equal(await me(admin), 200, "the admin's own session is untouched");

    const v2 = await loginToken(app, "viewer", "brand-new-password");
    const sid = app.auth.sessionForToken(v2)!.session.id;
    const list = await send(app, "/admin/sessions", { cookie: admin });
    const html = await list.text();
    assert.ok(html.includes(`/admin/sessions/${sid}/revoke`));
    assert.ok(!html.includes(v2), "the sessions page never shows tokens");
    const rv = await send(app, `/admin/sessions/${sid}/revoke`, { cookie: admin, method: "POST" });
    assert.equal(rv.status, 303);
    assert.equal(await me(v2), 401, "revoked by an admin");

    await send(app, "/admin/users/viewer/remove", { cookie: admin, method: "POST" });
    assert.equal(app.auth.getUser("viewer"), null);

    // Changing one's own password: all old sessions end, the current one continues anew.
    const other = await loginToken(app, "admin", ADMIN_PASSWORD, "192.0.2.77");
    const own = await send(app, "/admin/users/admin/password", {
      cookie: admin,
      form: { password: "admin-new-password" },
    });
    assert.equal(own.status, 303);
    const fresh = (own.headers.get("set-cookie") ?? "").match(/vigil_session=([^;]+)/)?.[1];
    assert.ok(fresh);
    assert.equal(await me(admin), 401);
    assert.equal(await me(other), 401);
    assert.equal(await me(fresh), 200);
  } finally {
    await app.close();
  }
});

Deno.test("[security] the session cookie is HttpOnly, SameSite=Lax, Path=/ and Secure only under HTTPS, as is HSTS", async () => {
  const app = await makeTestApp();
  try {
    const http = await send(app, "/login", {
      form: { username: "admin", password: ADMIN_PASSWORD },
    });
    const cookie = http.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^vigil_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/);
    const https = await app.app.request("https://vigil.test/login", {
      method: "POST",
      headers: {
        origin: "https://vigil.test",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ username: "admin", password: ADMIN_PASSWORD }).toString(),
    });
    assert.equal(https.status, 303);
    assert.match(https.headers.get("set-cookie") ?? "", /Secure/);
    assert.equal(https.headers.get("strict-transport-security"), "max-age=31536000");
    assert.equal(http.headers.get("strict-transport-security"), null, "no HSTS over plain HTTP");
  } finally {
    await app.close();
  }
});

const maxAge = (res: Response) =>
  Number((res.headers.get("set-cookie") ?? "").match(/Max-Age=(\d+)/)?.[1]);
const tokenOf = (res: Response) =>
  (res.headers.get("set-cookie") ?? "").match(/vigil_session=([^;]+)/)?.[1] ?? "";

Deno.test("[security] the session cookie lives as long as the session can; the server's expiry decides", async () => {
  const DAY = 24 * 3600_000;
  const app = await makeTestApp({ sessionIdleMs: 7 * DAY, sessionMaxMs: 30 * DAY });
  try {
    const res = await send(app, "/login", {
      form: { username: "viewer", password: VIEWER_PASSWORD },
    });
    assert.equal(res.status, 303);
    assert.equal(maxAge(res), 30 * 24 * 3600, "Max-Age is the absolute lifetime, not the idle one");
    const token = tokenOf(res);
    // Used every 6 days, the session outlives the 7-day idle window; the cookie still holds.
    for (let day = 6; day < 30; day += 6) {
      app.clock.t += 6 * DAY;
      const r = await send(app, "/api/events?limit=1", { cookie: token });
      await r.body?.cancel();
      assert.equal(r.status, 200, `day ${day}`);
    }
    app.clock.t += 6 * DAY;
    const late = await send(app, "/api/events?limit=1", { cookie: token });
    await late.body?.cancel();
    assert.equal(late.status, 401, "the server ends it at the absolute expiry");

    // Every place that hands out a fresh session sets the same lifetime.
    const viewer = await loginToken(app, "viewer", VIEWER_PASSWORD);
    const own = await send(app, "/account/password", {
      cookie: viewer,
      form: { current: VIEWER_PASSWORD, password: "viewer-new-pass", repeat: "viewer-new-pass" },
    });
    assert.equal(own.status, 303);
    assert.equal(maxAge(own), 30 * 24 * 3600);
    const admin = await loginToken(app, "admin", ADMIN_PASSWORD);
    const self = await send(app, "/admin/users/admin/password", {
      cookie: admin,
      form: { password: "admin-new-password" },
    });
    assert.equal(self.status, 303);
    assert.equal(maxAge(self), 30 * 24 * 3600);
  } finally {
    await app.close();
  }
});

Deno.test("[security] pages carry CSP with a fresh nonce, nosniff, Referrer-Policy, frame denial", async () => {
  const app = await makeTestApp();
  try {
    const a = await send(app, "/login");
    const b = await send(app, "/login");
    const html = await a.text();
    await b.body?.cancel();
    assert.equal(a.status, 200);
    const csp = a.headers.get("content-security-policy") ?? "";
    for (
      const part of [
        "default-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
      ]
    ) assert.ok(csp.includes(part), part);
    const nonce = csp.match(/script-src 'self' 'nonce-([A-Za-z0-9+/=]{24})'/)?.[1];
    assert.ok(nonce, csp);
    assert.notEqual(nonce, b.headers.get("content-security-policy")?.match(/nonce-([^']+)/)?.[1]);
    assert.equal(a.headers.get("x-content-type-options"), "nosniff");
    assert.equal(a.headers.get("x-frame-options"), "DENY");
    assert.equal(a.headers.get("referrer-policy"), "same-origin");
    assert.equal(a.headers.get("cache-control"), "no-store");
    assert.ok(
      !/<script|\sstyle=|\son\w+=/i.test(html),
      "the login page has no inline script or style",
    );
    assert.match(html, /<form method="post" action="\/login"/);
  } finally {
    await app.close();
  }
});

Deno.test("[security] brute force per address: slow-down, then 429 with Retry-After, even for the right password", async () => {
  const app = await makeTestApp();
  try {
    const statuses: number[] = [];
    let retry = "";
    for (let i = 0; i < 12; i++) {
      const res = await send(app, "/login", {
        form: { username: "admin", password: `guess-${i}` },
        address: "203.0.113.9",
      });
      await res.body?.cancel();
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get("retry-after") ?? "";
    }
    // 3 free failures, then each failure blocks for a growing time: the next try is a 429.
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 429]);
    assert.match(retry, /^[1-9]\d*$/);
    // Waiting out each delay, failures go on until the lockout (10 failures: 15 min).
    let failures = 4;
    while (failures < 10) {
      app.clock.t += 31_000;
      const res = await send(app, "/login", {
        form: { username: "admin", password: "guess-again" },
        address: "203.0.113.9",
      });
      await res.body?.cancel();
      assert.equal(res.status, 401);
      failures++;
    }
    const locked = await send(app, "/login", {
      form: { username: "admin", password: ADMIN_PASSWORD },
      address: "203.0.113.9",
    });
    assert.equal(locked.status, 429, "the right password does not pass a lockout");
    const after = Number(locked.headers.get("retry-after"));
    assert.ok(after > 800 && after <= 900, `Retry-After ${after}`);
    assert.match(await locked.text(), /Too many failed logins/);
    // Another address still gets in; the locked one does after the lockout.
    assert.equal(
      (await send(app, "/login", {
        form: { username: "viewer", password: VIEWER_PASSWORD },
        address: "203.0.113.10",
      })).status,
      303,
    );
    app.clock.t += 901_000;
    assert.equal(
      (await send(app, "/login", {
        form: { username: "admin", password: ADMIN_PASSWORD },
        address: "203.0.113.9",
      })).status,
      303,
    );
    const events = app.auth.listAudit({ limit: 100 }).map((e) => e.event);
    assert.ok(events.includes("login_throttled") && events.includes("login_failed"));
  } finally {
    await app.close();
  }
});

Deno.test("[security] brute force per user from many addresses locks that user only", async () => {
  const app = await makeTestApp({ userThrottle: { freeFailures: 5, lockoutAfter: 8 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await send(app, "/login", {
        form: { username: "Admin", password: `guess-${i}` },
        address: `198.18.0.${i + 1}`,
      });
      await res.body?.cancel();
      statuses.push(res.status);
      app.clock.t += 40_000; // wait out each slow-down
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401, 429, 429]);
    const fresh = await send(app, "/login", {
      form: { username: "admin", password: ADMIN_PASSWORD },
      address: "198.18.1.1",
    });
    assert.equal(fresh.status, 429, "the user is locked whatever the address or letter case");
    assert.ok(Number(fresh.headers.get("retry-after")) > 0);
    assert.equal(
      (await send(app, "/login", {
        form: { username: "viewer", password: VIEWER_PASSWORD },
        address: "198.18.1.1",
      })).status,
      303,
      "other users are unaffected",
    );
  } finally {
    await app.close();
  }
});

Deno.test("[security] admin page round trip: add, role, password, remove; audit readable by admin only", async () => {
  const app = await makeTestApp();
  try {
    const admin = await loginToken(app, "admin", ADMIN_PASSWORD);
    const go = (path: string, f?: Record<string, string>) =>
      send(app, path, { cookie: admin, ...(f ? { form: f } : { method: "POST" }) });
    assert.equal(
      (await go("/admin/users", { username: "carol", password: "carol-password", role: "viewer" }))
        .status,
      303,
    );
    assert.equal(
      (await go("/admin/users", { username: "carol", password: "carol-password", role: "viewer" }))
        .status,
      400,
      "duplicate",
    );
    assert.equal((await go("/admin/users/carol/role", { role: "admin" })).status, 303);
    assert.equal(app.auth.getUser("carol")?.role, "admin");
    assert.equal(
      (await go("/admin/users/carol/password", { password: "carol-new-pass" })).status,
      303,
    );
    assert.equal((await go("/admin/users/carol/remove")).status, 303);
    assert.equal(app.auth.getUser("carol"), null);
    const page = await send(app, "/admin/users?done=added", { cookie: admin });
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.ok(html.includes("User added.") && html.includes("viewer"));
    const audit = await send(app, "/admin/audit?limit=50", { cookie: admin });
    const log = await audit.text();
    assert.equal(audit.status, 200);
    for (
      const e of ["user_added", "role_changed", "password_changed", "user_removed", "login_ok"]
    ) {
      assert.ok(log.includes(e), e);
    }
    assert.ok(!log.includes("carol-password") && !log.includes("carol-new-pass"));
  } finally {
    await app.close();
  }
});

Deno.test("safeNext() keeps only same-site relative paths", () => {
  for (const ok of ["/", "/history", "/history?x=1#y", "/a/b%2Fc"]) assert.equal(safeNext(ok), ok);
  for (
    const bad of [
      undefined,
      "",
      "history",
      "//evil.example",
      "/\\evil.example",
      "\\\\evil",
      "https://evil.example",
      "javascript:alert(1)",
      "/\t/evil",
      "/\n/evil",
      "/x y",
      "/login",
      "/logout?x",
      "/" + "a".repeat(2001),
    ]
  ) assert.equal(safeNext(bad), "/", JSON.stringify(bad));
});

Deno.test("[security] checkWebSocketOrigin() on a real server: foreign origins refused before upgrade", async () => {
  const app = new Hono();
  app.get("/ws", (c) => {
    if (!checkWebSocketOrigin(c)) return c.text("foreign origin", 403);
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
    socket.onopen = () => socket.close(1000, "bye");
    return response;
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const port = server.addr.port;
  const own = `http://127.0.0.1:${port}`;
  const upgrade = async (headers: Record<string, string>) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const lines = [
        "GET /ws HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        "",
        "",
      ];
      await conn.write(new TextEncoder().encode(lines.join("\r\n")));
      const buf = new Uint8Array(512);
      const n = await conn.read(buf);
      return Number(new TextDecoder().decode(buf.subarray(0, n ?? 0)).split(" ")[1]);
    } finally {
      conn.close();
    }
  };
  try {
    assert.equal(await upgrade({ Origin: own }), 101);
    assert.equal(await upgrade({}), 101, "non-browser clients without Origin pass");
    assert.equal(await upgrade({ Origin: "http://evil.example" }), 403);
    assert.equal(await upgrade({ Origin: "null" }), 403);
    assert.equal(await upgrade({ Origin: `http://127.0.0.1:${port + 1}` }), 403);
    assert.equal(await upgrade({ Origin: own, "Sec-Fetch-Site": "cross-site" }), 403);
    assert.equal(await upgrade({ "Sec-Fetch-Site": "same-site" }), 403);
  } finally {
    await server.shutdown();
  }
});

Deno.test("[security] loadTls() reads PEM files and serves HTTPS; bad flags give clear errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-tls-" });
  try {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const gen = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(gen.success, "openssl made a test certificate");
    assert.equal(await loadTls(undefined, undefined), null);
    await assert.rejects(loadTls(cert, undefined), /both --tls-cert/);
    await assert.rejects(loadTls(join(dir, "missing.pem"), key), /Cannot read --tls-cert/);
    await assert.rejects(loadTls(key, cert), /not a PEM file/);
    const tls = await loadTls(cert, key);
    assert.ok(tls);
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {}, ...tls },
      (req) => new Response(new URL(req.url).protocol),
    );
    try {
      const client = Deno.createHttpClient({ caCerts: [tls.cert] });
      const res = await fetch(`https://localhost:${server.addr.port}/`, { client });
      assert.equal(await res.text(), "https:");
      client.close();
    } finally {
      await server.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[security] user CLI: add/passwd/role/remove/list, password never from argv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-cli-" });
  try {
    const out: string[] = [];
    const err: string[] = [];
    const passwords: string[] = [];
    const io = {
      readPassword: () => Promise.resolve(passwords.shift() ?? ""),
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env: () => undefined,
    };
    const run = (...args: string[]) => runUserCli([...args, "--data", dir], io);
    // the database the server creates on its first start (the CLI never creates one)
    const { Auth } = await import("../lib/auth/mod.ts");
    Auth.open(join(dir, "vigil.db"), { log: () => {} }).close();
    passwords.push("alice-password");
    assert.equal(await run("add", "alice", "--role", "admin"), 0);
    passwords.push("bob-password");
    assert.equal(await run("add", "bob"), 0);
    passwords.push("short");
    assert.equal(await run("add", "carol"), 1);
    assert.match(err.at(-1)!, /at least 8/);
    assert.equal(await run("add", "alice"), 1, "already exists");
    assert.equal(await run("role", "bob", "root"), 1);
    assert.equal(await run("role", "bob", "admin"), 0);
    passwords.push("bob-new-password");
    assert.equal(await run("passwd", "bob"), 0);
    assert.equal(await run("remove", "nobody"), 1);
    assert.equal(await run("remove", "alice"), 0);
    assert.equal(await run("add"), 2);
    assert.equal(await run("frobnicate", "x"), 2);
    assert.equal(await run("list", "--bogus"), 2);
    out.length = 0;
    assert.equal(await run("list"), 0);
    assert.deepEqual(out, ["bob\tadmin"]);
    assert.equal(await run("remove", "bob"), 1, "never the last admin");

    // The real program, password on stdin.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "user.ts",
        "add",
        "dave",
        "--data",
        dir,
      ],
      cwd: new URL("../", import.meta.url),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("dave-password\n"));
    await w.close();
    const res = await child.output();
    const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
    assert.equal(res.code, 0, text);
    assert.ok(!text.includes("dave-password"));
    const auth = Auth.open(join(dir, "vigil.db"), { log: () => {} });
    try {
      const r = await auth.login("dave", "dave-password", { address: "cli", userAgent: "" });
      assert.equal(r.ok, true);
    } finally {
      auth.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
