import assert from "node:assert/strict";
import { KdfGate } from "./kdf_gate.ts";

/** A job that runs until released. */
function job() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { run: () => promise, release: () => resolve() };
}

Deno.test("KdfGate runs at most `running` jobs at once, queues `waiting` more, refuses the rest at once", async () => {
  const gate = new KdfGate({ running: 2, waiting: 3 });
  const jobs = Array.from({ length: 8 }, job);
  const started: number[] = [];
  const results = jobs.map((j, i) =>
    gate.tryRun(() => {
      started.push(i);
      return j.run();
    })
  );
  assert.deepEqual(results.map((r) => r !== null), [
    true,
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
  assert.deepEqual(gate.stats(), { running: 2, waiting: 3, peakRunning: 2, refused: 3 });
  assert.deepEqual(started, [0, 1]);
  jobs[0].release();
  await results[0];
  await Promise.resolve();
  assert.deepEqual(started, [0, 1, 2], "a finished job hands its slot to the next in line");
  for (const j of jobs) j.release();
  await Promise.all(results);
  assert.deepEqual(gate.stats(), { running: 0, waiting: 0, peakRunning: 2, refused: 3 });
});

Deno.test("KdfGate.run() waits however long the queue is, and frees the slot when a job throws", async () => {
  const gate = new KdfGate({ running: 1, waiting: 0 });
  const a = job();
  const first = gate.run(a.run);
  assert.equal(gate.tryRun(() => Promise.resolve(1)), null, "no waiting place for tryRun");
  const second = gate.run(() => Promise.reject(new Error("scrypt failed")));
  const third = gate.run(() => Promise.resolve(3));
  assert.equal(gate.stats().waiting, 2);
  a.release();
  await first;
  await assert.rejects(second, /scrypt failed/);
  assert.equal(await third, 3);
  assert.deepEqual(gate.stats(), { running: 0, waiting: 0, peakRunning: 1, refused: 1 });
  assert.throws(() => new KdfGate({ running: 0 }), RangeError);
  assert.throws(() => new KdfGate({ waiting: -1 }), RangeError);
});
