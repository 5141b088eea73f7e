import assert from "node:assert/strict";
import { fieldDocs } from "./fields.ts";
import { DEFAULT_DETECTOR_SETTINGS } from "../motion/settings.ts";

Deno.test("fieldDocs() lists every key with its type, help, default and range", () => {
  const docs = fieldDocs();
  const byPath = new Map(docs.map((d) => [d.path, d]));
  assert.equal(byPath.size, docs.length, "paths are unique");
  for (const d of docs) assert.ok(d.help.length > 5, `${d.path} has help`);
  assert.deepEqual(byPath.get("detector.minArea"), {
    path: "detector.minArea",
    type: "number",
    help: "Smallest moving blob kept, in percent of the frame area.",
    default: 0.03,
    min: 0,
    max: 100,
  });
  assert.equal(byPath.get("detector.blur")?.type, "integer");
  assert.deepEqual(byPath.get("record.mode")?.options, ["events", "continuous", "off"]);
  assert.equal(byPath.get("record.mode")?.type, "enum");
  assert.equal(byPath.get("cameras[].source")?.type, "string");
  assert.equal(byPath.get("cameras")?.type, "array");
  assert.equal(byPath.get("mqtt")?.type, "object");
  assert.equal(byPath.get("mqtt.password")?.secret, true);
  assert.equal(byPath.get("webhooks[].secret")?.secret, true);
  assert.equal(byPath.get("webhooks[].url")?.secret, undefined);
  assert.ok(byPath.has("notify.rules[].schedule[].from"));
  assert.ok(byPath.has("detector.zones[].name"));
  // the camera's detector keys are the top level's, listed once
  assert.ok(byPath.has("cameras[].detector"));
  assert.ok(!byPath.has("cameras[].detector.minArea"));
  // the defaults are the ones measured before the schema (bench/detector.sh)
  assert.deepEqual({ ...DEFAULT_DETECTOR_SETTINGS }, {
    width: 320,
    blur: 1,
    learningRate: 0.02,
    foregroundLearningRate: 0.002,
    absorbFrames: 100,
    noiseFactor: 3,
    minThreshold: 10,
    normalize: true,
    despeckle: "eDe",
    minArea: 0.03,
    maxArea: 100,
    mergeDistance: 1.5,
    lightswitch: 30,
    minFrames: 2,
    eventGapMs: 5000,
    maxEventMs: 600_000,
    masks: [],
    zones: [],
  });
  assert.ok(Object.isFrozen(DEFAULT_DETECTOR_SETTINGS.masks), "shared defaults cannot be changed");
  // every detector default matches the one the detector uses
  for (const [key, value] of Object.entries(DEFAULT_DETECTOR_SETTINGS)) {
    assert.deepEqual(byPath.get(`detector.${key}`)?.default, value, key);
  }
  // a copy each time: a caller cannot change the next caller's list
  docs[0].help = "changed";
  assert.notEqual(fieldDocs()[0].help, "changed");
});
