/**
 * @module
 * The command-line parsing shared by Vigil's small programs (`deno task detect`, `devices`,
 * `user`): node's `parseArgs`, strict, with positionals, a leading `--` dropped, and every
 * mistake thrown as a {@link UsageError} for the program to print with its usage text.
 */
import { parseArgs } from "node:util";
import type { ParseArgsOptionsConfig } from "node:util";

/** A wrong command line: the message says what is wrong; the program adds its usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `args` against `options` (unknown flags, missing values and wrong types throw
 * {@link UsageError}). `deno task NAME -- ARGS` hands the `--` on: a leading one is dropped;
 * a later one ends the flags, as usual.
 */
export function parseCliArgs<const O extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: O,
) {
  const rest = args[0] === "--" ? args.slice(1) : [...args];
  try {
    return parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
