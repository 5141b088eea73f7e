/**
 * @module
 * Waiting in tests for a condition instead of for a fixed time: a fixed sleep is either too
 * short on a loaded machine (the test fails) or longer than needed (the suite crawls).
 */

/**
 * Resolves as soon as `cond()` holds (checked now, then every 10 ms); throws after `timeoutMs`
 * with `what` in the message. The timeout only catches a hang: make it generous.
 */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(10);
  }
}

/** A fixed pause: for pacing what a test sends, not for waiting on what it expects. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
