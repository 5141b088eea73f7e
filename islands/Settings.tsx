import { useComputed, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { FieldDoc } from "../lib/config/fields.ts";
import type { Override } from "../lib/config/config.ts";
import { CameraSettings, detectorDocs, type LiveCamera } from "../components/CameraSettings.tsx";
import { SettingField } from "../components/SettingField.tsx";
import { ChoiceChips, TextList } from "../components/ListFields.tsx";
import { RuleSettings } from "../components/RuleSettings.tsx";
import { WebhookSettings } from "../components/WebhookSettings.tsx";
import { LABELS } from "../lib/objects/labels.ts";
import {
  docKey,
  type FileJson,
  getAt,
  orphanedSecret,
  type Path,
  pathFromMessage,
  pathText,
  pathWithin,
  scalarDocs,
  setAt,
} from "../components/settings_model.ts";
import { errorOf } from "../components/settings_live.ts";

export interface SettingsProps {
  /** The config file's JSON with its secrets masked (what GET /api/config answers). */
  file: FileJson;
  /** The file's version, sent back as If-Match. */
  etag: string;
  fields: FieldDoc[];
  /** Settings a flag or variable overrides at start (shown read-only), with the value in use. */
  overrides: (Override & { value?: unknown })[];
  /** The cameras that run now: their snapshot URL and size (camera pixels). */
  cameras: LiveCamera[];
  /**
   * The cameras Vigil runs when the file names none (secrets masked): shown, and written to
   * the file once one of them is edited.
   */
  impliedCameras: FileJson[];
}

type SaveState =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved"; restart: string[] }
  | { kind: "conflict"; message: string }
  | { kind: "failed"; message: string; path: Path | null };

/** Top-level scalar keys: the server itself (most need a restart). */
const SERVER_GROUP = { prefix: "", title: "Server", note: "Takes effect after a restart." };
/** Sections with their own place on the page; the others are folded under "More settings". */
const OWN_SECTIONS = new Set(["cameras", "detector", "retention"]);

/** A new camera: the demo scene until a source is typed in. */
function newCamera(cameras: FileJson[]): FileJson {
  const ids = new Set(cameras.map((c) => c.id));
  let n = cameras.length + 1;
  while (ids.has(`cam${n}`)) n++;
  return { id: `cam${n}`, name: `Camera ${n}`, source: "demo" };
}

/**
 * The settings page: every setting of the config file, edited as a draft and saved at once
 * with `PUT /api/config` (If-Match: the version shown). The server's error lands next to the
 * field its `path` names, and at the top.
 */
export default function Settings(props: SettingsProps) {
  const saved = useSignal<FileJson>(props.file);
  const draft = useSignal<FileJson>(props.file);
  const etag = useSignal(props.etag);
  const state = useSignal<SaveState>({ kind: "idle" });
  const dirty = useComputed(() => JSON.stringify(draft.value) !== JSON.stringify(saved.value));
  const docs = props.fields;
  const overrideOf = (key: string) => props.overrides.find((o) => o.path === key);

  // Leaving with unsaved changes asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty.value) e.preventDefault();
    };
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, []);

  const change = (path: Path, value: unknown) => {
    let next = draft.value;
    if (path[0] === "cameras" && !Array.isArray(next.cameras)) {
      next = setAt(next, ["cameras"], props.impliedCameras);
    }
    draft.value = setAt(next, path, value);
    if (state.value.kind === "saved") state.value = { kind: "idle" };
  };

  const save = async () => {
    // a masked secret the server can no longer match would be saved as the mask itself
    const orphan = orphanedSecret(draft.value, saved.value);
    if (orphan) {
      state.value = {
        kind: "failed",
        message: `${pathText(orphan)}: type this webhook's secret again (its url or place ` +
          "changed, so the stored one cannot be kept), or clear it",
        path: orphan,
      };
      return;
    }
    state.value = { kind: "saving" };
    try {
      const res = await fetch("/api/config", {
        method: "PUT",
        headers: { "content-type": "application/json", "if-match": etag.value },
        body: JSON.stringify(draft.value),
      });
      if (res.ok) {
        const next = await res.json() as FileJson;
        saved.value = next;
        draft.value = next;
        etag.value = res.headers.get("etag") ?? etag.value;
        const restart = (res.headers.get("x-vigil-restart-needed") ?? "").split(",")
          .map((s) => s.trim()).filter(Boolean);
        state.value = { kind: "saved", restart };
        return;
      }
      const { error, path } = await errorOf(res);
      if (res.status === 409) {
        state.value = {
          kind: "conflict",
          message: "Someone else changed the settings; reload to see theirs (yours are not saved).",
        };
        return;
      }
      const where = Array.isArray(path) && path.length > 0 ? path as Path : pathFromMessage(error);
      state.value = { kind: "failed", message: error, path: where };
      // bring the field into view (a folded section opens as it renders its error)
      requestAnimationFrame(() => {
        if (!where) return;
        const el = document.querySelector<HTMLElement>(".field-bad, .zone-editor .field-error");
        el?.scrollIntoView({ block: "center" });
        el?.querySelector<HTMLElement>("input, select")?.focus({ preventScroll: true });
      });
    } catch (err) {
      state.value = {
        kind: "failed",
        message: `Could not reach Vigil: ${(err as Error).message}`,
        path: null,
      };
    }
  };

  const s = state.value;
  const error = s.kind === "failed" ? { message: s.message, path: s.path } : null;
  const errorFor = (path: Path) =>
    error && pathWithin(error.path, path) ? error.message : undefined;
  const file = draft.value;
  const cameras = (Array.isArray(file.cameras) ? file.cameras : props.impliedCameras) as FileJson[];
  const shared = (getAt(file, ["detector"]) ?? {}) as FileJson;
  const camerasBy = overrideOf("cameras")?.by;
  const savedIds = new Set(
    (Array.isArray(saved.value.cameras) ? saved.value.cameras : props.impliedCameras)
      .map((c) => (c as FileJson).id),
  );
  /** The running camera of an id; one saved in this visit shows its picture once it starts. */
  const liveFor = (id: unknown): LiveCamera | undefined =>
    props.cameras.find((c) => c.id === id) ??
      (!camerasBy && typeof id === "string" && savedIds.has(id)
        ? {
          id,
          name: id,
          snapshot: `/api/cameras/${encodeURIComponent(id)}/snapshot`,
          width: 0,
          height: 0,
        }
        : undefined);

  /** A plain field of the file at `path` (documented by `doc`). */
  const field = (doc: FieldDoc, path: Path, fallback?: unknown) => {
    const flag = path.length === 1 ? overrideOf(String(path[0])) : undefined;
    return (
      <SettingField
        key={doc.path}
        doc={doc}
        path={path}
        value={getAt(file, path)}
        fallback={flag?.value ?? fallback}
        fallbackLabel={flag?.value !== undefined ? "in use" : undefined}
        overriddenBy={flag?.by}
        error={errorFor(path)}
        onChange={change}
      />
    );
  };
  /** The scalar settings under an object key (`record`, `mqtt.…`), as fields. */
  const group = (prefix: string) => {
    const parent = docs.find((d) => d.path === prefix);
    const parentDefault = (parent?.default ?? {}) as Record<string, unknown>;
    return scalarDocs(docs, prefix ? `${prefix}.` : "").map((d) =>
      field(
        d,
        [...(prefix ? prefix.split(".") : []), docKey(d)],
        d.default ?? parentDefault[docKey(d)],
      )
    );
  };
  const moreGroups = docs.filter((d) =>
    d.type === "object" && !d.path.includes("[]") && !OWN_SECTIONS.has(d.path.split(".")[0]) &&
    scalarDocs(docs, `${d.path}.`).length > 0
  );
  const serverFields = group(SERVER_GROUP.prefix);
  const cameraIds = cameras.map((c, i) => typeof c.id === "string" && c.id ? c.id : `cam${i + 1}`);
  const zoneNames = [
    ...new Set([shared, ...cameras.map((c) => c.detector)].flatMap((d) => {
      const zones = getAt(d, ["zones"]);
      return Array.isArray(zones) ? zones.map((z) => String(z?.name ?? "")).filter(Boolean) : [];
    })),
  ];
  const alertOn = docs.find((d) => d.path === "objects.alertOn");
  /** The lists edited inside a folded group, after its plain fields. */
  const listsOf = (prefix: string) =>
    prefix === "objects" && alertOn && (
      <ChoiceChips
        doc={alertOn}
        path={["objects", "alertOn"]}
        value={getAt(file, ["objects", "alertOn"])}
        options={LABELS}
        noneMeans="any motion alerts"
        error={errorFor(["objects", "alertOn"])}
        onChange={change}
      />
    );

  return (
    <div class="settings" data-testid="settings">
      <div class="page-head">
        <h1>Settings</h1>
      </div>
      {s.kind === "failed" && (
        <div class="error" role="alert" data-testid="settings-error">
          {s.path && s.path.length > 0 && <code>{pathText(s.path)}</code>} {s.message}
        </div>
      )}
      {s.kind === "conflict" && (
        <div class="error settings-conflict" role="alert" data-testid="settings-conflict">
          {s.message}{" "}
          <button
            type="button"
            class="btn btn-small"
            onClick={() =>
              location.reload()}
          >
            Reload
          </button>
        </div>
      )}
      {s.kind === "saved" && s.restart.length > 0 && (
        <p class="notice notice-warn" role="status" data-testid="restart-needed">
          Saved. Restart Vigil for {s.restart.map((k) => <code key={k}>{k}</code>)}{" "}
          to take effect; everything else applies now.
        </p>
      )}
      {props.overrides.length > 0 && (
        <p class="muted small settings-overrides">
          Set at start, so read-only here: {props.overrides.map((o, i) => (
            <span key={o.path}>
              {i > 0 && ", "}
              <code>{o.path}</code> by <code>{o.by}</code>
            </span>
          ))}.
        </p>
      )}

      <h2 class="section-title">Cameras</h2>
      {cameras.length === 0 && <p class="card muted">No cameras: add one below.</p>}
      {cameras.map((cam, i) => (
        <CameraSettings
          key={i}
          index={i}
          camera={cam}
          sharedDetector={shared}
          sharedRecord={(getAt(file, ["record"]) ?? {}) as FileJson}
          sharedObjects={(getAt(file, ["objects"]) ?? {}) as FileJson}
          docs={docs}
          live={liveFor(cam.id)}
          overriddenBy={camerasBy}
          error={error}
          onChange={change}
          onRemove={() => change(["cameras"], cameras.filter((_, j) => j !== i))}
        />
      ))}
      {!camerasBy && (
        <p>
          <button
            type="button"
            class="btn"
            data-testid="add-camera"
            onClick={() => change(["cameras"], [...cameras, newCamera(cameras)])}
          >
            Add camera
          </button>
        </p>
      )}

      <h2 class="section-title">Detector, every camera</h2>
      <section class="card">
        <p class="muted small card-note">
          A camera's own detector settings (under its card) win over these.
        </p>
        <div class="field-grid">
          {detectorDocs(docs).map((d) => field(d, ["detector", docKey(d)], d.default))}
        </div>
      </section>

      <h2 class="section-title">Retention</h2>
      <section class="card">
        <div class="field-grid">{group("retention")}</div>
      </section>

      <h2 class="section-title">Notification rules</h2>
      <p class="muted small card-note">
        Which motion events are notified, and when; the armed switch and Web Push are under More
        settings, <code>notify</code>.
      </p>
      <RuleSettings
        value={getAt(file, ["notify", "rules"])}
        docs={docs}
        cameraIds={cameraIds}
        zoneNames={zoneNames}
        errorFor={errorFor}
        onChange={change}
      />

      <h2 class="section-title">Webhooks</h2>
      <WebhookSettings
        value={file.webhooks}
        docs={docs}
        cameraIds={cameraIds}
        errorFor={errorFor}
        errorPath={error?.path ?? null}
        onChange={change}
      />

      {serverFields.length > 0 && (
        <>
          <h2 class="section-title">{SERVER_GROUP.title}</h2>
          <section class="card">
            <p class="muted small card-note">{SERVER_GROUP.note}</p>
            <div class="field-grid">{serverFields}</div>
            <TextList
              doc={docs.find((d) => d.path === "allowedHosts")}
              path={["allowedHosts"]}
              value={file.allowedHosts}
              placeholder="vigil.example.com"
              addLabel="Add host"
              errorFor={errorFor}
              readOnly={overrideOf("allowedHosts") !== undefined}
              onChange={change}
            />
          </section>
        </>
      )}

      {moreGroups.length > 0 && (
        <>
          <h2 class="section-title">More settings</h2>
          {moreGroups.map((g) => (
            <details
              key={g.path}
              class="card settings-fold"
              open={(error && pathWithin(error.path, g.path.split("."))) || undefined}
            >
              <summary>
                <code>{g.path}</code> <span class="muted small">{g.help}</span>
              </summary>
              <div class="field-grid">{group(g.path)}</div>
              {listsOf(g.path)}
            </details>
          ))}
        </>
      )}

      <div class={`save-bar${dirty.value ? " save-bar-dirty" : ""}`} data-testid="save-bar">
        <span class="save-status small" data-testid="save-status" aria-live="polite">
          {s.kind === "saving"
            ? "Saving…"
            : dirty.value
            ? "Unsaved changes"
            : s.kind === "saved"
            ? "Saved: applied now"
            : "No changes"}
        </span>
        <button
          type="button"
          class="btn btn-ghost"
          disabled={!dirty.value || s.kind === "saving"}
          onClick={() => {
            draft.value = saved.value;
            state.value = { kind: "idle" };
          }}
        >
          Discard
        </button>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="save"
          disabled={!dirty.value || s.kind === "saving"}
          onClick={save}
        >
          Save
        </button>
      </div>
    </div>
  );
}
