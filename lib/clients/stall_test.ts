import assert from "node:assert/strict";
import { StallWatch } from "./stall.ts";

Deno.test("StallWatch.check() flags unsent bytes that have not gone down for stallMs", () => {
  const w = new StallWatch(10_000, 0);
  assert.equal(w.check(1000, 0), false);
  assert.equal(w.check(2000, 5000), false); // sent, not drained yet
  assert.equal(w.check(6000, 9000), false);
  assert.equal(w.check(10_999, 9000), false);
  assert.equal(w.check(11_000, 9000), true, "10 s without draining since the last empty check");
});

Deno.test("StallWatch.check() keeps a slow reader that drains something", () => {
  const w = new StallWatch(10_000, 0);
  let buffered = 1_500_000;
  for (let t = 250; t <= 60_000; t += 250) {
    // sends push it up, the reader takes a little: it goes down every few checks
    buffered += t % 1000 === 0 ? -40_000 : 10_000;
    assert.equal(w.check(t, buffered), false, `t=${t}`);
  }
});

Deno.test("StallWatch.check() flags a write the TCP front has waited on for stallMs", () => {
  const w = new StallWatch(10_000, 0);
  assert.equal(w.check(500, 0, 9_999), false);
  assert.equal(w.check(750, 0, 10_000), true);
  assert.throws(() => new StallWatch(0, 0), RangeError);
});
