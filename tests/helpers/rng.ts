/**
 * @module
 * A seeded PRNG for tests that must replay a run from its printed seed: the fuzz tests, and the
 * detector's synthetic scenes (lib/motion/_scene.ts).
 */

/** Mulberry32: a small seeded PRNG returning [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random test input drawn from one seeded {@link rng}, so a printed seed replays a fuzz run. */
export interface Fuzz {
  /** The underlying PRNG: [0, 1). */
  random: () => number;
  /** A whole number in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  /** `n` random bytes. */
  bytes(n: number): Uint8Array<ArrayBuffer>;
  /** `n` random printable ASCII characters. */
  printable(n: number): string;
}

export function fuzz(seed: number): Fuzz {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  return {
    random,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    bytes: (n: number) => Uint8Array.from({ length: n }, () => int(256)),
    printable: (n: number) =>
      Array.from({ length: n }, () => String.fromCharCode(0x20 + int(95))).join(""),
  };
}
