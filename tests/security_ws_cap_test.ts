/**
 * One user cannot open WebSockets without bound: at most 16 per session and 32 per user
 * (each holds a bus subscription and send buffers); past that the upgrade gets 429, and a
 * closed socket frees its place. The real app on a real port.
 */
import assert from "node:assert/strict";
import { rawUpgrade } from "./api_fixture.ts";
import { ADMIN_PASSWORD, loginToken, makeTestApp } from "./security_app.ts";

async function open(port: number, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?camera=cam1&mode=off`, {
    headers: { cookie: `vigil_session=${token}` },
  } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.onmessage = (e) => {
      if (String(e.data).includes('"hello"')) resolve();
    };
    ws.onerror = () => reject(new Error("WebSocket refused"));
    ws.onclose = () => reject(new Error("WebSocket closed"));
  });
  return ws;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) =>
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.onclose = () => resolve();
      ws.onerror = () => resolve();
      ws.close();
    })
  ));
}

Deno.test("[security] /ws: at most 16 sockets per session and 32 per user, then 429", async () => {
  const t = await makeTestApp();
  const sockets: WebSocket[] = [];
  try {
    const port = t.port();
    const [a, b, c] = [
      await loginToken(t, "admin", ADMIN_PASSWORD, "192.0.2.10"),
      await loginToken(t, "admin", ADMIN_PASSWORD, "192.0.2.11"),
      await loginToken(t, "admin", ADMIN_PASSWORD, "192.0.2.12"),
    ];
    const upgrade = (token: string) =>
      rawUpgrade(port, "/ws?camera=cam1&mode=off", { Cookie: `vigil_session=${token}` });
    for (let i = 0; i < 16; i++) sockets.push(await open(port, a));
    const overSession = await upgrade(a);
    assert.equal(overSession.status, 429, overSession.body);
    assert.match(overSession.body, /at most 16/);
    for (let i = 0; i < 16; i++) sockets.push(await open(port, b));
    const overUser = await upgrade(c);
    assert.equal(overUser.status, 429, overUser.body);
    assert.match(overUser.body, /at most 32/);
    assert.equal(t.ctx.clients.size, 32);
    // A closed socket frees its place.
    await closeAll([sockets.shift()!]);
    const deadline = Date.now() + 2000;
    while (t.ctx.clients.size > 31 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    sockets.push(await open(port, a));
    assert.equal(t.ctx.clients.size, 32);
  } finally {
    await closeAll(sockets);
    await t.close();
  }
});
