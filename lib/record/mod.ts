/**
 * @module
 * Video recordings: per camera a second ffmpeg writes short MP4 segments (the camera's own
 * H.264 copied, or the display JPEGs encoded with libx264), indexed in `<data>/vigil.db`
 * (`recordings` table); event clips and exports are joined from them without re-encoding.
 */
export { Recordings } from "./recordings.ts";
export type {
  ClipResult,
  EventSource,
  RecordedSpan,
  RecordingsCamera,
  RecordingsOptions,
} from "./recordings.ts";
export { MAX_EXPORT_MS } from "./recordings.ts";
export type { ClipInfo } from "./clip.ts";
export { CameraRecorder } from "./recorder.ts";
export type { RecorderInfo, RecorderState } from "./recorder.ts";
export { RecordingIndex } from "./index.ts";
export type { Segment } from "./index.ts";
export { DEFAULT_RECORD_SETTINGS, parseRecordSettings } from "./settings.ts";
export type { RecordMode, RecordSettings } from "./settings.ts";
export { parseRange, serveFile } from "./range.ts";
