/**
 * The detector's WebAssembly SIMD kernel (source: _kernel_source.ts, bytes: _kernel_wasm.ts),
 * compiled once per process. Where WebAssembly or its SIMD is missing, kernelModule() is null
 * and the detector runs its JavaScript passes, which give the same output.
 */
import { KERNEL_WASM_BASE64 } from "./_kernel_wasm.ts";

export interface KernelExports {
  blur(src: number, dst: number, w: number, h: number, tmp: number): void;
  diff(
    frame: number,
    prev: number,
    mean: number,
    vari: number,
    still: number,
    fg: number,
    last: number,
    scratch: number,
    w: number,
    h: number,
    par: number,
  ): void;
  /** [a, b256, a2] are the f64s at `fpar`. */
  remap(mean: number, vari: number, n: number, maxMean: number, fpar: number): void;
  sums(
    frame: number,
    mean: number,
    last: number,
    ignore: number,
    w: number,
    h: number,
    step: number,
    out: number,
    /** 1: only samples within ±tau of a·m + b, [a, b, tau] the f64s at out[5..7]. */
    robust: number,
  ): void;
  noise(
    frame: number,
    mean: number,
    last: number,
    ignore: number,
    w: number,
    h: number,
    step: number,
    out: number,
    hist: number,
    bins: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where this runtime cannot run it. */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      const bin = atob(KERNEL_WASM_BASE64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      if (typeof WebAssembly === "object" && WebAssembly.validate(bytes)) {
        compiled = new WebAssembly.Module(bytes);
      }
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A kernel instance over its own memory of at least `bytes` bytes (never grown). */
export function instantiateKernel(
  bytes: number,
): { memory: WebAssembly.Memory; exports: KernelExports } | null {
  const mod = kernelModule();
  if (mod === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new WebAssembly.Instance(mod, { env: { mem: memory } });
  return { memory, exports: instance.exports as unknown as KernelExports };
}
