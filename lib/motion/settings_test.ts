import assert from "node:assert/strict";
import {
  DEFAULT_DETECTOR_SETTINGS,
  detectionSize,
  detectorSettingsFromConfig,
  parseDetectorSettings,
} from "./settings.ts";

Deno.test("parseDetectorSettings() returns the defaults for an empty or missing object", () => {
  assert.deepEqual(parseDetectorSettings(undefined), DEFAULT_DETECTOR_SETTINGS);
  assert.deepEqual(parseDetectorSettings({}), DEFAULT_DETECTOR_SETTINGS);
});

Deno.test("parseDetectorSettings() merges over the base and keeps the base unchanged", () => {
  const base = parseDetectorSettings({ minArea: 0.2, blur: 2 });
  const s = parseDetectorSettings({
    blur: 0,
    zones: [{ name: "door", polygon: [[0, 0], [10, 0], [10, 10]] }],
  }, base);
  assert.equal(s.minArea, 0.2);
  assert.equal(s.blur, 0);
  assert.deepEqual(s.zones, [{ name: "door", polygon: [[0, 0], [10, 0], [10, 10]] }]);
  assert.equal(base.blur, 2);
  assert.deepEqual(base.zones, []);
});

Deno.test("parseDetectorSettings() rejects bad values with a message naming the setting", () => {
  const bad: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    [
      { minAreaa: 1 },
      / minAreaa: unknown detector setting "minAreaa" \(did you mean "minArea"\?\)$/,
    ],
    [{ blur: "2" }, /blur: must be a whole number between 0 and 4$/],
    [{ blur: 1.5 }, /blur: must be a whole number between 0 and 4$/],
    [{ lightswitch: 101 }, /lightswitch: must be between 0 and 100$/],
    [{ learningRate: -0.1 }, /learningRate: /],
    [{ normalize: "yes" }, /normalize: must be true or false$/],
    [{ despeckle: "eXd" }, /despeckle: must be a string/],
    [{ masks: [[[0, 0], [1, 1]]] }, /masks\[0\]: must be a list of at least 3 points/],
    [{ masks: [[[0, 0], [1, 1], [2, "x"]]] }, /masks\[0\]\[2\]\[1\]: must be a point/],
    [
      { zones: [{ polygon: [[0, 0], [1, 1], [2, 0]] }] },
      / zones\[0\]\.name: must be a non-empty string/,
    ],
    [{
      zones: [{ name: "a", polygon: [[0, 0], [1, 1], [2, 0]] }, {
        name: "a",
        polygon: [[0, 0], [1, 1], [2, 0]],
      }],
    }, /zones\[1\]\.name: "a" is used twice$/],
  ];
  for (const [raw, message] of bad) {
    assert.throws(() => parseDetectorSettings(raw), message, JSON.stringify(raw));
  }
  assert.throws(() => parseDetectorSettings({ blur: 9 }), RangeError);
  assert.throws(() => parseDetectorSettings({ blur: "x" }), TypeError);
  assert.throws(
    () => parseDetectorSettings({ masks: [[[0, 0], [1, 1], [2, 2, 2]]] }),
    /masks\[0\]\[2\]: must be a point/,
  );
  assert.throws(() => parseDetectorSettings({ width: Infinity }), /width: /);
  const zone = (i: number) => ({ name: `z${i}`, polygon: [[0, 0], [1, 1], [2, 0]] });
  assert.throws(
    () => parseDetectorSettings({ zones: Array.from({ length: 33 }, (_, i) => zone(i)) }),
    / zones: at most 32 zones/,
  );
  try {
    parseDetectorSettings({ minArea: 101 }, undefined, ["cameras", 1, "detector"]);
    assert.fail("accepted");
  } catch (err) {
    assert.equal((err as Error).message, "cameras[1].detector.minArea: must be between 0 and 100");
    assert.deepEqual((err as { path: unknown }).path, ["cameras", 1, "detector", "minArea"]);
  }
});

Deno.test("detectorSettingsFromConfig() puts the camera's detector over the file's over the defaults", () => {
  const file = {
    detector: { minArea: 0.5, blur: 2 },
    cameras: [{ id: "a", source: "demo", detector: { blur: 0 } }, { id: "b", source: "demo" }],
  };
  const a = detectorSettingsFromConfig(file, 0);
  assert.equal(a.minArea, 0.5);
  assert.equal(a.blur, 0);
  assert.equal(a.noiseFactor, DEFAULT_DETECTOR_SETTINGS.noiseFactor);
  const b = detectorSettingsFromConfig(file, 1);
  assert.equal(b.blur, 2);
  assert.deepEqual(detectorSettingsFromConfig({}), DEFAULT_DETECTOR_SETTINGS);
  assert.throws(
    () => detectorSettingsFromConfig({ cameras: [{ detector: { blur: -1 } }] }),
    / cameras\[0\]\.detector\.blur: must be a whole number between 0 and 4$/,
  );
  assert.throws(() => detectorSettingsFromConfig({ cameras: {} }), /cameras: must be a list/);
});

Deno.test("detectionSize() keeps the aspect, never upscales and returns even sizes", () => {
  const s = DEFAULT_DETECTOR_SETTINGS;
  assert.deepEqual(detectionSize(s, 640, 480), { width: 320, height: 240 });
  assert.deepEqual(detectionSize(s, 1920, 1080), { width: 320, height: 180 });
  assert.deepEqual(detectionSize(s, 768, 576), { width: 320, height: 240 });
  assert.deepEqual(detectionSize(s, 360, 240), { width: 320, height: 214 });
  assert.deepEqual(detectionSize(s, 160, 120), { width: 160, height: 120 });
  assert.deepEqual(detectionSize(parseDetectorSettings({ width: 0 }), 768, 576), {
    width: 768,
    height: 576,
  });
  assert.deepEqual(detectionSize(parseDetectorSettings({ width: 0 }), 321, 241), {
    width: 320,
    height: 240,
  });
  assert.throws(() => detectionSize(s, 0, 480), RangeError);
});
