/**
 * The security suite against the real server (main.ts on the demo scene, as `deno task start`
 * runs it): hostile requests across every module's routes, then a bounded fuzz of random bytes
 * and random JSON at /ws and the API; afterwards /api/health answers and a normal login works.
 * VIGIL_FUZZ_MS bounds the fuzz (default 3000, at most 10000); VIGIL_FUZZ_SEED replays a run.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";
import { fuzz } from "./helpers/rng.ts";

interface Probe {
  name: string;
  path: string;
  init?: RequestInit;
  auth?: boolean;
  /** Allowed statuses (the first is the expected one). */
  status: number[];
}

Deno.test("[security] real server: hostile requests, then /ws and API fuzz; health and login still work", async (t) => {
  const vigil = await startVigil();
  const { url } = vigil;
  try {
    const cookie = await login(url, vigil.password);
    const wsUrl = url.replace(/^http/, "ws") + "/ws";
    const health0 = await (await fetch(`${url}/api/health`)).json();
    const camId: string = health0.cameras[0].id;

    const probes: Probe[] = [
      { name: "static traversal ..%2f", path: "/static/..%2f..%2fdeno.json", status: [404] },
      // fetch (WHATWG URL) turns %2e%2e into "..", so this reaches the server as /main.ts: login first.
      {
        name: "static traversal %2e%2e",
        path: "/static/%2e%2e/%2e%2e/main.ts",
        status: [404, 303],
      },
      { name: "static double-encoded", path: "/static/%252e%252e%252fmain.ts", status: [404] },
      { name: "static backslash", path: "/static/..%5c..%5cmain.ts", status: [404] },
      { name: "static dot-file", path: "/static/.env", status: [404] },
      { name: "frames without a session", path: "/frames/demo/x.jpg", status: [401] },
      {
        name: "frames traversal to the database",
        path: "/frames/..%2fvigil.db",
        auth: true,
        status: [404],
      },
      {
        name: "frames double-encoded traversal",
        path: "/frames/%252e%252e%252fvigil.db",
        auth: true,
        status: [404],
      },
      { name: "frames NUL", path: "/frames/demo/1.jpg%00", auth: true, status: [404] },
      { name: "events without a session", path: "/api/events", status: [401] },
      { name: "events limit=abc", path: "/api/events?limit=abc", auth: true, status: [400] },
      {
        name: "events since=yesterday",
        path: "/api/events?since=yesterday",
        auth: true,
        status: [400],
      },
      { name: "events camera=../x", path: "/api/events?camera=..%2Fx", auth: true, status: [400] },
      { name: "event id=abc", path: "/api/events/abc/frames", auth: true, status: [400, 404] },
      { name: "event id=-1", path: "/api/events/-1/frames", auth: true, status: [400, 404] },
      { name: "ws without a session", path: "/ws", status: [401] },
      {
        name: "ws upgrade from a foreign origin",
        path: "/ws",
        auth: true,
        init: {
          headers: {
            origin: "http://evil.example",
            upgrade: "websocket",
            connection: "Upgrade",
            "sec-websocket-version": "13",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          },
        },
        status: [403],
      },
      { name: "page without a session", path: "/history", status: [303] },
      { name: "admin page as nobody", path: "/admin/users", status: [303] },
      { name: "unknown route", path: "/wp-admin/install.php", auth: true, status: [404] },
      { name: "unknown API route", path: "/api/../../etc/passwd", auth: true, status: [404] },
      {
        name: "POST to a page from a foreign origin",
        path: "/admin/users",
        auth: true,
        init: {
          method: "POST",
          headers: {
            origin: "http://evil.example",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: "username=x&password=yyyyyyyy&role=admin",
        },
        status: [403],
      },
      {
        name: "login with a 1 MB body",
        path: "/login",
        init: {
          method: "POST",
          headers: { origin: url, "content-type": "application/x-www-form-urlencoded" },
          body: "a=" + "b".repeat(1 << 20),
        },
        status: [413],
      },
    ];
    for (const p of probes) {
      await t.step(`${p.name} → ${p.status.join("/")}`, async () => {
        const headers = new Headers(p.init?.headers);
        if (p.auth) headers.set("cookie", cookie);
        const res = await fetch(url + p.path, { ...p.init, headers, redirect: "manual" });
        const text = await res.text();
        assert.ok(
          p.status.includes(res.status),
          `${p.path}: got ${res.status} ${text.slice(0, 200)}`,
        );
        assert.ok(!/"version"|import |vigil\.db|SQLite format|at .*\.ts:\d+/.test(text), "leak");
      });
    }

    const seed = Number(Deno.env.get("VIGIL_FUZZ_SEED") ?? Date.now() % 2 ** 31);
    const budget = Math.min(10_000, Number(Deno.env.get("VIGIL_FUZZ_MS") ?? 3000));
    const { random: r, int, pick, bytes, printable } = fuzz(seed);
    const json = (depth = 0): unknown => {
      switch (int(depth > 2 ? 4 : 6)) {
        case 0:
          return printable(int(30));
        case 1:
          return int(2e9) - 1e9;
        case 2:
          return pick([null, true, false, 1e308, -0, 0.5]);
        case 3:
          return pick(["mode", "live", "detect", "off", "hello", "__proto__"]);
        case 4:
          return Array.from({ length: int(4) }, () => json(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = int(4); i > 0; i--) {
            o[pick(["type", "mode", "camera", printable(5)])] = json(depth + 1);
          }
          return o;
        }
      }
    };

    await t.step(`fuzz /ws and the API for ${budget} ms (seed ${seed})`, async () => {
      const deadline = Date.now() + budget;
      // WebSocket fuzz: several connections in turn, each sent random text, JSON and bytes.
      const wsFuzz = async () => {
        let sockets = 0, messages = 0, refused = 0;
        const closes: number[] = [];
        while (Date.now() < deadline) {
          const ws = openWebSocket(
            r() < 0.8
              ? `${wsUrl}?camera=${camId}&mode=${pick(["detect", "live", "off"])}`
              : `${wsUrl}?camera=${pick([camId, "x", "%00", "..%2Fx"])}&mode=${
                pick(["zzz", "%ff", ""])
              }`,
            { cookie, origin: url },
          );
          sockets++;
          const closed = new Promise<number>((resolve) => {
            ws.onclose = (e) => resolve(e.code);
            ws.onerror = () => {};
          });
          const opened = await Promise.race([
            new Promise<boolean>((resolve) => (ws.onopen = () => resolve(true))),
            closed.then(() => false),
          ]);
          if (opened) {
            for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; i++) {
              const kind = int(10);
              if (kind < 4) ws.send(JSON.stringify(json()));
              else if (kind < 7) ws.send(printable(int(200)));
              else ws.send(bytes(int(300)));
              messages++;
              await new Promise((res) => setTimeout(res, 1));
            }
            if (ws.readyState === WebSocket.OPEN) {
              // A quarter of the sockets end with a message over the 4 KiB limit: the server
              // must close them with 1009. The others close normally.
              if (r() < 0.25) {
                ws.send(r() < 0.5 ? bytes(5000 + int(5000)) : printable(5000 + int(5000)));
                messages++;
              } else ws.close(1000);
            }
          }
          const code = await closed;
          if (opened) closes.push(code);
          else refused++;
        }
        return { sockets, messages, closes, refused };
      };
      // API fuzz: random query strings and paths on the read APIs, frames and static files.
      const apiFuzz = async () => {
        let n = 0;
        const statuses: Record<number, number> = {};
        while (Date.now() < deadline) {
          const base = pick([
            "/api/events",
            "/api/events/1",
            "/api/events/1/frames",
            "/api/health",
            "/frames/",
            "/static/",
            "/history",
            "/",
          ]);
          const q = Array.from(
            { length: int(4) },
            () =>
              `${pick(["camera", "since", "until", "limit", "id", printable(3)])}=${
                encodeURIComponent(printable(int(12)))
              }`,
          ).join("&");
          const tail = r() < 0.3
            ? Array.from(bytes(int(10)), (b) => "%" + b.toString(16).padStart(2, "0")).join("")
            : "";
          const res = await fetch(`${url}${base}${tail}${q ? "?" + q : ""}`, {
            headers: { cookie, origin: url },
            redirect: "manual",
          });
          await res.body?.cancel();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          assert.ok(res.status < 500, `seed ${seed}: ${base}${tail}?${q} → ${res.status}`);
          n++;
        }
        return { n, statuses };
      };
      const [ws, api] = await Promise.all([wsFuzz(), apiFuzz()]);
      console.log(
        `server fuzz seed=${seed}: ${ws.sockets} sockets (${ws.refused} refused at upgrade), ${ws.messages} ws messages, close codes ${
          JSON.stringify(countBy(ws.closes))
        }; ${api.n} API requests ${JSON.stringify(api.statuses)}`,
      );
      assert.ok(ws.messages > 20 && api.n > 20);
      const odd = ws.closes.filter((c) => ![1000, 1005, 1008, 1009].includes(c));
      assert.deepEqual(odd, [], "sockets end normally or with 1009 (too big), never 1011");
      assert.ok(ws.closes.includes(1009), "an oversized message was refused with 1009");
    });

    await t.step("afterwards the server answers /api/health and a normal login works", async () => {
      const health = await fetch(`${url}/api/health`);
      assert.equal(health.status, 200);
      assert.match((await health.json()).status, /^(ok|degraded)$/);
      const again = await login(url, vigil.password);
      const res = await fetch(`${url}/api/events`, { headers: { cookie: again } });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      const out = vigil.output();
      assert.ok(!out.includes(vigil.password), "the admin password is never logged");
      assert.ok(!out.includes(again.split("=")[1]), "session tokens are never logged");
    });
  } finally {
    await vigil.close();
  }
});

function countBy(xs: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
