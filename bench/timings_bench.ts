/**
 * Timings the tests used to assert with wall-clock limits, which failed on a loaded machine;
 * the tests now assert the behaviour, and these measure it:
 *
 *     deno task bench timings        (or: deno bench -A bench/timings_bench.ts)
 *
 * Figures to read, not limits. The former test limits, for reference: a fresh build's skip
 * under 500 ms (lib/web/build_test.ts); 10 addFrame() calls of 50 kB under 200 ms
 * (lib/store/store_test.ts).
 */
import { buildIslands } from "../lib/web/build.ts";
import { Store } from "../lib/store/mod.ts";

// the skip is what is measured: build once first, if the bundles are not fresh
await buildIslands();

Deno.bench("buildIslands() when the bundles are fresh (skips the build)", async () => {
  await buildIslands();
});

const dir = await Deno.makeTempDir({ prefix: "vigil-bench-store-" });
const store = Store.open(dir, { maxPendingWrites: 4, log: () => {} });
const jpeg = new Uint8Array(50_000).fill(0xab);
jpeg.set([0xff, 0xd8], 0);
let ts = Date.UTC(2026, 10, 22);

Deno.bench(
  "Store.addFrame() ×10, 50 kB JPEGs, write queue bound 4 (never waits for the disk)",
  async (b) => {
    const id = store.startEvent("cam1", ts);
    b.start();
    for (let i = 0; i < 10; i++) store.addFrame(id, "cam1", ++ts, jpeg, [], 1);
    b.end();
    store.endEvent(id, ts);
    await store.flush();
  },
);

globalThis.addEventListener("unload", () => {
  store.close().finally(() => Deno.removeSync(dir, { recursive: true }));
});
