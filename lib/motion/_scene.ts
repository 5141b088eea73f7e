/**
 * Synthetic grayscale scenes with known truth, for the detector's tests: a textured still
 * background, objects at known places, global gain/offset (lights, auto-exposure), Gaussian
 * sensor noise. Deterministic (the seeded PRNG of the tests' helpers).
 */

import { rng } from "../../tests/helpers/rng.ts";

export interface SceneObject {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Gray level of the object (0-255), before gain/offset. */
  value: number;
}

export interface FrameSpec {
  objects?: SceneObject[];
  gain?: number;
  offset?: number;
  noise?: number;
}

/** A still scene: smooth shading plus a few flat shapes (like walls, furniture, a road). */
export class Scene {
  readonly width: number;
  readonly height: number;
  readonly background: Float32Array;
  readonly #rand: () => number;

  constructor(width: number, height: number, seed = 1, opts: { dark?: boolean } = {}) {
    this.width = width;
    this.height = height;
    this.#rand = rng(seed);
    const r = rng(seed * 7919 + 1);
    const bg = new Float32Array(width * height);
    const base = opts.dark ? 30 : 90;
    const span = opts.dark ? 30 : 80;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        bg[y * width + x] = base + span * (0.5 + 0.5 * Math.sin(x / 37 + y / 53)) * (y / height);
      }
    }
    for (let k = 0; k < 12; k++) {
      const w = 10 + Math.floor(r() * width / 4), h = 10 + Math.floor(r() * height / 4);
      const x0 = Math.floor(r() * (width - w)), y0 = Math.floor(r() * (height - h));
      const v = (opts.dark ? 10 : 40) + r() * (opts.dark ? 50 : 150);
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) bg[y * width + x] = v;
    }
    this.background = bg;
  }

  /** Renders one frame into `out` (allocates a new one when absent). */
  render(spec: FrameSpec = {}, out = new Uint8Array(this.width * this.height)): Uint8Array {
    const { width, height } = this;
    const gain = spec.gain ?? 1, offset = spec.offset ?? 0, noise = spec.noise ?? 0;
    const img = Float32Array.from(this.background);
    for (const o of spec.objects ?? []) {
      // anti-aliased edges for sub-pixel positions
      for (let y = Math.floor(o.y); y < Math.ceil(o.y + o.h); y++) {
        if (y < 0 || y >= height) continue;
        const cy = Math.min(y + 1, o.y + o.h) - Math.max(y, o.y);
        for (let x = Math.floor(o.x); x < Math.ceil(o.x + o.w); x++) {
          if (x < 0 || x >= width) continue;
          const cx = Math.min(x + 1, o.x + o.w) - Math.max(x, o.x);
          const a = cx * cy;
          const i = y * width + x;
          img[i] = img[i] * (1 - a) + o.value * a;
        }
      }
    }
    for (let i = 0; i < img.length; i++) {
      let v = img[i] * gain + offset;
      if (noise > 0) v += noise * this.#gauss();
      out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
    return out;
  }

  #gauss(): number {
    const u = Math.max(1e-12, this.#rand()), v = this.#rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
