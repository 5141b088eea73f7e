/**
 * Measures /ws fan-out: `deno run -A tests/ws_measure.ts [clients] [seconds] [jpegKB]`.
 * Publishes a frame every 66 ms (15 fps) on the bus and reports, per received frame, the time
 * from bus.publish() to the client's message event (server and clients share one process, so
 * this includes the client's receive work), plus bytes per second per client.
 */
import { frame, startServer, TestClient } from "./api_fixture.ts";

const n = Number(Deno.args[0] ?? 1);
const seconds = Number(Deno.args[1] ?? 10);
const kb = Number(Deno.args[2] ?? 40);
const s = await startServer();
const clients: TestClient[] = [];
for (let i = 0; i < n; i++) {
  const c = await TestClient.connect(`${s.wsUrl}?mode=live`);
  await c.text("hello");
  clients.push(c);
}
const sentAt = new Map<number, number>();
const lat: number[] = [];
let bytes = 0;
for (const c of clients) {
  const orig = c.ws.onmessage!;
  c.ws.onmessage = (e) => {
    if (typeof e.data !== "string") {
      const buf = e.data as ArrayBuffer;
      bytes += buf.byteLength;
      const hlen = new DataView(buf).getUint32(0);
      const ts = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, hlen))).ts;
      lat.push(performance.now() - sentAt.get(ts)!);
    }
    orig.call(c.ws, e);
    c.received.length = 0;
  };
}
const frames = Math.round(seconds * 1000 / 66);
for (let i = 0; i < frames; i++) {
  const f = frame("cam1", 1 + i, i % 2 === 0, kb * 1024);
  sentAt.set(f.ts, performance.now());
  s.bus.publish(f);
  await new Promise((r) => setTimeout(r, 66));
}
await new Promise((r) => setTimeout(r, 300));
lat.sort((a, b) => a - b);
const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(2);
console.log(
  `clients=${n} frames=${frames} received=${lat.length} (${
    (lat.length / n / frames * 100).toFixed(1)
  }%) ` +
    `latency p50=${p(0.5)}ms p99=${p(0.99)}ms max=${p(1)}ms ` +
    `bytes/s per client=${(bytes / n / seconds / 1024).toFixed(0)} KiB`,
);
for (const c of clients) await c.close();
await s.close();
