/**
 * Measures the store: `deno run -A lib/store/measure_store.ts [frames] [jpegKB]`.
 * Prints the cost of addFrame() (index row + queueing, what the camera pipeline pays), how fast
 * the queued JPEGs reach the disk, and listEvents()/listFrames()/motionHistogram() times.
 */
import { Store } from "./mod.ts";

const frames = Number(Deno.args[0] ?? 3000);
const kb = Number(Deno.args[1] ?? 40);
const dir = await Deno.makeTempDir({ prefix: "vigil_measure_" });
try {
  const store = Store.open(dir, { maxPendingWrites: frames, maxPendingBytes: frames * kb * 1024 });
  const jpeg = new Uint8Array(kb * 1024).fill(7);
  const t0 = Date.UTC(2026, 0, 1);
  const costs: number[] = [];
  let id = 0;
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    if (i % 30 === 0) {
      if (id) store.endEvent(id, t0 + i * 66);
      id = store.startEvent("cam1", t0 + i * 66);
    }
    const a = performance.now();
    store.addFrame(id, "cam1", t0 + i * 66, jpeg, [[1, 2, 3, 4]], i % 7);
    costs.push(performance.now() - a);
  }
  store.endEvent(id, t0 + frames * 66);
  const queued = performance.now() - start;
  await store.flush();
  const written = performance.now() - start;
  costs.sort((x, y) => x - y);
  const pct = (p: number) => costs[Math.min(costs.length - 1, Math.floor(costs.length * p))];
  console.log(
    `addFrame ${kb} KB: p50=${(pct(0.5) * 1000).toFixed(0)}µs p99=${
      (pct(0.99) * 1000).toFixed(0)
    }µs ` +
      `(${frames} frames queued in ${queued.toFixed(0)} ms)`,
  );
  console.log(
    `disk: ${frames} JPEGs written in ${written.toFixed(0)} ms = ${
      (frames / written * 1000).toFixed(0)
    } frames/s ` +
      `(${(frames * kb / 1024 / written * 1000).toFixed(1)} MB/s)`,
  );
  const time = (label: string, fn: () => unknown, n = 200) => {
    const a = performance.now();
    for (let i = 0; i < n; i++) fn();
    console.log(`${label}: ${((performance.now() - a) / n * 1000).toFixed(0)}µs`);
  };
  time("listEvents(limit 50)", () => store.listEvents({ limit: 50 }));
  time(
    "listEvents(camera, since, limit 500)",
    () => store.listEvents({ camera: "cam1", since: t0, limit: 500 }),
  );
  time("listFrames(30 frames)", () => store.listFrames(id));
  time(
    "motionHistogram(200 buckets)",
    () =>
      store.motionHistogram({
        since: t0,
        until: t0 + frames * 66,
        bucketMs: Math.ceil(frames * 66 / 200),
      }),
  );
  await store.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
