/**
 * Fuzz: random bytes, random forms, random JSON, random paths, cookies and origins thrown at the
 * real app's login, account, admin, history and API routes for a bounded time (VIGIL_FUZZ_MS, default 4000, at most 10000). No
 * request may get a 5xx or leak internals, and afterwards a normal login still works.
 * The seed is printed; set VIGIL_FUZZ_SEED to replay a run.
 */
import assert from "node:assert/strict";
import { ADMIN_PASSWORD, loginToken, makeTestApp, ORIGIN, send } from "./security_app.ts";
import { fuzz } from "./helpers/rng.ts";

Deno.test("[security] fuzz: random bytes, forms and JSON never cause a 5xx; login still works after", async () => {
  const seed = Number(Deno.env.get("VIGIL_FUZZ_SEED") ?? Date.now() % 2 ** 31);
  const budget = Math.min(10_000, Number(Deno.env.get("VIGIL_FUZZ_MS") ?? 4000));
  const { random: r, int, pick, bytes, printable } = fuzz(seed);
  const unicode = (n: number) =>
    Array.from({ length: n }, () => {
      const c = pick([int(128), 0x80 + int(0x780), 0x4e00 + int(500), 0xd800 + int(0x800)]);
      return String.fromCharCode(c);
    }).join("");
  const enc = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80"; // a lone surrogate, percent-encoded by hand
    }
  };
  const str = () => pick([printable, unicode, (n: number) => "%".repeat(n)])(int(40));

  const app = await makeTestApp();
  const statuses = new Map<number, number>();
  let count = 0;
  try {
    const adminTok = await loginToken(app, "admin", ADMIN_PASSWORD);
    await app.auth.addUser("fuzz-admin", "fuzz-admin-pass", "admin", "test");
    let fuzzTok = await loginToken(app, "fuzz-admin", "fuzz-admin-pass");
    let relogins = 0;
    const PATHS = [
      "/login",
      "/logout",
      "/account",
      "/account/password",
      "/admin/users",
      "/admin/users/viewer/password",
      "/admin/users/viewer/role",
      "/admin/users/nobody/remove",
      "/admin/sessions",
      "/admin/sessions/99999/revoke",
      "/admin/audit",
      "/admin/clients",
      "/api/events",
      "/api/events/99999",
      "/history/99999/delete",
      "/history",
      app.frameUrl,
      "/",
    ];
    const path = () => {
      const base = pick(PATHS);
      switch (int(5)) {
        case 0:
          return base;
        case 1:
          return `${base}?${enc(str())}=${enc(str())}`;
        case 2:
          return `${base}/${
            Array.from(bytes(int(12)), (b) => "%" + b.toString(16).padStart(2, "0")).join("")
          }`;
        case 3:
          return `/admin/audit?limit=${enc(str())}&before=${enc(str())}&user=${enc(str())}`;
        default:
          return `/${enc(str())}/${enc(str())}`;
      }
    };
    const body = (): { body?: BodyInit; type?: string } => {
      switch (int(6)) {
        case 0:
          return {
            body: bytes(int(12_000)),
            type: pick([
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x",
              "application/json",
              "text/plain",
            ]),
          };
        case 1: {
          const f = new URLSearchParams();
          for (let i = int(6); i > 0; i--) {
            f.append(
              pick(["username", "password", "role", "next", "current", "repeat", str()]),
              pick([str(), "admin", "viewer", "/"]),
            );
          }
          return { body: f.toString(), type: "application/x-www-form-urlencoded" };
        }
        case 2: {
          const fd = new FormData();
          for (let i = int(5); i > 0; i--) {
            const name = pick(["username", "password", "role", str()]);
            if (r() < 0.3) fd.append(name, new File([bytes(int(200))], str() || "f"));
            else fd.append(name, str());
          }
          return { body: fd };
        }
        case 3: {
          const v = () => pick<unknown>([str(), int(1e9) - 5e8, null, true, [str()], { a: str() }]);
          return {
            body: JSON.stringify({ username: v(), password: v(), role: v() }),
            type: "application/json",
          };
        }
        case 4:
          return {
            body: '--x\r\nContent-Disposition: form-data; name="' + str() + '"\r\n\r\n' + str(),
            type: "multipart/form-data; boundary=x",
          };
        default:
          return {};
      }
    };
    const deadline = performance.now() + budget;
    // at least 101 requests however slow the machine, then as many as the budget allows
    while (count <= 100 || performance.now() < deadline) {
      if (count % 25 === 0 && !app.auth.sessionForToken(fuzzTok)) {
        // A fuzzed POST /logout ended the fuzzer's session: keep fuzzing as a signed-in admin.
        fuzzTok = await loginToken(
          app,
          "fuzz-admin",
          "fuzz-admin-pass",
          `192.0.2.${++relogins % 200}`,
        );
      }
      const method = pick([
        "GET",
        "POST",
        "POST",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "HEAD",
        "OPTIONS",
      ]);
      const p = path();
      const b = method === "GET" || method === "HEAD" ? {} : body();
      const headers: Record<string, string> = {};
      if (b.type) headers["content-type"] = b.type;
      if (r() < 0.85) {
        headers.origin = pick([
          ORIGIN,
          ORIGIN,
          ORIGIN,
          "http://evil.example",
          "null",
          printable(10),
        ]);
      }
      if (r() < 0.15) {
        headers["sec-fetch-site"] = pick([
          "same-origin",
          "cross-site",
          "same-site",
          "none",
          printable(5),
        ]);
      }
      const cookie = pick([undefined, fuzzTok, fuzzTok, printable(int(80)), "A".repeat(43)]);
      let res: Response;
      try {
        res = await send(app, p, {
          method,
          headers,
          body: b.body,
          cookie,
          noOrigin: true,
          address: `10.${int(256)}.${int(256)}.${int(256)}`,
        });
      } catch (err) {
        // Only the Request constructor may refuse (e.g. a body on an odd method): never the app.
        assert.ok(err instanceof TypeError, `${method} ${p}: ${err}`);
        continue;
      }
      const text = method === "HEAD" ? "" : await res.text();
      count++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(
        res.status < 500,
        `seed ${seed}: ${method} ${p} → ${res.status} ${text.slice(0, 200)}`,
      );
      assert.ok(
        !/ at .*\.(ts|js):\d+|Error:/.test(text),
        `seed ${seed}: internals in ${method} ${p}`,
      );
    }
    assert.ok(count > 100, `only ${count} requests`);
    assert.deepEqual(app.errors, []);
    // The server still works: the admin logs in from a fresh address and uses the session.
    const tok = await loginToken(app, "admin", ADMIN_PASSWORD, "192.0.2.250");
    assert.equal((await send(app, "/api/events", { cookie: tok })).status, 200);
    assert.equal((await send(app, "/api/events", { cookie: adminTok })).status, 200);
    assert.equal((await send(app, "/login")).status, 200);
    console.log(
      `fuzz seed=${seed}: ${count} requests in ${budget} ms (${relogins} re-logins); statuses ${
        JSON.stringify(Object.fromEntries(statuses))
      }`,
    );
  } finally {
    await app.close();
  }
});
