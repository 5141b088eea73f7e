import assert from "node:assert/strict";
import { Throttle } from "./throttle.ts";

const OPTS = {
  freeFailures: 2,
  baseDelayMs: 1000,
  maxDelayMs: 4000,
  lockoutAfter: 6,
  lockoutMs: 60_000,
  windowMs: 120_000,
  maxKeys: 100,
};

Deno.test("Throttle slows down after the free failures, then locks out", () => {
  let now = 0;
  const t = new Throttle(OPTS, () => now);
  assert.equal(t.fail("a"), 0);
  assert.equal(t.fail("a"), 0);
  assert.equal(t.retryAfterMs("a"), 0);
  assert.equal(t.fail("a"), 1000);
  assert.equal(t.retryAfterMs("a"), 1000);
  now += 1000;
  assert.equal(t.fail("a"), 2000);
  now += 2000;
  assert.equal(t.fail("a"), 4000);
  now += 4000;
  assert.equal(t.fail("a"), 60_000, "6th failure locks out");
  now += 59_000;
  assert.equal(t.retryAfterMs("a"), 1000);
  assert.equal(t.retryAfterMs("b"), 0, "other keys are unaffected");
  now += 1000;
  assert.equal(t.retryAfterMs("a"), 0);
});

Deno.test("Throttle forgets failures after the window and on reset()", () => {
  let now = 0;
  const t = new Throttle(OPTS, () => now);
  t.fail("a");
  t.fail("a");
  now += 121_000;
  assert.equal(t.fail("a"), 0, "old failures are forgotten");
  t.fail("a");
  t.reset("a");
  assert.equal(t.fail("a"), 0);
});

Deno.test("Throttle keeps at most maxKeys keys, evicting unblocked ones first", () => {
  const now = 0;
  const t = new Throttle({ ...OPTS, maxKeys: 10, freeFailures: 0 }, () => now);
  t.fail("blocked");
  for (let i = 0; i < 50; i++) t.fail(`k${i}`);
  assert.ok(t.size <= 10, `size ${t.size}`);
});

Deno.test("Throttle.reserve() counts attempts before their outcome, so parallel ones block like sequential ones", () => {
  const now = 0;
  const t = new Throttle(OPTS, () => now);
  // Three attempts in flight: the third already earns the slow-down, before any outcome.
  assert.equal(t.reserve("a"), 0);
  assert.equal(t.reserve("a"), 0);
  assert.equal(t.reserve("a"), 1000);
  assert.equal(t.retryAfterMs("a"), 1000);
  t.failed("a");
  t.failed("a");
  assert.equal(t.retryAfterMs("a"), 1000, "failures stay counted");
  t.succeeded("a");
  assert.equal(t.retryAfterMs("a"), 0, "the last one succeeded: all forgiven");
  assert.equal(t.size, 0);
});

Deno.test("Throttle.succeeded() keeps the other attempts still in flight counted", () => {
  const now = 0;
  const t = new Throttle(OPTS, () => now);
  t.reserve("a");
  t.reserve("a");
  t.reserve("a");
  t.reserve("a");
  t.succeeded("a"); // one succeeded; three guesses racing it are still pending
  assert.equal(t.retryAfterMs("a"), 1000, "3 pending = 3 failures: past the 2 free ones");
  t.failed("a");
  t.failed("a");
  t.failed("a");
  assert.equal(t.reserve("a"), 2000, "the 4th counted failure");
});
