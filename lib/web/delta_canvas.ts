/**
 * @module
 * Browser side of the live delta stream (lib/protocol.ts `DeltaInfo`): draws keyframes and
 * changed tiles on a `<canvas>` in the order they came, each decoded by the browser. A delta
 * that does not follow the last drawn message (a gap, a canvas of another size) is dropped, and
 * so is everything after it until the next keyframe: the picture may be late, never wrong.
 * The canvas carries `data-ts`, `data-seq` and `data-key` of the message it shows last (tests
 * compare it with the full frame).
 */
import type { FrameHeader } from "../protocol.ts";

export class DeltaCanvas {
  readonly #canvas: () => HTMLCanvasElement | null;
  /** `seq` of the last message drawn; null while waiting for a keyframe. */
  #seq: number | null = null;
  #queue: Promise<void> = Promise.resolve();
  /** Bumped by `reset`, so draws still under way for an older stream are dropped. */
  #epoch = 0;

  constructor(canvas: () => HTMLCanvasElement | null) {
    this.#canvas = canvas;
  }

  /** Waits for a keyframe again (another camera, another mode, a new connection). */
  reset(): void {
    this.#seq = null;
    this.#epoch++;
  }

  /** Queues one delta-stream message; `drawn` is called once it is on the canvas. */
  push(header: FrameHeader, jpeg: Uint8Array, drawn: (header: FrameHeader) => void): void {
    const epoch = this.#epoch;
    this.#queue = this.#queue
      .then(() => this.#draw(header, jpeg, epoch))
      .then((ok) => {
        if (ok) drawn(header);
      })
      .catch(() => {
        if (epoch === this.#epoch) this.#seq = null; // undecodable: wait for a keyframe
      });
  }

  async #draw(header: FrameHeader, jpeg: Uint8Array, epoch: number): Promise<boolean> {
    const d = header.delta;
    if (!d || epoch !== this.#epoch) return false;
    if (!d.key && (this.#seq === null || d.seq !== this.#seq + 1)) {
      this.#seq = null;
      return false;
    }
    const canvas = this.#canvas();
    if (!canvas) return false;
    const tiles = d.tiles ?? [];
    const bitmap = d.key || tiles.length
      ? await createImageBitmap(new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }))
      : null;
    try {
      if (epoch !== this.#epoch) return false;
      const ctx = canvas.getContext("2d");
      if (!ctx) return false;
      if (d.key) {
        if (canvas.width !== bitmap!.width || canvas.height !== bitmap!.height) {
          canvas.width = bitmap!.width;
          canvas.height = bitmap!.height;
        }
        ctx.drawImage(bitmap!, 0, 0);
      } else {
        const { width = 0, height = 0, tile = 16, cols = 1 } = d;
        if (canvas.width !== width || canvas.height !== height) {
          this.#seq = null;
          return false;
        }
        const gridCols = Math.ceil(width / tile);
        ctx.imageSmoothingEnabled = false;
        tiles.forEach((t, k) => {
          const x = (t % gridCols) * tile, y = Math.floor(t / gridCols) * tile;
          const w = Math.min(tile, width - x), h = Math.min(tile, height - y);
          ctx.drawImage(bitmap!, (k % cols) * tile, Math.floor(k / cols) * tile, w, h, x, y, w, h);
        });
      }
      this.#seq = d.seq;
      canvas.dataset.ts = String(header.ts);
      canvas.dataset.seq = String(d.seq);
      canvas.dataset.key = d.key ? "1" : "0";
      return true;
    } finally {
      bitmap?.close();
    }
  }
}
