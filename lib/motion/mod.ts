/**
 * @module
 * Vigil's motion detector: an adaptive background model over small grayscale frames that
 * reports motion boxes (in camera pixels), touched zones and a score per frame, and an event
 * tracker that turns motion frames into events. Shared by the server and `deno task detect`.
 */
export { MotionDetector } from "./detector.ts";
export type { Box, FrameResult, MotionDetectorOptions } from "./detector.ts";
export { EventTracker } from "./events.ts";
export type { EventStep } from "./events.ts";
export {
  DEFAULT_DETECTOR_SETTINGS,
  detectionSize,
  detectorSettingsFromConfig,
  parseDetectorSettings,
} from "./settings.ts";
export type { DetectorSettings, Point, Polygon, Zone } from "./settings.ts";
export { encodeGrayPng } from "./png.ts";
export { upscaleMask } from "./upscale.ts";
