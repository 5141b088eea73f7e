/**
 * @module
 * Motion event storage: a node:sqlite index (`<data>/vigil.db`, WAL) of events and their
 * frames, the frames' JPEG files under `<data>/<camera>/<YYYY-MM-DD>/<eventId>/`, a small
 * in-memory cache of recent JPEGs, and retention by age and by disk use; `Thumbnails` makes each
 * closed event's small `thumb.jpg` (ffmpeg) next to its frames.
 */
export { isDiskFull, RESERVE_FILES, Store, StoreError } from "./store.ts";
export type {
  EventRow,
  FrameRow,
  HistogramBucket,
  QuotaShare,
  StorageHealth,
  StoreOptions,
} from "./store.ts";
export { assertCameraId, CAMERA_ID, FRAME_PATH, frameUrl } from "./paths.ts";
export {
  THUMB_PATH,
  THUMB_WIDTH,
  Thumbnails,
  thumbnailUrl,
  thumbRelPath,
  withThumbnail,
} from "./thumbnails.ts";
export type { ThumbnailOptions } from "./thumbnails.ts";
