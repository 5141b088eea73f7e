import { useState } from "preact/hooks";
import { PolygonEditor } from "./PolygonEditor.tsx";
import { freshZoneName, orderedIndex, type Shape } from "./settings_model.ts";
import { type TuneResult, useSnapshot, useTuning } from "./settings_live.ts";

export interface ZoneEditorProps {
  cameraId: string;
  /** `/api/cameras/:id/snapshot` for a camera that runs; null for one not saved yet. */
  snapshotUrl: string | null;
  /** The camera's size as the server knows it (0 when unknown: the picture's size is used). */
  width: number;
  height: number;
  shapes: Shape[];
  /**
   * The shared (top-level) detector's zones and masks that apply to this camera (those of a kind
   * it has none of its own): drawn dashed, read-only.
   */
  sharedShapes?: Shape[];
  onShapes(shapes: Shape[]): void;
  readOnly?: boolean;
  /** The camera's draft detector settings, merged over the shared ones (for the tuning view). */
  tuneSettings(): unknown;
  /** The server's error about this camera's zones or masks. */
  error?: string;
}

/** The snapshot's refresh period; faster while tuning, to match the mask. */
const SNAPSHOT_MS = 3000;
const SNAPSHOT_TUNING_MS = 1000;

/** The detector's motion mask in red over the picture, and its boxes (camera pixels). */
function TuneOverlay(props: { id: string; result: TuneResult; width: number; height: number }) {
  const { result, width, height } = props;
  const filter = `tune-red-${props.id}`;
  return (
    <g class="tune" aria-hidden="true">
      <filter id={filter} color-interpolation-filters="sRGB">
        {/* gray → red, its brightness as the opacity: still pixels vanish, moving ones glow */}
        <feColorMatrix type="matrix" values="0 0 0 0 1  0 0 0 0 0.15  0 0 0 0 0.1  0.6 0 0 0 0" />
      </filter>
      <image
        class="tune-mask"
        data-testid="tune-mask"
        href={`data:image/png;base64,${result.mask}`}
        x={0}
        y={0}
        width={width}
        height={height}
        preserveAspectRatio="none"
        filter={`url(#${filter})`}
      />
      {result.boxes.map(([x, y, w, h], i) => (
        <rect key={i} class="tune-box" x={x} y={y} width={w} height={h} />
      ))}
    </g>
  );
}

/**
 * A camera's zones and masks: the polygon editor over its live snapshot, the list of shapes
 * (name, zone or mask, remove), and the tuning view (the detector's mask with the draft
 * settings, coloured over the picture).
 */
export function ZoneEditor(props: ZoneEditorProps) {
  const [selected, setSelected] = useState<number | null>(null);
  const [tuning, setTuning] = useState(false);
  const snap = useSnapshot(props.snapshotUrl, tuning ? SNAPSHOT_TUNING_MS : SNAPSHOT_MS);
  const tune = useTuning(props.cameraId, tuning && props.snapshotUrl !== null, props.tuneSettings);
  const width = props.width || snap.width;
  const height = props.height || snap.height;
  const { shapes, readOnly } = props;
  const sel = selected !== null && selected < shapes.length ? selected : null;

  /** Stores the shapes (zones before masks, as the file keeps them) and follows the selection. */
  const commit = (next: Shape[], nextSelected: number | null) => {
    props.onShapes(next);
    setSelected(nextSelected === null ? null : orderedIndex(next, nextSelected));
  };
  const add = (kind: Shape["kind"]) =>
    commit(
      [...shapes, { kind, name: kind === "zone" ? freshZoneName(shapes) : "", points: [] }],
      shapes.length,
    );
  const update = (i: number, change: Partial<Shape>) =>
    commit(shapes.map((s, j) => j === i ? { ...s, ...change } : s), i);
  const remove = (i: number) => commit(shapes.filter((_, j) => j !== i), null);

  const hasPicture = width > 0 && height > 0;
  return (
    <div class="zone-editor" data-testid={`zones-${props.cameraId}`}>
      <div class="zone-toolbar">
        {!readOnly && (
          <>
            <button type="button" class="btn btn-small" onClick={() => add("zone")}>
              Add zone
            </button>
            <button type="button" class="btn btn-small" onClick={() => add("mask")}>
              Add mask
            </button>
            {/* always there, so the picture never moves under a finger as a shape is picked */}
            <button
              type="button"
              class="btn btn-small btn-ghost"
              disabled={sel === null}
              onClick={() => setSelected(null)}
            >
              Done
            </button>
          </>
        )}
        <button
          type="button"
          class="btn btn-small tune-toggle"
          aria-pressed={tuning}
          disabled={!props.snapshotUrl}
          data-testid="tune-toggle"
          title="Show what the detector sees with these settings, before saving"
          onClick={() => setTuning(!tuning)}
        >
          <span class="dot" aria-hidden="true" />
          Tune
        </button>
      </div>
      <div class={`stage zone-stage${sel !== null ? " zone-stage-editing" : ""}`}>
        {snap.src && <img class="frame" src={snap.src} alt={`Camera ${props.cameraId}`} />}
        {hasPicture
          ? (
            <PolygonEditor
              width={width}
              height={height}
              shapes={shapes}
              selected={sel}
              readOnly={readOnly}
              onChange={commit}
            >
              {(props.sharedShapes ?? []).map((s, i) => (
                <g
                  key={`shared${i}`}
                  class={`shape-shared shared-${s.kind}`}
                  data-testid="shared-shape"
                >
                  <polygon points={s.points.map((p) => p.join(",")).join(" ")} />
                  {s.points.length > 0 && (
                    <text
                      class="shape-label"
                      x={s.points[0][0] + 6}
                      y={s.points[0][1] + 16}
                      font-size={Math.max(12, width / 40)}
                    >
                      {s.kind === "mask" ? "shared mask" : `shared: ${s.name}`}
                    </text>
                  )}
                </g>
              ))}
              {tuning && tune.result && (
                <TuneOverlay
                  id={props.cameraId}
                  result={tune.result}
                  width={width}
                  height={height}
                />
              )}
            </PolygonEditor>
          )
          : (
            <div class="zone-empty muted">
              {props.snapshotUrl
                ? snap.error ?? "Waiting for the camera's picture…"
                : "Save the camera to see its picture and draw zones on it."}
            </div>
          )}
        {snap.error && snap.src && <span class="stage-badge">{snap.error}</span>}
      </div>
      {tuning && (
        <p class="tune-readout small" data-testid="tune-readout" aria-live="polite">
          {tune.error ? <span class="field-error-text">{tune.error}</span> : tune.result
            ? (
              <>
                <span class="tune-swatch" aria-hidden="true" />
                Red: what moves with these settings (not saved yet) · score{" "}
                <strong data-testid="tune-score">{tune.result.score.toFixed(2)}</strong> ·{" "}
                {tune.result.boxes.length} box{tune.result.boxes.length === 1 ? "" : "es"}
              </>
            )
            : "Starting the tuning detector…"}
        </p>
      )}
      {!readOnly && hasPicture && (
        <p class="muted small zone-hint">
          Click or tap the picture to add points; drag a point to move it; double-click or
          long-press a point to delete it. Zones name where motion happened; masks are ignored.
        </p>
      )}
      {(props.sharedShapes?.length ?? 0) > 0 && (
        <p class="muted small zone-shared-note" data-testid="shared-note">
          Dashed: the shared detector's {[
            ...new Set(props.sharedShapes!.map((s) =>
              `${s.kind}s`
            )),
          ].join(" and ")} (top-level{" "}
          <code>detector</code>, edited in the file). They apply here until this camera has{" "}
          {props.sharedShapes!.some((s) => s.kind === "zone") &&
              props.sharedShapes!.some((s) => s.kind === "mask")
            ? "zones or masks"
            : props.sharedShapes![0].kind === "zone"
            ? "zones"
            : "masks"} of its own, which replace them.
        </p>
      )}
      {props.error && (
        <p class="field-error" role="alert" data-testid="field-error">{props.error}</p>
      )}
      {shapes.length > 0 && (
        <ul class="shape-list" data-testid="shape-list">
          {shapes.map((s, i) => (
            <li
              key={i}
              class={`shape-row${i === sel ? " shape-row-selected" : ""}`}
              data-kind={s.kind}
            >
              <span class="segmented small" role="group" aria-label="Zone or mask">
                {(["zone", "mask"] as const).map((k) => (
                  <button
                    key={k}
                    type="button"
                    class="seg"
                    aria-pressed={s.kind === k}
                    disabled={readOnly}
                    onClick={() =>
                      update(i, {
                        kind: k,
                        name: k === "zone" && !s.name ? freshZoneName(shapes) : s.name,
                      })}
                  >
                    {k === "zone" ? "Zone" : "Mask"}
                  </button>
                ))}
              </span>
              {s.kind === "zone"
                ? (
                  <input
                    class="shape-name"
                    aria-label="Zone name"
                    data-testid="zone-name"
                    value={s.name}
                    maxLength={64}
                    readOnly={readOnly}
                    onFocus={() => setSelected(i)}
                    onInput={(e) =>
                      update(i, { name: (e.currentTarget as HTMLInputElement).value })}
                  />
                )
                : <span class="shape-name muted">ignored area</span>}
              <span class="muted small shape-points">
                {s.points.length} point{s.points.length === 1 ? "" : "s"}
              </span>
              {!readOnly && (
                <span class="shape-actions">
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-pressed={i === sel}
                    onClick={() => setSelected(i === sel ? null : i)}
                  >
                    {i === sel ? "Editing" : "Edit"}
                  </button>
                  <button type="button" class="btn btn-small btn-danger" onClick={() => remove(i)}>
                    Remove
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
