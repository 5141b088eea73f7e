import assert from "node:assert/strict";
import { alertMatch } from "./alert.ts";

Deno.test("alertMatch() rings for any motion without alertOn, else only for its labels", () => {
  assert.equal(alertMatch(undefined, undefined), "");
  assert.equal(alertMatch([], ["cat"]), "");
  assert.equal(alertMatch(["person"], undefined), null);
  assert.equal(alertMatch(["person"], []), null);
  assert.equal(alertMatch(["person"], ["car", "vehicle"]), null);
  assert.equal(alertMatch(["person", "dog"], ["dog"]), "dog");
  assert.equal(alertMatch(["vehicle"], ["car", "vehicle"]), "vehicle");
});
