import assert from "node:assert/strict";
import { dayBounds, isTimeZone, parseDay } from "./zoned_day.ts";

const H = 3_600_000;

Deno.test("dayBounds() gives a day's start and end in the named zone", () => {
  assert.deepEqual(dayBounds("2026-12-03", "UTC"), [
    Date.UTC(2026, 11, 3),
    Date.UTC(2026, 11, 4),
  ]);
  // Tokyo is UTC+9 all year: its 3 December starts at 15:00 UTC on the 2nd
  assert.deepEqual(dayBounds("2026-12-03", "Asia/Tokyo"), [
    Date.UTC(2026, 11, 2, 15),
    Date.UTC(2026, 11, 3, 15),
  ]);
  // New York: UTC-5 in winter
  assert.deepEqual(dayBounds("2026-12-31", "America/New_York"), [
    Date.UTC(2026, 11, 31, 5),
    Date.UTC(2027, 0, 1, 5),
  ]);
});

Deno.test("dayBounds() gives 23 and 25 hour days when daylight saving time starts and ends", () => {
  const [s1, e1] = dayBounds("2026-03-08", "America/New_York")!;
  assert.equal(s1, Date.UTC(2026, 2, 8, 5));
  assert.equal(e1 - s1, 23 * H);
  const [s2, e2] = dayBounds("2026-11-01", "America/New_York")!;
  assert.equal(s2, Date.UTC(2026, 10, 1, 4));
  assert.equal(e2 - s2, 25 * H);
  const [s3, e3] = dayBounds("2026-03-29", "Europe/Berlin")!;
  assert.equal(s3, Date.UTC(2026, 2, 28, 23));
  assert.equal(e3 - s3, 23 * H);
});

Deno.test("parseDay() and isTimeZone() refuse what is not a day or a zone", () => {
  assert.deepEqual(parseDay("2024-02-29"), [2024, 2, 29]);
  for (const bad of ["2026-02-30", "2026-13-01", "26-12-03", "2026-12-3", "1969-12-31", "x", ""]) {
    assert.equal(parseDay(bad), null, bad);
    assert.equal(dayBounds(bad, "UTC"), null, bad);
  }
  assert.ok(isTimeZone("Europe/Berlin"));
  assert.ok(isTimeZone("UTC"));
  assert.ok(isTimeZone("America/Argentina/Buenos_Aires"));
  for (const bad of ["Mars/Olympus", "../etc", "Europe/Berlin<script>", "", "a".repeat(80)]) {
    assert.equal(isTimeZone(bad), false, bad);
  }
  assert.throws(() => dayBounds("2026-12-03", "Mars/Olympus"), RangeError);
});
