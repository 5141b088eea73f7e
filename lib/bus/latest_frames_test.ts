import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { LatestFrames, latestFrames } from "./latest_frames.ts";
import type { FrameMessage } from "./messages.ts";

function frame(camera: string, ts: number): FrameMessage {
  return {
    type: "frame",
    camera,
    ts,
    jpeg: new Uint8Array([0xff, 0xd8, ts & 0xff]),
    boxes: [],
    motion: false,
    eventId: null,
    score: 0,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("LatestFrames keeps each camera's most recent frame from the bus", async () => {
  const bus = new Bus();
  const latest = new LatestFrames(bus);
  try {
    assert.equal(latest.get("a"), undefined);
    bus.publish(frame("a", 1));
    bus.publish(frame("b", 2));
    bus.publish(frame("a", 3));
    // taken synchronously on publish: no waiting for the event loop
    assert.equal(latest.get("a")?.ts, 3);
    assert.deepEqual([...latest.get("a")!.jpeg], [0xff, 0xd8, 3]);
    assert.equal(latest.get("b")?.ts, 2);
    // other messages pass by without disturbing it, however many come at once
    for (let i = 0; i < 500; i++) {
      bus.publish({ type: "status", camera: "a", state: "running", message: "", ts: i });
    }
    bus.publish(frame("a", 4));
    await settle();
    assert.equal(latest.get("a")?.ts, 4);
  } finally {
    latest.close();
  }
  assert.equal(bus.size, 0, "close() unsubscribes");
  assert.equal(latest.get("a"), undefined);
});

Deno.test("latestFrames() gives one shared instance per bus", () => {
  const bus = new Bus();
  const a = latestFrames(bus);
  assert.equal(latestFrames(bus), a);
  assert.notEqual(latestFrames(new Bus()), a);
  a.close();
});
