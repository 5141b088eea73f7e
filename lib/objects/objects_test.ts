import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Box } from "../protocol.ts";
import {
  DEMO_FIRST_CROSSING_S,
  DEMO_HEIGHT,
  DEMO_WIDTH,
  demoGraph,
} from "../capture/ffmpeg_args.ts";
import { gtBoxes } from "../../bench/objects_gt.ts";
import { classifyFrame, decodeJpeg } from "./classify.ts";
import { iou } from "./model.ts";
import { loadNanoDet } from "./nanodet.ts";
import { motionRegions } from "./regions.ts";
import { DEFAULT_OBJECT_SETTINGS, parseObjectSettings } from "./settings.ts";

const FIXTURES = new URL("../../tests/fixtures/objects/", import.meta.url);
const fixture = (name: string) => Deno.readFile(new URL(name, FIXTURES));

/** Share of `box`'s area covered by `gt` boxes' union approximated by the best single box. */
function overlapsAny(box: Box, gt: Box[]): boolean {
  return gt.some((g) => iou(box, g) > 0 && !(box[0] > g[0] + g[2] || g[0] > box[0] + box[2]));
}

Deno.test("motionRegions() makes squares of at least the model size inside the frame", () => {
  const r = motionRegions([[600, 400, 20, 30]], 640, 480, 416);
  assertEquals(r, [[224, 64, 416, 416]]);
  // near boxes share one region; far ones get their own, largest first
  assertEquals(motionRegions([[10, 10, 20, 20], [60, 60, 20, 20]], 1920, 1080, 416).length, 1);
  const two = motionRegions([[10, 10, 20, 20], [1500, 800, 200, 200]], 1920, 1080, 416);
  assertEquals(two.length, 2);
  assertEquals(two.map((b) => b[2] === b[3]), [true, true]);
  // a frame smaller than the model: the whole frame, padded to a square
  assertEquals(motionRegions([[100, 100, 10, 10]], 320, 240, 416), [[0, -40, 320, 320]]);
  // a box larger than the model size: 1.2× its side
  assertEquals(motionRegions([[0, 0, 500, 300]], 1920, 1080, 416)[0][2], 600);
  assertEquals(motionRegions([], 640, 480, 416), []);
});

Deno.test("parseObjectSettings() merges over the defaults and names the bad key", () => {
  const { settings, model } = parseObjectSettings(
    { fps: 1, minScore: { person: 0.7 }, alertOn: ["person"], model: "m.json" },
    DEFAULT_OBJECT_SETTINGS,
    true,
  );
  assertEquals(settings.fps, 1);
  assertEquals(settings.minScore.person, 0.7);
  assertEquals(settings.minScore.vehicle, 0.5);
  assertEquals(settings.alertOn, ["person"]);
  assertEquals(model, "m.json");
  const bad = (raw: unknown, re: RegExp, allowModel = false) => {
    try {
      parseObjectSettings(raw, DEFAULT_OBJECT_SETTINGS, allowModel);
    } catch (err) {
      assert(re.test((err as Error).message), (err as Error).message);
      return;
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
  };
  bad({ fps: 0 }, /^fps: must be a number above 0 and at most 30$/);
  bad({ minScore: { unicorn: 0.5 } }, /unknown label "unicorn"/);
  bad({ minScore: { person: 2 } }, /minScore.person/);
  bad({ alertOn: ["ghost"] }, /alertOn/);
  bad({ model: "x.json" }, /^model: unknown key "model"/);
  bad({ enabled: "yes" }, /enabled/);
});

const model = await loadNanoDet();

Deno.test({
  name: "[model] a pedestrians frame yields a person overlapping the ground truth",
  sanitizeResources: false,
  async fn() {
    const image = await decodeJpeg(await fixture("pedestrians_in000500.jpg"));
    const gt = await gtBoxes(new URL("pedestrians_gt000500.png", FIXTURES));
    // The motion boxes a detector would give: the ground truth's, slightly grown.
    const motion = gt.map(([x, y, w, h]) => [x - 4, y - 4, w + 8, h + 8] as Box);
    const { objects } = await classifyFrame(model, image, motion, DEFAULT_OBJECT_SETTINGS);
    const people = objects.filter((o) => o.label === "person");
    assert(people.length > 0, JSON.stringify(objects));
    // the walker at x≈165..197 (ground truth in three pieces: head/body, legs)
    const walker: Box = [165, 40, 32, 77];
    assert(people.some((p) => iou(p.box, walker) > 0.5), JSON.stringify(people));
    assert(people.every((p) => overlapsAny(p.box, gt)), JSON.stringify(people));
  },
});

Deno.test({
  name: "[model] a highway frame yields a vehicle",
  sanitizeResources: false,
  async fn() {
    const image = await decodeJpeg(await fixture("highway_in001000.jpg"));
    const gt = await gtBoxes(new URL("highway_gt001000.png", FIXTURES));
    const { objects } = await classifyFrame(model, image, gt, DEFAULT_OBJECT_SETTINGS);
    const vehicles = objects.filter((o) => ["car", "truck", "bus"].includes(o.label));
    assert(vehicles.length >= 2, JSON.stringify(objects));
    assert(!objects.some((o) => o.label === "person"), JSON.stringify(objects));
    // the large car in the front lane, ground truth [78,128,62,50]
    assert(vehicles.some((v) => iou(v.box, [78, 128, 62, 50]) > 0.5), JSON.stringify(vehicles));
  },
});

Deno.test({
  name: "[model] the demo scene's yellow block is no person",
  sanitizeResources: false,
  async fn() {
    // Frames of the real demo graph while the block crosses, classified around the block.
    const w = DEMO_WIDTH, h = DEMO_HEIGHT;
    const ow = Math.round(w * 0.08), oh = Math.round(h * 0.3);
    const y = Math.round(h * 0.72) - oh + Math.round(h * 0.04);
    for (const t of [0.5, 1.5, 2.5, 3.5]) {
      const out = await new Deno.Command("ffmpeg", {
        args: [
          "-v",
          "error",
          "-f",
          "lavfi",
          "-i",
          demoGraph(),
          "-ss",
          String(DEMO_FIRST_CROSSING_S + t),
          "-frames:v",
          "1",
          "-q:v",
          "5",
          "-f",
          "mjpeg",
          "-",
        ],
        stdout: "piped",
      }).output(); // deno-fmt-ignore
      assert(out.success);
      const x = Math.round(-ow + (w + ow) * t / 4);
      const image = await decodeJpeg(out.stdout);
      const { objects } = await classifyFrame(model, image, [[x, y, ow, oh]], {
        ...DEFAULT_OBJECT_SETTINGS,
      });
      assertEquals(objects.filter((o) => o.label === "person"), [], `t=${t}`);
    }
  },
});
