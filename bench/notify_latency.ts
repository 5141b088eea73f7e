/**
 * Notification latency on the real server (demo scene, one or more cameras): from the arrival
 * (from ffmpeg) of the frame that opens an event to
 *   - the WebSocket `motion` message of that frame (a signed-in client in detect mode),
 *   - the MQTT `P/C/event` start message (a subscriber on a local Mosquitto),
 *   - the webhook POST (a local receiver),
 *   - the Web Push request (a local fake push service; decrypted to learn the event),
 * p50/p99 over N events, all in the same run. The frame's arrival is the event's `ts` (epoch ms,
 * taken by the server when ffmpeg delivered the frame); receipts are Date.now() on the same
 * machine.
 *
 *   deno run -A --lock=tests/deno.lock bench/notify_latency.ts [--events 50] [--cameras 3]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { login, openWebSocket, startVigil } from "../tests/helpers/server.ts";
import { record, startBroker } from "../tests/helpers/mosquitto.ts";
import { browserDecrypt, browserKeys, fakePushService } from "../tests/helpers/push_service.ts";
import { waitFor } from "../tests/helpers/wait.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { events: { type: "string", default: "50" }, cameras: { type: "string", default: "3" } },
});
const EVENTS = Number(values.events);
const CAMERAS = Number(values.cameras);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const broker = await startBroker();
const push = fakePushService();
const hookAt = new Map<number, number>();
const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
  const at = Date.now();
  const body = JSON.parse(await req.text());
  if (body.type === "start") hookAt.set(body.id, at - body.ts);
  return new Response("ok");
});
const dir = await Deno.makeTempDir({ prefix: "vigil-bench-notify-" });
const config = join(dir, "vigil.json");
const ids = Array.from({ length: CAMERAS }, (_, i) => `cam${i + 1}`);
await Deno.writeTextFile(
  config,
  JSON.stringify({
    detector: { eventGapMs: 1000 },
    cameras: ids.map((id) => ({ id, source: "demo" })),
    mqtt: { url: broker.url },
    webhooks: [{ url: `http://127.0.0.1:${receiver.addr.port}/hook`, events: ["start"] }],
    notify: { rules: [{ cooldownSeconds: 0 }], push: { allowHttp: true } },
  }),
);
const vigil = await startVigil({ source: null, args: ["--config", config] });
const sub = await record(broker.url, ["vigil/+/event"]);
const cookie = await login(vigil.url, vigil.password);
const browser = browserKeys();
await (await fetch(`${vigil.url}/api/push/subscriptions`, {
  method: "POST",
  headers: { cookie, origin: vigil.url, "content-type": "application/json" },
  body: JSON.stringify({
    endpoint: `${push.origin}/push/bench`,
    keys: { p256dh: browser.p256dh, auth: browser.authB64 },
  }),
})).body?.cancel();

// WebSocket: the `motion` message of each event's opening frame
const startTs = new Map<number, number>(); // eventId → ts of the opening frame
const wsAt = new Map<number, number>();
const pendingMotion: { eventId: number; ts: number; at: number }[] = [];
const sockets = ids.map((id) => {
  const ws = openWebSocket(`${vigil.url.replace("http", "ws")}/ws?camera=${id}&mode=detect`, {
    cookie,
    origin: vigil.url,
  });
  ws.onmessage = (e) => {
    if (typeof e.data !== "string") return;
    const at = Date.now();
    const m = JSON.parse(e.data);
    if (m.type === "event" && m.phase === "start") startTs.set(m.eventId, m.ts);
    if (m.type === "motion") pendingMotion.push({ eventId: m.eventId, ts: m.ts, at });
  };
  return ws;
});

const mqttAt = new Map<number, number>();
const pushAt = new Map<number, number>();
const t0 = Date.now();
console.log(`waiting for ${EVENTS} events on ${CAMERAS} demo camera(s)…`);
await waitFor(
  () => {
    for (const m of sub.messages.splice(0)) {
      const e = JSON.parse(m.text);
      if (e.type === "start") mqttAt.set(e.id, m.at - e.ts);
    }
    for (const p of push.requests.splice(0)) {
      const msg = JSON.parse(
        new TextDecoder().decode(browserDecrypt(p.body, browser.ecdh, browser.auth)),
      );
      pushAt.set(msg.eventId, p.at);
    }
    return mqttAt.size >= EVENTS && pushAt.size >= EVENTS && hookAt.size >= EVENTS;
  },
  EVENTS * 11_000 / CAMERAS + 60_000,
  `${EVENTS} events`,
);
for (const m of pendingMotion) {
  if (startTs.get(m.eventId) === m.ts && !wsAt.has(m.eventId)) wsAt.set(m.eventId, m.at - m.ts);
}
const events = [...mqttAt.keys()].slice(0, EVENTS);
const rows: [string, number[]][] = [
  ["WebSocket motion message", events.map((id) => wsAt.get(id)!).filter((x) => x !== undefined)],
  ["MQTT event (start)", events.map((id) => mqttAt.get(id)!)],
  ["webhook POST received", events.map((id) => hookAt.get(id)!).filter((x) => x !== undefined)],
  [
    "Web Push request received",
    events.filter((id) => pushAt.has(id) && startTs.has(id)).map((id) =>
      pushAt.get(id)! - startTs.get(id)!
    ),
  ],
];
console.log(
  `${events.length} events in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${CAMERAS} camera(s)`,
);
console.log("latency from the opening frame's arrival (ms):");
for (const [name, xs] of rows) {
  console.log(
    `  ${name.padEnd(28)} n=${String(xs.length).padStart(3)}  p50 ${pct(xs, 50)}  p99 ${
      pct(xs, 99)
    }  max ${Math.max(...xs)}`,
  );
}
for (const ws of sockets) ws.close();
await sub.close();
await vigil.close();
await receiver.shutdown();
await push.close();
await broker.close();
await Deno.remove(dir, { recursive: true }).catch(() => {});
