import type { Box } from "../protocol.ts";
import type { DetectedObject } from "./classify.ts";
import type { ObjectSettings } from "./settings.ts";

/** Messages to the object Worker. */
export type WorkerRequest =
  | { type: "load"; path: string }
  | {
    type: "classify";
    id: number;
    jpeg: Uint8Array;
    boxes: Box[];
    settings: ObjectSettings;
    maxRegions: number;
  };

/** Messages from the object Worker. */
export type WorkerResponse =
  | { type: "ready"; name: string; inputSize: number }
  | { type: "error"; message: string }
  | { type: "result"; id: number; objects: DetectedObject[]; regions: Box[]; ms: number }
  | { type: "failed"; id: number; message: string };
