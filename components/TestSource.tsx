import { useEffect, useState } from "preact/hooks";
import { errorOf } from "./settings_live.ts";

/** The capture settings `POST /api/cameras/test-source` takes from a camera. */
const TEST_KEYS = ["source", "width", "height", "fps", "inputFormat", "rtspTransport"];

type TestState =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "ok"; src: string }
  | { kind: "failed"; error: string };

/**
 * "Test this source": starts ffmpeg once on the server with the camera's draft source (before
 * it is saved) and shows the frame it got, or ffmpeg's error.
 */
export function TestSource(props: { camera: Record<string, unknown>; disabled?: boolean }) {
  const [state, setState] = useState<TestState>({ kind: "idle" });
  useEffect(() => () => {
    if (state.kind === "ok") URL.revokeObjectURL(state.src);
  }, [state]);

  const run = async () => {
    setState({ kind: "busy" });
    const body: Record<string, unknown> = {};
    for (const k of TEST_KEYS) if (props.camera[k] !== undefined) body[k] = props.camera[k];
    // the server puts the stored password back in place of "********"
    if (typeof props.camera.id === "string" && props.camera.id) body.camera = props.camera.id;
    try {
      const res = await fetch("/api/cameras/test-source", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (res.ok) setState({ kind: "ok", src: URL.createObjectURL(await res.blob()) });
      else setState({ kind: "failed", error: (await errorOf(res)).error });
    } catch (err) {
      setState({ kind: "failed", error: `The test did not finish: ${(err as Error).message}` });
    }
  };

  return (
    <div class="test-source" data-testid="test-source" data-state={state.kind}>
      <button
        type="button"
        class="btn btn-small"
        disabled={props.disabled || state.kind === "busy" || !props.camera.source}
        onClick={run}
      >
        {state.kind === "busy" ? "Testing… (up to 10 s)" : "Test this source"}
      </button>
      {state.kind === "ok" && (
        <figure class="test-frame">
          <img src={state.src} alt="A frame from the source" />
          <figcaption class="muted small">
            ffmpeg read this frame. Save to use the source.
          </figcaption>
        </figure>
      )}
      {state.kind === "failed" && (
        <div class="error test-error" role="alert">
          <strong>ffmpeg could not read the source:</strong>
          <code>{state.error}</code>
        </div>
      )}
    </div>
  );
}
