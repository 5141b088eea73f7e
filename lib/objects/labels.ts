/**
 * The 80 COCO class names (the order NanoDet and most small detectors were trained with) and
 * Vigil's short list of labels: `person`, the vehicles (`car`, `truck`, `bus`, `motorcycle`,
 * `bicycle`, each also counted as `vehicle`), `dog`, `cat` and `bird`. Everything else a model
 * finds is dropped.
 */

/** COCO-80 class names, index = class id. */
export const COCO_LABELS: readonly string[] = [
  "person",
  "bicycle",
  "car",
  "motorcycle",
  "airplane",
  "bus",
  "train",
  "truck",
  "boat",
  "traffic light",
  "fire hydrant",
  "stop sign",
  "parking meter",
  "bench",
  "bird",
  "cat",
  "dog",
  "horse",
  "sheep",
  "cow",
  "elephant",
  "bear",
  "zebra",
  "giraffe",
  "backpack",
  "umbrella",
  "handbag",
  "tie",
  "suitcase",
  "frisbee",
  "skis",
  "snowboard",
  "sports ball",
  "kite",
  "baseball bat",
  "baseball glove",
  "skateboard",
  "surfboard",
  "tennis racket",
  "bottle",
  "wine glass",
  "cup",
  "fork",
  "knife",
  "spoon",
  "bowl",
  "banana",
  "apple",
  "sandwich",
  "orange",
  "broccoli",
  "carrot",
  "hot dog",
  "pizza",
  "donut",
  "cake",
  "chair",
  "couch",
  "potted plant",
  "bed",
  "dining table",
  "toilet",
  "tv",
  "laptop",
  "mouse",
  "remote",
  "keyboard",
  "cell phone",
  "microwave",
  "oven",
  "toaster",
  "sink",
  "refrigerator",
  "book",
  "clock",
  "vase",
  "scissors",
  "teddy bear",
  "hair drier",
  "toothbrush",
]; // deno-fmt-ignore

/** Labels that are also counted as `vehicle`. */
export const VEHICLES: readonly string[] = ["car", "truck", "bus", "motorcycle", "bicycle"];

/** Every label Vigil keeps: an object's label is one of these but `vehicle`. */
export const LABELS: readonly string[] = ["person", ...VEHICLES, "vehicle", "dog", "cat", "bird"];

/** Whether `label` is one of Vigil's labels. */
export function isLabel(label: unknown): boolean {
  return typeof label === "string" && LABELS.includes(label);
}

/** The labels an object of class `label` gives an event: itself, and `vehicle` for vehicles. */
export function eventLabels(label: string): string[] {
  return VEHICLES.includes(label) ? [label, "vehicle"] : [label];
}
