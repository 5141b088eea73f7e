import assert from "node:assert/strict";
import { EventTracker } from "./events.ts";

/** Feeds (ts, motion) pairs and returns "S" for start, "E" for end, "." otherwise. */
function trace(t: EventTracker, frames: [number, boolean][]): string {
  return frames.map(([ts, m]) => {
    const s = t.update(ts, m);
    return s.start ? "S" : s.end ? "E" : s.split ? "|" : s.inEvent ? "+" : ".";
  }).join("");
}

Deno.test("EventTracker.update() starts an event only after minFrames consecutive motion frames", () => {
  const t = new EventTracker({ minFrames: 3, gapMs: 1000 });
  // 100 ms per frame: two motion frames, a break, then three in a row
  const frames: [number, boolean][] = [true, true, false, true, true, true, true].map((
    m,
    i,
  ) => [i * 100, m]);
  assert.equal(trace(t, frames), ".....S+");
  assert.equal(t.inEvent, true);
});

Deno.test("EventTracker.update() ends an event once gapMs passed without motion", () => {
  const t = new EventTracker({ minFrames: 1, gapMs: 500 });
  const frames: [number, boolean][] = [
    [0, true], // S
    [100, false],
    [400, true], // motion within the gap keeps the event
    [800, false], // 400 ms since motion
    [899, false], // 499 ms
    [900, false], // 500 ms: ends
    [1000, false],
    [1100, true], // a new event
  ];
  assert.equal(trace(t, frames), "S++++E.S");
});

Deno.test("EventTracker.update() splits an event that lasts longer than maxMs", () => {
  const t = new EventTracker({ minFrames: 2, gapMs: 500, maxMs: 1000 });
  // endless motion, 200 ms per frame: the event starts on the 2nd frame (it began at 0) and
  // splits at 1000 and 2200; a still frame inside the gap neither splits nor ends it
  const frames: [number, boolean][] = [
    [0, true],
    [200, true], // S
    [400, true],
    [600, false],
    [800, true],
    [1000, true], // | 1000 ms after the start
    [1200, true],
    [1400, true],
    [2200, true], // |
    [2400, true],
  ];
  assert.equal(trace(t, frames), ".S+++|++|+");
  const endless = new EventTracker({ minFrames: 1, gapMs: 500 });
  assert.equal(trace(endless, [[0, true], [100_000_000, true]]), "S+");
  assert.throws(() => new EventTracker({ minFrames: 1, gapMs: 0, maxMs: -1 }), RangeError);
});

Deno.test("EventTracker.tick() closes an open event when frames stop arriving", () => {
  const t = new EventTracker({ minFrames: 2, gapMs: 2000 });
  assert.equal(t.tick(0), false);
  t.update(1000, true);
  assert.equal(t.update(1100, true).start, true);
  assert.equal(t.tick(3000), false);
  assert.equal(t.tick(3100), true);
  assert.equal(t.inEvent, false);
  assert.equal(t.tick(9000), false);
  // a new event needs minFrames again
  assert.equal(t.update(9100, true).start, false);
  assert.equal(t.update(9200, true).start, true);
});

Deno.test("EventTracker rejects bad options", () => {
  assert.throws(() => new EventTracker({ minFrames: 0, gapMs: 100 }), RangeError);
  assert.throws(() => new EventTracker({ minFrames: 1, gapMs: -1 }), RangeError);
});
