/**
 * @module
 * The running cameras (captures and pipelines) and applying a changed configuration live.
 */
export { CameraManager, createCapture } from "./manager.ts";
export type { ApplyResult, CameraManagerDeps } from "./manager.ts";
export { TEST_SOURCE_KEYS, testSource } from "./test_source.ts";
export type { TestSourceOptions, TestSourceResult } from "./test_source.ts";
export { Tuners } from "./tuner.ts";
export type { TunablePipeline, TuneAnswer } from "./tuner.ts";
