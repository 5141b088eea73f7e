/**
 * The settings page's live parts, as Preact hooks: a camera's snapshot refreshed every few
 * seconds, and the tuning view's poll of `POST /api/cameras/:id/tune` with draft settings.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { TuneAnswer } from "../lib/cameras/tuner.ts";

export interface Snapshot {
  /** A blob: URL of the latest picture, or null before the first. */
  src: string | null;
  /** The picture's size in pixels (0 before the first). */
  width: number;
  height: number;
  /** Why there is no fresh picture (the server's words), or null. */
  error: string | null;
}

const NO_SNAPSHOT: Snapshot = { src: null, width: 0, height: 0, error: null };

/** The server's `{"error"}` of a failed answer, else its status. */
export async function errorOf(res: Response): Promise<{ error: string; path?: unknown }> {
  const body = await res.json().catch(() => null) as { error?: unknown; path?: unknown } | null;
  return {
    error: typeof body?.error === "string" ? body.error : `${res.status} ${res.statusText}`,
    path: body?.path,
  };
}

/**
 * `url` fetched now and every `periodMs` after the last answer (never two at once), decoded
 * before it replaces the shown picture so the image never flickers. Null `url`: nothing.
 */
export function useSnapshot(url: string | null, periodMs: number): Snapshot {
  const [snap, setSnap] = useState<Snapshot>(NO_SNAPSHOT);
  const period = useRef(periodMs);
  period.current = periodMs;
  useEffect(() => {
    if (!url) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let shown: string | null = null;
    const load = async () => {
      try {
        const res = await fetch(url, { cache: "no-store" });
        if (!res.ok) {
          const { error } = await errorOf(res);
          if (!stopped) setSnap((s) => ({ ...s, error }));
        } else {
          const next = URL.createObjectURL(await res.blob());
          const img = new Image();
          img.src = next;
          await img.decode();
          if (stopped) {
            URL.revokeObjectURL(next);
            return;
          }
          const old = shown;
          shown = next;
          setSnap({ src: next, width: img.naturalWidth, height: img.naturalHeight, error: null });
          // the old picture goes once the new one is on screen
          if (old) setTimeout(() => URL.revokeObjectURL(old), 2000);
        }
      } catch (err) {
        if (!stopped) setSnap((s) => ({ ...s, error: (err as Error).message }));
      }
      if (!stopped) timer = setTimeout(load, period.current);
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
      if (shown) URL.revokeObjectURL(shown);
    };
  }, [url]);
  return snap;
}

/** `POST /api/cameras/:id/tune`'s answer. */
export type TuneResult = TuneAnswer;

export interface Tuning {
  result: TuneResult | null;
  error: string | null;
}

/** How often the tuning view asks for the detector's mask. */
export const TUNE_PERIOD_MS = 500;

/**
 * While `on`, posts the draft detector settings (`settings()`, read at each poll so edits show
 * at once) to the camera's tuning endpoint every TUNE_PERIOD_MS after the last answer.
 */
export function useTuning(cameraId: string, on: boolean, settings: () => unknown): Tuning {
  const [state, setState] = useState<Tuning>({ result: null, error: null });
  const read = useRef(settings);
  read.current = settings;
  useEffect(() => {
    if (!on) {
      setState({ result: null, error: null });
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await fetch(`/api/cameras/${encodeURIComponent(cameraId)}/tune`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(read.current() ?? {}),
        });
        if (res.ok) {
          const result = await res.json() as TuneResult;
          if (!stopped) setState({ result, error: null });
        } else {
          const { error } = await errorOf(res);
          if (!stopped) setState((s) => ({ ...s, error }));
        }
      } catch (err) {
        if (!stopped) setState((s) => ({ ...s, error: (err as Error).message }));
      }
      if (!stopped) timer = setTimeout(poll, TUNE_PERIOD_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [cameraId, on]);
  return state;
}
