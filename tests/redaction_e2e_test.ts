/**
 * Camera credentials never reach a viewer or the log: a source URL with a password holding
 * '@' and ':' and more credentials in its query string, on a real server whose camera fails.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";

const SECRETS = /hunter2|p@ss|w0rd|s3cr3t/;

Deno.test("[e2e] a source's credentials are not in /api/health, the page, the hello message or the log", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close(); // nothing listens there: connection refused, so the message names the source
  const source = `rtsp://cam:p@ss:w0rd@127.0.0.1:${port}/live?user=cam&pwd=hunter2&token=s3cr3t`;
  const vigil = await startVigil({ source });
  let ws: WebSocket | null = null;
  try {
    const cookie = await login(vigil.url, vigil.password);
    let health: { cameras: { state: string; message: string; error?: string[] }[] } | null = null;
    for (let i = 0; i < 100; i++) {
      health = await (await fetch(`${vigil.url}/api/health`, { headers: { cookie } })).json();
      if (health!.cameras[0].state === "failed") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cam = health!.cameras[0];
    assert.equal(cam.state, "failed");
    // viewers see host and path only
    assert.match(cam.message, new RegExp(`rtsp://127\\.0\\.0\\.1:${port}/live\\b`));
    assert.doesNotMatch(cam.message, /live\?|cam:|\*\*\*@/);
    assert.doesNotMatch(JSON.stringify(health), SECRETS);

    const page = await (await fetch(`${vigil.url}/`, { headers: { cookie } })).text();
    assert.doesNotMatch(page, SECRETS);

    ws = openWebSocket(`${vigil.url.replace("http", "ws")}/ws`, { cookie, origin: vigil.url });
    const hello = await new Promise<string>((resolve, reject) => {
      ws!.onmessage = (e) => typeof e.data === "string" && resolve(e.data);
      ws!.onerror = () => reject(new Error("WebSocket failed"));
    });
    assert.match(hello, /"type":"hello"/);
    assert.doesNotMatch(hello, SECRETS);

    assert.match(vigil.output(), /vigil: camera cam1: /);
    assert.doesNotMatch(vigil.output(), SECRETS);
  } finally {
    ws?.close();
    await vigil.close();
  }
});
