import assert from "node:assert/strict";
import { parseCliArgs, UsageError } from "./cli_args.ts";

const OPTIONS = {
  out: { type: "string" },
  bench: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

Deno.test("parseCliArgs() reads flags (both spellings) and positionals in any order", () => {
  const r = parseCliArgs(["in.mp4", "--out", "a.jsonl", "--bench", "x"], OPTIONS);
  assert.deepEqual(r.positionals, ["in.mp4", "x"]);
  assert.equal(r.values.out, "a.jsonl");
  assert.equal(r.values.bench, true);
  assert.equal(parseCliArgs(["--out=b.jsonl"], OPTIONS).values.out, "b.jsonl");
  assert.equal(parseCliArgs(["-h"], OPTIONS).values.help, true);
  const none = parseCliArgs([], OPTIONS);
  assert.deepEqual({ ...none.values }, {});
  assert.deepEqual(none.positionals, []);
});

Deno.test("parseCliArgs() drops the leading -- that deno task hands on; a later -- ends the flags", () => {
  const r = parseCliArgs(["--", "/dev/video0", "--out", "f"], OPTIONS);
  assert.deepEqual(r.positionals, ["/dev/video0"]);
  assert.equal(r.values.out, "f");
  assert.deepEqual(parseCliArgs(["x", "--", "--out"], OPTIONS).positionals, ["x", "--out"]);
});

Deno.test("parseCliArgs() throws UsageError naming the flag for unknown flags, missing values and values to a switch", () => {
  for (
    const [args, flag] of [
      [["--frobnicate"], "--frobnicate"],
      [["--out"], "--out"],
      [["--bench=yes"], "--bench"],
      [["-x"], "-x"],
    ] as const
  ) {
    assert.throws(
      () => parseCliArgs(args, OPTIONS),
      (err: unknown) => err instanceof UsageError && err.message.includes(flag),
      args.join(" "),
    );
  }
});
