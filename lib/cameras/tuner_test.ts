import assert from "node:assert/strict";
import { DEFAULT_DETECTOR_SETTINGS } from "../motion/mod.ts";
import type { GrayListener } from "../pipeline/mod.ts";
import { Tuners } from "./tuner.ts";

const W = 64, H = 48;

/** A pipeline the test feeds by hand: a still scene, and a bright square when asked. */
class FakePipeline {
  listeners = new Set<GrayListener>();
  onGray(l: GrayListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  push(square = false) {
    const gray = new Uint8Array(W * H);
    for (let i = 0; i < gray.length; i++) gray[i] = 60 + ((i * 7919) % 23);
    if (square) { for (let y = 10; y < 30; y++) gray.fill(230, y * W + 20, y * W + 40); }
    for (const l of this.listeners) l(gray, W, H, 640, 480);
  }
}

Deno.test("Tuners: the draft detector's mask, boxes and score; rebuilt on new settings; dropped when idle", async () => {
  const clock = { t: 0 };
  const tuners = new Tuners({ idleMs: 100, now: () => clock.t });
  const p = new FakePipeline();
  const settings = { ...DEFAULT_DETECTOR_SETTINGS, minArea: 0 };
  try {
    const first = tuners.poll("door", p, settings, 1000);
    p.push(); // the first frame: the background
    const a = (await first)!;
    assert.deepEqual([a.width, a.height, a.frames], [W, H, 1]);
    p.push(true);
    const b = (await tuners.poll("door", p, settings))!;
    assert.equal(b.frames, 2);
    assert.ok(b.score > 0 && b.boxes.length === 1, JSON.stringify(b));
    // boxes in camera pixels: the square (x 20..40 of 64) → about 200..400 of 640
    assert.ok(Math.abs(b.boxes[0][0] - 200) <= 20, `${b.boxes[0]}`);
    const png = Uint8Array.from(atob(b.mask), (c) => c.charCodeAt(0));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);

    // A full-frame mask: a new tuner (frames from 0), no motion.
    const masked = {
      ...settings,
      masks: [[[0, 0], [640, 0], [640, 480], [0, 480]]] as [number, number][][],
    };
    const next = tuners.poll("door", p, masked, 1000);
    p.push();
    assert.equal((await next)!.frames, 1);
    p.push(true);
    const c = (await tuners.poll("door", p, masked))!;
    assert.deepEqual([c.score, c.boxes], [0, []]);
    assert.equal(p.listeners.size, 1, "the old tuner stopped listening");

    // Nobody polls for longer than idleMs (fake clock): dropped at the next sweep.
    clock.t += 200;
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(tuners.active, []);
    assert.equal(p.listeners.size, 0);
    // No frame at all: null.
    assert.equal(await tuners.poll("yard", new FakePipeline(), settings, 50), null);
  } finally {
    tuners.close();
  }
});
