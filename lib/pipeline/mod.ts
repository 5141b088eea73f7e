/**
 * @module
 * A camera's pipeline from captured frames to motion events on the bus and in the store.
 */
export { CameraPipeline } from "./camera_pipeline.ts";
export type {
  CaptureLike,
  GrayListener,
  PipelineDeps,
  PipelineFrame,
  Recorder,
} from "./camera_pipeline.ts";
