import assert from "node:assert/strict";
import { Bus } from "../bus/mod.ts";
import { parseNotifySettings } from "../config/mod.ts";
import { ArmedSwitch } from "./armed.ts";
import { DeliveryLog } from "./delivery_log.ts";
import { Notifier } from "./notifier.ts";
import type { Clock } from "./notifier.ts";
import { inWindow, localTime } from "./rules.ts";
import type { Channel, Notice } from "./types.ts";
import { WebhookChannel } from "./webhook.ts";

/** A clock the test moves by hand; timers fire when `advance` passes them. */
class FakeClock implements Clock {
  t: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  constructor(t: number) {
    this.t = t;
  }
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.#timers.delete(id as number);
  advance(ms: number) {
    this.t += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.at <= this.t) {
        this.#timers.delete(id);
        timer.fn();
      }
    }
  }
}

class Recording implements Channel {
  readonly name = "recording";
  published: Notice[] = [];
  alerted: Notice[] = [];
  publish(n: Notice) {
    this.published.push(n);
  }
  alert(n: Notice) {
    this.alerted.push(n);
  }
  close() {
    return Promise.resolve();
  }
}

const JPEG = new Uint8Array([0xff, 0xd8, 1, 2, 0xff, 0xd9]);

function notifierWith(
  notify: unknown,
  opts: { armed?: boolean; clock: FakeClock; channels: Channel[] },
) {
  const settings = parseNotifySettings({ notify }, ["door", "yard"]);
  return new Notifier({
    bus: new Bus(),
    cameras: [{ id: "door", name: "Front door" }, { id: "yard", name: "Yard" }],
    config: settings.notify,
    channels: opts.channels,
    armed: new ArmedSwitch(opts.armed ?? true),
    clock: opts.clock,
  });
}

/** One event through the notifier as the pipeline publishes it: start, motion + frame, end. */
function playEvent(
  n: Notifier,
  clock: FakeClock,
  id: number,
  camera = "door",
  zones: string[] = [],
) {
  const ts = clock.now();
  n.handle({ type: "event", phase: "start", camera, eventId: id, ts });
  n.handle({
    type: "frame",
    camera,
    ts,
    jpeg: JPEG,
    boxes: [[1, 2, 3, 4]],
    motion: true,
    eventId: id,
    score: 5,
  });
  n.handle({ type: "motion", camera, ts, eventId: id, score: 5, boxes: [[1, 2, 3, 4]], zones });
  n.handle({ type: "event", phase: "end", camera, eventId: id, ts: ts + 2000 });
}

Deno.test("Notifier: 20 events in 2 minutes with a 30 s cooldown alert 4 times; MQTT gets all 20", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const rec = new Recording();
  const n = notifierWith({ rules: [{ cooldownSeconds: 30 }] }, { clock, channels: [rec] });
  for (let i = 1; i <= 20; i++) {
    playEvent(n, clock, i);
    clock.advance(6000); // 20 events × 6 s = 2 minutes
  }
  const starts = rec.alerted.filter((a) => a.kind === "event" && a.phase === "start");
  const ends = rec.alerted.filter((a) => a.kind === "event" && a.phase === "end");
  // t = 0, 30, 60, 90 s: one per 30 s
  assert.deepEqual(starts.map((s) => (s as { eventId: number }).eventId), [1, 6, 11, 16]);
  assert.equal(ends.length, 4, "the end goes where the start went");
  assert.equal(rec.published.filter((p) => p.kind === "event" && p.phase === "start").length, 20);
  assert.equal(n.rules.suppressed, 16);
  const first = starts[0] as { snapshot: Uint8Array; cameraName: string; url: string };
  assert.deepEqual(first.snapshot, JPEG, "the event's best JPEG travels with the notice");
  assert.equal(first.cameraName, "Front door");
  assert.equal(first.url, "/history/1");
});

Deno.test("Notifier: cooldown 0 sends every event; disarmed sends none (MQTT still gets them)", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const rec = new Recording();
  const n = notifierWith({ rules: [{ cooldownSeconds: 0 }] }, { clock, channels: [rec] });
  for (let i = 1; i <= 20; i++) {
    playEvent(n, clock, i);
    clock.advance(6000);
  }
  assert.equal(rec.alerted.filter((a) => a.kind === "event" && a.phase === "start").length, 20);
  n.armed.set(false, "test");
  for (let i = 21; i <= 25; i++) {
    playEvent(n, clock, i);
    clock.advance(6000);
  }
  assert.equal(rec.alerted.filter((a) => a.kind === "event" && a.phase === "start").length, 20);
  assert.equal(rec.published.filter((p) => p.kind === "event" && p.phase === "start").length, 25);
});

Deno.test("Notifier: a 22:00–06:00 schedule, per camera and zone", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 2, 21, 59)); // a Friday, 21:59 UTC
  const rec = new Recording();
  const n = notifierWith({
    timeZone: "UTC",
    rules: [
      { cameras: ["door"], schedule: [{ from: "22:00", to: "06:00" }], cooldownSeconds: 0 },
      { cameras: ["yard"], zones: ["gate"], cooldownSeconds: 0 },
    ],
  }, { clock, channels: [rec] });
  const alerted = () => rec.alerted.filter((a) => a.kind === "event" && a.phase === "start").length;
  playEvent(n, clock, 1); // 21:59: outside
  assert.equal(alerted(), 0);
  clock.advance(60_000);
  playEvent(n, clock, 2); // 22:00: inside
  assert.equal(alerted(), 1);
  clock.advance(7 * 3600_000 + 59 * 60_000); // 05:59
  playEvent(n, clock, 3);
  assert.equal(alerted(), 2);
  clock.advance(60_000); // 06:00: outside
  playEvent(n, clock, 4);
  assert.equal(alerted(), 2);
  playEvent(n, clock, 5, "yard", ["lawn"]); // yard, but not the gate zone
  assert.equal(alerted(), 2);
  playEvent(n, clock, 6, "yard", ["gate", "lawn"]);
  assert.equal(alerted(), 3);
});

Deno.test("Notifier: a rule with labels alerts only for those objects, from motion or the end", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const rec = new Recording();
  const n = notifierWith({ rules: [{ labels: ["person"], cooldownSeconds: 0 }] }, {
    clock,
    channels: [rec],
  });
  const alertedIds = () =>
    rec.alerted.filter((a) => a.kind === "event" && a.phase === "start").map((a) =>
      (a as { eventId: number }).eventId
    );
  const base = (id: number) => ({ camera: "door", eventId: id, ts: clock.now() });
  playEvent(n, clock, 1); // no labels: a cat-free windy tree
  assert.deepEqual(alertedIds(), []);
  // a motion frame classified as a cat: still no alert
  n.handle({ type: "event", phase: "start", ...base(2) });
  n.handle({ type: "motion", ...base(2), score: 5, boxes: [], zones: [], labels: ["cat"] });
  assert.deepEqual(alertedIds(), []);
  // then as a person: the alert goes out at once, labels included
  n.handle({ type: "motion", ...base(2), score: 5, boxes: [], zones: [], labels: ["person"] });
  assert.deepEqual(alertedIds(), [2]);
  n.handle({ type: "event", phase: "end", ...base(2) });
  // the labels known only when the event ends (the last crop was classified late)
  n.handle({ type: "event", phase: "start", ...base(3) });
  n.handle({ type: "motion", ...base(3), score: 5, boxes: [], zones: [] });
  n.handle({ type: "event", phase: "end", ...base(3), labels: ["person", "vehicle"] });
  assert.deepEqual(alertedIds(), [2, 3]);
  const third = rec.alerted.find((a) =>
    a.kind === "event" && (a as { eventId: number }).eventId === 3
  );
  assert.deepEqual((third as { labels: string[] }).labels, ["person", "vehicle"]);
  assert.throws(
    () => parseNotifySettings({ notify: { rules: [{ labels: ["ghost"] }] } }, ["door"]),
    /notify\.rules\[0\]\.labels\[0\]: "ghost" is not one of person/,
  );
});

Deno.test("inWindow(): a window past midnight belongs to the day it starts on", () => {
  const fridayNights = { days: [5], from: 22 * 60, to: 6 * 60 };
  assert.equal(inWindow(fridayNights, 5, 23 * 60), true); // Friday 23:00
  assert.equal(inWindow(fridayNights, 6, 3 * 60), true); // Saturday 03:00
  assert.equal(inWindow(fridayNights, 6, 23 * 60), false); // Saturday 23:00
  assert.equal(inWindow(fridayNights, 5, 3 * 60), false); // Friday 03:00 (Thursday's night)
  assert.deepEqual(localTime(Date.UTC(2026, 0, 2, 22, 30), "UTC"), { day: 5, minute: 1350 });
});

Deno.test("Notifier: a camera down for offlineSeconds is one offline notice, then one online", () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const rec = new Recording();
  const n = notifierWith({ offlineSeconds: 30 }, { clock, channels: [rec], armed: false });
  n.start();
  const status = (camera: string, state: "running" | "failed") =>
    n.handle({ type: "status", camera, state, message: state, ts: clock.now() });
  status("door", "running");
  status("yard", "running");
  clock.advance(10_000);
  status("door", "failed");
  clock.advance(20_000);
  status("door", "running"); // back within 30 s: nothing
  assert.equal(rec.alerted.length, 0);
  status("door", "failed");
  clock.advance(29_000);
  assert.equal(rec.alerted.length, 0);
  clock.advance(1_000);
  assert.deepEqual(rec.alerted.map((a) => `${a.camera} ${a.phase}`), ["door offline"]);
  clock.advance(60_000);
  status("door", "running");
  assert.deepEqual(rec.alerted.map((a) => `${a.camera} ${a.phase}`), [
    "door offline",
    "door online",
  ]);
  // state changes are published (MQTT's retained state) whatever the rules say
  assert.ok(
    rec.published.some((p) => p.kind === "camera" && p.phase === "state" && p.state === "failed"),
  );
  n.close();
});

Deno.test("Notifier → webhook: 20 events in 2 minutes reach the receiver as often as the rule allows", async () => {
  const got: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    got.push(await req.text());
    return new Response("ok");
  });
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const hooks = new WebhookChannel(
    parseNotifySettings({
      webhooks: [{ url: `http://127.0.0.1:${server.addr.port}/`, events: ["start"] }],
    }, [
      "door",
    ]).webhooks,
    new DeliveryLog(),
  );
  const n = notifierWith({ rules: [{ cooldownSeconds: 45 }] }, { clock, channels: [hooks] });
  for (let i = 1; i <= 20; i++) {
    playEvent(n, clock, i);
    clock.advance(6000);
  }
  const deadline = Date.now() + 5000;
  while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200));
  // t = 0, 48, 96 s (the first event at or after each 45 s cooldown)
  assert.deepEqual(got.map((b) => JSON.parse(b).id), [1, 9, 17]);
  await n.close();
  await server.shutdown();
});
