/**
 * @module
 * Camera capture: one supervised ffmpeg per camera that hands out each frame twice, as small
 * gray pixels for the detector and as the display JPEG of exactly the same frame.
 *
 * ```ts
 * const cam = new CameraCapture({ id: "cam1", source: "demo" });
 * cam.onFrame = ({ gray, jpeg }) => {};
 * cam.onState = (state, message) => console.log(state, message);
 * cam.start();
 * await cam.stop();
 * ```
 */
export { CameraCapture, ERROR_LINE_CHARS, ERROR_LINES } from "./camera_capture.ts";
export type { CameraState, CaptureDeps, CapturedFrame, CaptureOptions } from "./camera_capture.ts";
export { CaptureError, explainExit, FFMPEG_MISSING } from "./errors.ts";
export {
  DEMO_CROSSING_S,
  DEMO_FPS,
  DEMO_HEIGHT,
  DEMO_PERIOD_S,
  DEMO_WIDTH,
  demoGraph,
  ffmpegArgs,
  sourceKind,
} from "./ffmpeg_args.ts";
export { forViewers, publicSource, redactSource } from "./redact.ts";
export type { FfmpegPlan, SourceKind } from "./ffmpeg_args.ts";
export { jpegSize } from "../jpeg.ts";
export { MkvDemuxer, MkvFormatError } from "./mkv_demuxer.ts";
export type { MkvTrack } from "./mkv_demuxer.ts";
export { publicMessage } from "./public_message.ts";
export { denoSpawn, realClock } from "./process.ts";
export type { CaptureProcess, Clock, Spawner } from "./process.ts";
export {
  listDevices,
  listFormats,
  offersSize,
  parseV4l2Formats,
  preferredInputFormat,
} from "./v4l2.ts";
export type { V4l2Format } from "./v4l2.ts";
