import assert from "node:assert/strict";
import { Bus } from "./mod.ts";
import type { FrameMessage } from "./mod.ts";

function frame(camera: string, ts: number, motion = false): FrameMessage {
  return {
    type: "frame",
    camera,
    ts,
    jpeg: new Uint8Array(1),
    boxes: [],
    motion,
    eventId: null,
    score: 0,
  };
}

Deno.test("Bus delivers queued messages in order to every subscriber", async () => {
  const bus = new Bus();
  const a = bus.subscribe();
  const b = bus.subscribe();
  bus.publish({
    type: "event",
    phase: "start",
    camera: "c",
    eventId: 1,
    ts: 1,
  });
  bus.publish({ type: "event", phase: "end", camera: "c", eventId: 1, ts: 2 });
  for (const sub of [a, b]) {
    assert.equal((await sub.next())?.ts, 1);
    assert.equal((await sub.next())?.ts, 2);
  }
  a.close();
  b.close();
  assert.equal(bus.size, 0);
});

Deno.test("Subscription keeps only the latest frame per camera", async () => {
  const bus = new Bus();
  const sub = bus.subscribe();
  for (let ts = 1; ts <= 5; ts++) bus.publish(frame("a", ts));
  bus.publish(frame("b", 9));
  assert.equal((await sub.next())?.ts, 5);
  assert.equal((await sub.next())?.ts, 9);
  sub.close();
  assert.equal(await sub.next(), null);
});

Deno.test("Subscription serves queued messages before frames", async () => {
  const bus = new Bus();
  const sub = bus.subscribe();
  bus.publish(frame("a", 1));
  bus.publish({
    type: "status",
    camera: "a",
    state: "running",
    message: "",
    ts: 0,
  });
  assert.equal((await sub.next())?.type, "status");
  assert.equal((await sub.next())?.type, "frame");
  sub.close();
});

Deno.test("Subscription filters frames with acceptFrame", async () => {
  const bus = new Bus();
  const sub = bus.subscribe({ acceptFrame: (f) => f.motion });
  bus.publish(frame("a", 1, true));
  bus.publish(frame("a", 2, false));
  assert.equal((await sub.next())?.ts, 1);
  sub.close();
});

Deno.test("Subscription closes with 'overflow' when its queue is full", async () => {
  const bus = new Bus();
  const sub = bus.subscribe({ maxQueue: 3 });
  for (let i = 0; i < 4; i++) {
    bus.publish({
      type: "event",
      phase: "start",
      camera: "c",
      eventId: i,
      ts: i,
    });
  }
  assert.equal(sub.closedReason, "overflow");
  assert.equal(await sub.next(), null);
  assert.equal(bus.size, 0);
});

Deno.test("Subscription wakes a waiting reader and ends iteration on close", async () => {
  const bus = new Bus();
  const sub = bus.subscribe();
  const seen: number[] = [];
  const reader = (async () => {
    for await (const msg of sub) if (msg.type === "frame") seen.push(msg.ts);
  })();
  await new Promise((r) => setTimeout(r, 5));
  bus.publish(frame("a", 7));
  await new Promise((r) => setTimeout(r, 5));
  sub.close();
  await reader;
  assert.deepEqual(seen, [7]);
});
