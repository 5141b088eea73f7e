import assert from "node:assert/strict";
import { boxesAt, clipEpoch } from "./ClipPlayer.tsx";
import type { Box } from "../lib/bus/messages.ts";

Deno.test("clipEpoch() maps the clip's time to the wall clock across a skipped gap", () => {
  const map: [number, number][] = [[0, 1_000_000], [8_000, 1_060_000]];
  assert.equal(clipEpoch(map, 0), 1_000_000);
  assert.equal(clipEpoch(map, 7_500), 1_007_500);
  assert.equal(clipEpoch(map, 8_000), 1_060_000);
  assert.equal(clipEpoch(map, 9_250), 1_061_250);
});

Deno.test("boxesAt() gives the last motion frame's boxes for a short while, then none", () => {
  const a: Box[] = [[1, 2, 3, 4]], b: Box[] = [[5, 6, 7, 8]];
  const frames = [{ ts: 1000, boxes: a }, { ts: 1100, boxes: b }];
  assert.deepEqual(boxesAt(frames, 999), []);
  assert.equal(boxesAt(frames, 1000), a);
  assert.equal(boxesAt(frames, 1099), a);
  assert.equal(boxesAt(frames, 1200), b);
  assert.deepEqual(boxesAt(frames, 1400), []);
  assert.deepEqual(boxesAt([], 5), []);
});
