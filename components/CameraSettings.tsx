import { useState } from "preact/hooks";
import type { FieldDoc } from "../lib/config/fields.ts";
import { SettingField } from "./SettingField.tsx";
import { TestSource } from "./TestSource.tsx";
import { ChoiceChips, TextList } from "./ListFields.tsx";
import { LABELS } from "../lib/objects/labels.ts";
import { ZoneEditor } from "./ZoneEditor.tsx";
import {
  docKey,
  type FileJson,
  getAt,
  isScalar,
  type Path,
  pathWithin,
  scalarDocs,
  shapesOf,
  withShapes,
} from "./settings_model.ts";

/** A running camera as the server knows it: where its picture is, and its size. */
export interface LiveCamera {
  id: string;
  name: string;
  snapshot: string;
  width: number;
  height: number;
}

export interface CameraSettingsProps {
  index: number;
  camera: FileJson;
  /** The draft's top-level `detector`: what this camera's detector falls back to. */
  sharedDetector: FileJson;
  /** The draft's top-level `record` and `objects`: what this camera's own fall back to. */
  sharedRecord: FileJson;
  sharedObjects: FileJson;
  docs: readonly FieldDoc[];
  /** The running camera with this id (saved before), if any. */
  live?: LiveCamera;
  /** The flag that replaces the file's cameras (`--source`): everything is read-only. */
  overriddenBy?: string;
  error: { message: string; path: Path | null } | null;
  onChange(path: Path, value: unknown): void;
  onRemove(): void;
}

/** The camera keys shown first; the others are capture options, folded away. */
const MAIN_KEYS = ["id", "name", "source", "width", "height", "fps"];

/** The detector keys a plain field edits (zones and masks have the polygon editor). */
export function detectorDocs(docs: readonly FieldDoc[]): FieldDoc[] {
  return scalarDocs(docs, "detector.");
}

/**
 * One camera of the settings page: its fields (with "Test this source"), the zones and masks
 * drawn over its picture with the tuning view, its own detector settings over the shared ones,
 * and the capture options.
 */
export function CameraSettings(props: CameraSettingsProps) {
  const { index, camera, docs, error } = props;
  const [confirmRemove, setConfirmRemove] = useState(false);
  const base: Path = ["cameras", index];
  const readOnly = props.overriddenBy !== undefined;
  const errorFor = (path: Path) =>
    error && pathWithin(error.path, path) ? error.message : undefined;
  const cameraDocs = scalarDocs(docs, "cameras[].");
  const main = MAIN_KEYS.map((k) => cameraDocs.find((d) => docKey(d) === k))
    .filter((d): d is FieldDoc => d !== undefined);
  const capture = cameraDocs.filter((d) => !MAIN_KEYS.includes(docKey(d)));
  const detector = (getAt(camera, ["detector"]) ?? {}) as FileJson;
  const field = (doc: FieldDoc, path: Path, fallback?: unknown, fallbackLabel?: string) => (
    <SettingField
      key={doc.path}
      doc={doc}
      path={path}
      value={getAt(camera, path.slice(2))}
      fallback={fallback}
      fallbackLabel={fallbackLabel}
      error={errorFor(path)}
      readOnly={readOnly}
      onChange={props.onChange}
    />
  );
  const id = typeof camera.id === "string" && camera.id ? camera.id : `cam${index + 1}`;
  const title = typeof camera.name === "string" && camera.name ? camera.name : id;
  const detectorPath = [...base, "detector"];
  const zonesError = ["zones", "masks"].map((k) => errorFor([...detectorPath, k])).find(Boolean);
  const detectorError = detectorDocs(docs).some((d) => errorFor([...detectorPath, docKey(d)]));
  const captureError = [...capture.map(docKey), "inputArgs"].some((k) => errorFor([...base, k]));
  const inputArgs = docs.find((d) => d.path === "cameras[].inputArgs");
  const setCount = detectorDocs(docs).filter((d) => detector[docKey(d)] !== undefined).length;

  /** The camera's own `record` or `objects`, each key falling back to the top level's. */
  const overFold = (section: "record" | "objects", title: string) => {
    const shared = section === "record" ? props.sharedRecord : props.sharedObjects;
    const own = (getAt(camera, [section]) ?? {}) as FileJson;
    const path = [...base, section];
    const fallback = (value: unknown, def: unknown) =>
      [value ?? def, value !== undefined ? "shared" : "default"] as const;
    const keyDocs = scalarDocs(docs, `${section}.`).filter((d) => docKey(d) !== "model");
    const scoreDefaults =
      (docs.find((d) => d.path === "objects.minScore")?.default ?? {}) as FileJson;
    const scores = section === "objects" ? scalarDocs(docs, "objects.minScore.") : [];
    const alertOn = docs.find((d) => d.path === "objects.alertOn");
    const sharedAlert = shared.alertOn;
    return (
      <details
        class="settings-fold"
        data-testid={`camera-${section}`}
        open={(error && pathWithin(error.path, path)) || undefined}
      >
        <summary>
          {title}{" "}
          <span class="muted small">
            {Object.keys(own).length ? "some set here, the rest shared" : "all shared"}
          </span>
        </summary>
        <div class="field-grid">
          {keyDocs.map((d) => {
            const [value, label] = fallback(shared[docKey(d)], d.default);
            return field(d, [...path, docKey(d)], value, label);
          })}
          {scores.map((d) => {
            const [value, label] = fallback(
              getAt(shared, ["minScore", docKey(d)]),
              scoreDefaults[docKey(d)],
            );
            return field(d, [...path, "minScore", docKey(d)], value, label);
          })}
        </div>
        {section === "objects" && alertOn && (
          <ChoiceChips
            doc={alertOn}
            path={[...path, "alertOn"]}
            value={own.alertOn}
            options={LABELS}
            noneMeans={Array.isArray(sharedAlert) && sharedAlert.length
              ? `shared: ${sharedAlert.join(", ")}`
              : "any motion alerts"}
            error={errorFor([...path, "alertOn"])}
            readOnly={readOnly}
            onChange={props.onChange}
          />
        )}
      </details>
    );
  };

  return (
    <section class="card camera-settings" data-testid="camera-card" data-camera={id}>
      <div class="card-head">
        <h3 class="camera-title">
          {title} <code class="muted small">{id}</code>
        </h3>
        {!readOnly && (
          confirmRemove
            ? (
              <span class="inline">
                <span class="small">Remove this camera when you save?</span>
                <button type="button" class="btn btn-small btn-danger" onClick={props.onRemove}>
                  Remove
                </button>
                <button type="button" class="btn btn-small" onClick={() => setConfirmRemove(false)}>
                  Keep
                </button>
              </span>
            )
            : (
              <button
                type="button"
                class="btn btn-small btn-ghost"
                onClick={() => setConfirmRemove(true)}
              >
                Remove camera
              </button>
            )
        )}
      </div>
      {readOnly && (
        <p class="muted small">
          Set by <code>{props.overriddenBy}</code>{" "}
          at start: the file's cameras are not used. The shared detector settings below still apply.
        </p>
      )}
      <div class="camera-grid">
        <div class="camera-fields">
          <div class="field-grid">
            {main.map((d) => field(d, [...base, docKey(d)]))}
          </div>
          <TestSource camera={camera} disabled={readOnly} />
        </div>
        <ZoneEditor
          cameraId={id}
          snapshotUrl={props.live?.snapshot ?? null}
          width={props.live?.width ?? 0}
          height={props.live?.height ?? 0}
          shapes={shapesOf(detector)}
          sharedShapes={shapesOf({
            zones: detector.zones === undefined ? props.sharedDetector.zones : undefined,
            masks: detector.masks === undefined ? props.sharedDetector.masks : undefined,
          })}
          readOnly={readOnly}
          error={zonesError}
          onShapes={(shapes) => props.onChange(detectorPath, withShapes(detector, shapes))}
          tuneSettings={() => ({ ...props.sharedDetector, ...detector })}
        />
      </div>
      <details class="settings-fold" open={detectorError || undefined}>
        <summary>
          Detector for this camera{" "}
          <span class="muted small">
            {setCount ? `${setCount} set here, the rest shared` : "all shared"}
          </span>
        </summary>
        <div class="field-grid">
          {detectorDocs(docs).filter(isScalar).map((d) =>
            field(
              d,
              [...detectorPath, docKey(d)],
              props.sharedDetector[docKey(d)] ?? d.default,
              props.sharedDetector[docKey(d)] !== undefined ? "shared" : "default",
            )
          )}
        </div>
      </details>
      {overFold("record", "Recording for this camera")}
      {overFold("objects", "Objects for this camera")}
      {capture.length > 0 && (
        <details class="settings-fold" open={captureError || undefined}>
          <summary>Capture options</summary>
          <div class="field-grid">
            {capture.map((d) => field(d, [...base, docKey(d)]))}
          </div>
          {inputArgs && (
            <TextList
              doc={inputArgs}
              path={[...base, "inputArgs"]}
              value={camera.inputArgs}
              placeholder="-thread_queue_size"
              addLabel="Add option"
              errorFor={errorFor}
              readOnly={readOnly}
              onChange={props.onChange}
            />
          )}
        </details>
      )}
    </section>
  );
}
