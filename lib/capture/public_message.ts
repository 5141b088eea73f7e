/**
 * A camera's state message cut down for anyone who can reach `/api/health` (no login): what
 * went wrong and what to do, without the source's address or ffmpeg's own words, which can
 * name hosts, paths and users.
 */

import { sourceKind } from "./ffmpeg_args.ts";
import { publicSource, redactSource } from "./redact.ts";

const SOURCE_LABEL = {
  demo: "demo",
  v4l2: "", // a device path names no secret and tells which camera: kept
  rtsp: "the RTSP stream",
  http: "the HTTP stream",
  file: "the video file",
} as const;

/** `message` (from CameraCapture) without `source` and without the "— ffmpeg: …" part. */
export function publicMessage(message: string, source: string): string {
  // "advice — ffmpeg: last line (retrying in 2 s)" → "advice (retrying in 2 s)"
  let text = message.replace(/ — ffmpeg: .*?(?=( \(retrying in [^)]*\))?$)/s, "");
  const label = SOURCE_LABEL[sourceKind(source)];
  if (source && label) {
    text = text.replaceAll(publicSource(source), label).replaceAll(redactSource(source), label)
      .replaceAll(source, label);
  }
  // Whatever URL is left (an example in the advice) keeps no password.
  return redactSource(text);
}
