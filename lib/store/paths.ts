/** Camera ids: lower-case letters, digits, `_` and `-`, 1 to 32 characters. */
import { CAMERA_ID } from "../protocol.ts";
export { CAMERA_ID };

/** `<camera>/<YYYY-MM-DD>/<eventId>/`: an event's folder, the start of every stored path. */
export const EVENT_DIR_PATTERN = `${
  CAMERA_ID.source.slice(1, -1)
}\\/\\d{4}-\\d{2}-\\d{2}\\/[1-9]\\d{0,15}\\/`;

/**
 * A stored frame's path relative to the data folder, as produced by the store:
 * `<camera>/<YYYY-MM-DD>/<eventId>/<ts>.jpg` (or `<ts>_<n>.jpg` when two frames share a ts).
 * Anything else is refused by `/frames/…`, so no other file can be served.
 */
export const FRAME_PATH = new RegExp(`^${EVENT_DIR_PATTERN}\\d{1,16}(?:_\\d{1,4})?\\.jpg$`);

/** Throws RangeError unless `id` is a valid camera id. */
export function assertCameraId(id: unknown): asserts id is string {
  if (typeof id !== "string" || !CAMERA_ID.test(id)) {
    throw new RangeError(
      `Invalid camera id ${JSON.stringify(id)}: use 1 to 32 of a-z, 0-9, '_' and '-'`,
    );
  }
}

/** `YYYY-MM-DD` (UTC) of an epoch-ms time. */
export function dayOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** The folder of one event's frames, relative to the data folder. */
export function eventDir(camera: string, start: number, eventId: number): string {
  return `${camera}/${dayOf(start)}/${eventId}`;
}

/** The URL a stored frame is served at. */
export function frameUrl(relPath: string): string {
  return `/frames/${relPath}`;
}
