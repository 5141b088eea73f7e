/**
 * @module
 * "Test this source": runs a camera's capture once, as a camera would, and answers with its
 * first frame or with what ffmpeg said, so a source can be checked before it is saved.
 */
import { CameraCapture } from "../capture/mod.ts";
import type { CaptureOptions } from "../capture/mod.ts";

/** The capture options a test may set (no `inputArgs`: no free-form ffmpeg arguments). */
export const TEST_SOURCE_KEYS = [
  "source",
  "width",
  "height",
  "fps",
  "inputFormat",
  "rtspTransport",
] as const;

export type TestSourceOptions = Pick<CaptureOptions, (typeof TEST_SOURCE_KEYS)[number]>;

export type TestSourceResult =
  | { ok: true; jpeg: Uint8Array; width: number; height: number }
  | { ok: false; error: string };

/**
 * Starts the capture, waits for its first frame (at most `timeoutMs`), stops it. A failure
 * answers ffmpeg's last meaningful stderr line (passwords redacted), else the capture's message.
 * Throws RangeError/TypeError for options the capture refuses.
 */
export async function testSource(
  opts: TestSourceOptions,
  { timeoutMs = 10_000, demoDir }: { timeoutMs?: number; demoDir?: string } = {},
): Promise<TestSourceResult> {
  const capture = new CameraCapture({
    id: "test",
    ...opts,
    demoDir,
    startTimeoutMs: timeoutMs,
    // One try: no restart within the time we wait.
    restartDelayMs: 3_600_000,
    restartMaxDelayMs: 3_600_000,
  });
  const { promise, resolve } = Promise.withResolvers<TestSourceResult>();
  let asked = false;
  capture.onFrame = (frame) => {
    if (asked) return;
    asked = true;
    capture.jpegOf(frame).then((jpeg) =>
      resolve(
        jpeg
          ? { ok: true, jpeg, width: capture.sourceWidth, height: capture.sourceHeight }
          : { ok: false, error: "the picture could not be encoded as JPEG" },
      )
    );
  };
  capture.onState = (state, message) => {
    if (state !== "failed" && state !== "stalled") return;
    const said = capture.errorLines.filter((l) =>
      /\w/.test(l) && !/^\s*(Press|Input #|Stream #)/.test(l)
    );
    resolve({ ok: false, error: said.at(-1) ?? message });
  };
  const timer = setTimeout(
    () => resolve({ ok: false, error: `no picture within ${timeoutMs / 1000} s` }),
    timeoutMs,
  );
  try {
    capture.start();
    return await promise;
  } finally {
    clearTimeout(timer);
    await capture.stop();
  }
}
