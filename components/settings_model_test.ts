import assert from "node:assert/strict";
import {
  clockFromInput,
  clockToInput,
  getAt,
  insertPoint,
  insidePolygon,
  orderedIndex,
  orphanedSecret,
  parseTyped,
  pathFromMessage,
  pathText,
  pathWithin,
  type Point,
  scalarDocs,
  SECRET_MASK,
  setAt,
  type Shape,
  shapesOf,
  toCameraPixels,
  toggleChoice,
  withShapes,
} from "./settings_model.ts";
import { fieldDocs } from "../lib/config/fields.ts";

Deno.test("setAt() copies along the path, leaves the original alone, and removes emptied objects", () => {
  const file = { cameras: [{ id: "a", detector: { minArea: 1 } }], port: 1 };
  const next = setAt(file, ["cameras", 0, "detector", "minArea"], 2);
  assert.equal(getAt(next, ["cameras", 0, "detector", "minArea"]), 2);
  assert.equal(file.cameras[0].detector.minArea, 1, "the original is unchanged");
  assert.equal(next.port, 1);
  const removed = setAt(file, ["cameras", 0, "detector", "minArea"], undefined);
  assert.deepEqual(removed, { cameras: [{ id: "a" }], port: 1 });
  assert.deepEqual(setAt({}, ["retention", "maxAgeDays"], 3), { retention: { maxAgeDays: 3 } });
});

Deno.test("pathText(), pathWithin() and pathFromMessage() speak the server's paths", () => {
  assert.equal(pathText(["cameras", 1, "detector", "minArea"]), "cameras[1].detector.minArea");
  assert.ok(
    pathWithin(["cameras", 0, "detector", "zones", 1, "polygon"], [
      "cameras",
      0,
      "detector",
      "zones",
    ]),
  );
  assert.ok(!pathWithin(["cameras", 0, "detector"], ["cameras", 0, "detector", "minArea"]));
  assert.ok(!pathWithin(null, ["port"]));
  assert.deepEqual(pathFromMessage("cameras[1].detector.minArea: must be between 0 and 100"), [
    "cameras",
    1,
    "detector",
    "minArea",
  ]);
  assert.equal(pathFromMessage("the body is not valid JSON"), null);
});

Deno.test("scalarDocs() lists one level of plain settings, not lists", () => {
  const docs = fieldDocs();
  assert.ok(scalarDocs(docs, "cameras[].").some((d) => d.path === "cameras[].source"));
  assert.ok(!scalarDocs(docs, "cameras[].").some((d) => d.path === "cameras[].inputArgs"));
  assert.ok(scalarDocs(docs, "detector.").some((d) => d.path === "detector.minArea"));
  assert.ok(!scalarDocs(docs, "detector.").some((d) => d.path === "detector.zones"));
});

Deno.test("parseTyped() keeps what cannot be a number as typed, for the server to name", () => {
  assert.equal(parseTyped("0.5", { type: "number" }), 0.5);
  assert.equal(parseTyped(" ", { type: "number" }), undefined);
  assert.equal(parseTyped("abc", { type: "integer" }), "abc");
  assert.equal(parseTyped("false", { type: "boolean" }), false);
  assert.equal(parseTyped("demo", { type: "string" }), "demo");
});

Deno.test("shapesOf() and withShapes() round-trip zones and masks; orderedIndex follows a shape", () => {
  const detector = {
    minArea: 1,
    zones: [{ name: "door", polygon: [[0, 0], [10, 0], [10, 10]] }],
    masks: [[[1, 1], [2, 1], [2, 2]]],
  };
  const shapes = shapesOf(detector);
  assert.deepEqual(shapes.map((s) => s.kind), ["zone", "mask"]);
  assert.deepEqual(withShapes(detector, shapes), detector);
  const moved: Shape[] = [shapes[1], { ...shapes[0], kind: "mask" }];
  assert.equal(orderedIndex(moved, 1), 1);
  const empty = withShapes(detector, []);
  assert.deepEqual(empty, { minArea: 1 }, "no shapes: the keys go (the shared ones apply)");
});

Deno.test("toCameraPixels() scales the displayed picture to the camera's pixels and clamps", () => {
  const rect = { left: 100, top: 50, width: 320, height: 240 };
  const cam = { width: 640, height: 480 };
  assert.deepEqual(toCameraPixels(100, 50, rect, cam), [0, 0]);
  assert.deepEqual(toCameraPixels(260, 170, rect, cam), [320, 240]);
  assert.deepEqual(toCameraPixels(500, -5, rect, cam), [640, 0]);
});

Deno.test("insertPoint() appends while drawing, then splits the nearest edge", () => {
  const square: Point[] = [[0, 0], [100, 0], [100, 100], [0, 100]];
  assert.deepEqual(insertPoint(square.slice(0, 2), [5, 5]), [[0, 0], [100, 0], [5, 5]]);
  assert.deepEqual(insertPoint(square, [50, -3])[1], [50, -3], "between the first two");
  assert.deepEqual(insertPoint(square, [-2, 50])[4], [-2, 50], "on the closing edge");
  assert.ok(insidePolygon(square, [50, 50]));
  assert.ok(!insidePolygon(square, [150, 50]));
});

Deno.test("toggleChoice() keeps the options' order and unknown values; none ticked → unset", () => {
  const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
  assert.deepEqual(toggleChoice(undefined, "sat", true, days), ["sat"]);
  assert.deepEqual(toggleChoice(["sat"], "mon", true, days), ["mon", "sat"]);
  assert.deepEqual(toggleChoice(["Sat", "mon"], "mon", false, days), ["sat"]);
  assert.equal(toggleChoice(["sat"], "sat", false, days), undefined);
  assert.deepEqual(toggleChoice(["gone", "door"], "yard", true, ["door", "yard"]), [
    "door",
    "yard",
    "gone",
  ]);
  assert.deepEqual(toggleChoice(["gone", "door"], "gone", false, ["door"]), ["door"]);
});

Deno.test("clockFromInput() and clockToInput() speak the file's HH:MM", () => {
  assert.equal(clockFromInput("22:00"), "22:00");
  assert.equal(clockFromInput("06:30:15"), "06:30");
  assert.equal(clockFromInput(""), undefined);
  assert.equal(clockToInput("06:00"), "06:00");
  assert.equal(clockToInput("6:00"), "");
  assert.equal(clockToInput(undefined), "");
});

Deno.test("orphanedSecret() names a masked secret the server could not match any more", () => {
  const saved = {
    webhooks: [{ url: "https://a/", secret: SECRET_MASK }, {
      url: "https://b/",
      secret: SECRET_MASK,
    }],
  };
  assert.equal(orphanedSecret(saved, saved), null);
  assert.equal(orphanedSecret({ webhooks: [{ url: "https://a/", secret: "new" }] }, saved), null);
  // the first removed: b moved to index 0, and the server still finds it by its url
  assert.equal(orphanedSecret({ webhooks: [saved.webhooks[1]] }, saved), null);
  // the url changed under a masked secret
  assert.deepEqual(
    orphanedSecret({ webhooks: [{ url: "https://c/", secret: SECRET_MASK }] }, saved),
    ["webhooks", 0, "secret"],
  );
});
