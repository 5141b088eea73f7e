/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * @module
 * The Worker that runs the object model, so inference (~200 ms) never blocks the server's event
 * loop. Messages in: `load {path}`, `classify {id, jpeg, boxes, settings, maxRegions}`. Out:
 * `ready {name, inputSize}` or `error {message}` (the model cannot be used), then one
 * `result {id, objects, regions, ms}` or `failed {id, message}` per classify.
 */
import { classifyFrame, decodeJpeg } from "./classify.ts";
import type { ObjectModel } from "./model.ts";
import { loadNanoDet } from "./nanodet.ts";
import type { WorkerRequest, WorkerResponse } from "./worker_protocol.ts";

let model: ObjectModel | null = null;

function post(msg: WorkerResponse): void {
  self.postMessage(msg);
}

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  if (msg.type === "load") {
    try {
      model = await loadNanoDet(msg.path);
      post({ type: "ready", name: model.name, inputSize: model.inputSize });
    } catch (err) {
      post({ type: "error", message: (err as Error).message });
    }
    return;
  }
  if (msg.type === "classify") {
    const t0 = performance.now();
    try {
      if (!model) throw new Error("no model loaded");
      const image = await decodeJpeg(msg.jpeg);
      const r = await classifyFrame(model, image, msg.boxes, msg.settings, msg.maxRegions);
      post({ type: "result", id: msg.id, ...r, ms: performance.now() - t0 });
    } catch (err) {
      post({ type: "failed", id: msg.id, message: String((err as Error)?.message ?? err) });
    }
  }
};
