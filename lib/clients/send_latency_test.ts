import assert from "node:assert/strict";
import { SendLatency } from "./send_latency.ts";

Deno.test("SendLatency.summary() gives p50, p99 and max of the recorded samples", () => {
  const l = new SendLatency(1000);
  assert.ok(Number.isNaN(l.summary().p50), "no samples yet");
  for (let i = 100; i >= 1; i--) l.record(i / 10); // 0.1 … 10 ms, in any order
  l.record(-1);
  l.record(NaN);
  const s = l.summary();
  assert.equal(s.samples, 100);
  assert.equal(s.p50, 5.1);
  assert.equal(s.p99, 10);
  assert.equal(s.max, 10);
});

Deno.test("SendLatency keeps only the most recent samples", () => {
  const l = new SendLatency(4);
  for (const ms of [50, 50, 50, 50, 1, 2, 3, 4]) l.record(ms);
  assert.deepEqual(l.summary(), { samples: 4, p50: 3, p99: 4, max: 4 });
  assert.throws(() => new SendLatency(0), RangeError);
});
