/**
 * @module
 * Browser side of `GET /api/cameras/:id/snapshot`: the camera's latest JPEG, with how old it
 * is (the server says, so the browser's clock may be off), and the `<img>` helper that shows
 * JPEG bytes through blob URLs without leaking them.
 */

/** A camera's latest frame as the server had it. */
export interface Snapshot {
  jpeg: Blob;
  /** Capture time (server clock, epoch ms). */
  ts: number;
  /** How old the frame was when the server answered (ms). */
  ageMs: number;
}

/** The URL of a camera's snapshot. */
export function snapshotUrl(camera: string): string {
  return `/api/cameras/${encodeURIComponent(camera)}/snapshot`;
}

/** The camera's latest frame, or null when there is none yet (503), or on any failure. */
export async function fetchSnapshot(camera: string): Promise<Snapshot | null> {
  try {
    const res = await fetch(snapshotUrl(camera), {
      cache: "no-store",
      headers: { accept: "image/jpeg" },
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    const jpeg = await res.blob();
    const ts = Number(res.headers.get("x-frame-ts"));
    const ageMs = Number(res.headers.get("x-frame-age-ms"));
    return {
      jpeg,
      ts: Number.isFinite(ts) && ts > 0 ? ts : Date.now(),
      ageMs: Number.isFinite(ageMs) && ageMs > 0 ? ageMs : 0,
    };
  } catch {
    return null; // offline: the connection status says so
  }
}

/**
 * Shows JPEGs in one `<img>` through blob URLs: each new picture revokes the previous URL, so
 * at most one is alive per image.
 */
export class BlobImage {
  #url: string | null = null;

  /** Puts `jpeg` (bytes or a Blob) into `img`. */
  show(img: HTMLImageElement | null, jpeg: Uint8Array | Blob): void {
    if (!img) return;
    const blob = jpeg instanceof Blob
      ? jpeg
      : new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: "image/jpeg" });
    const next = URL.createObjectURL(blob);
    img.src = next;
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = next;
  }

  /** Empties `img` and frees the URL. */
  clear(img: HTMLImageElement | null): void {
    img?.removeAttribute("src");
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = null;
  }
}
