import type { FieldDoc } from "../lib/config/fields.ts";
import { ChoiceChips, type ErrorFor } from "./ListFields.tsx";
import { SettingField } from "./SettingField.tsx";
import { type FileJson, getAt, type Path, pathWithin, setAt } from "./settings_model.ts";

export interface WebhookSettingsProps {
  /** The draft's `webhooks` (undefined: none). */
  value: unknown;
  docs: readonly FieldDoc[];
  cameraIds: string[];
  errorFor: ErrorFor;
  errorPath: Path | null;
  onChange(path: Path, value: unknown): void;
}

/** The delivery settings, folded under each webhook. */
const DELIVERY = ["timeoutMs", "retries", "retryDelayMs", "maxQueue"];

/**
 * The webhooks: each one's url, secret (masked; kept unless typed over), which notices and
 * cameras, and its delivery settings; add and remove.
 */
export function WebhookSettings(props: WebhookSettingsProps) {
  const list = (Array.isArray(props.value) ? props.value : []) as FileJson[];
  const doc = (key: string) => props.docs.find((d) => d.path === `webhooks[].${key}`);
  const set = (next: FileJson[]) => props.onChange(["webhooks"], next.length ? next : undefined);
  /** An edit inside webhook i (emptying its last key keeps the webhook, as `{}`). */
  const change = (path: Path, value: unknown) => {
    const i = path[1] as number;
    props.onChange(["webhooks", i], setAt(list[i] ?? {}, path.slice(2), value));
  };
  const field = (i: number, key: string) => {
    const d = doc(key);
    if (!d) return null;
    const path = ["webhooks", i, key];
    return (
      <SettingField
        key={key}
        doc={d}
        path={path}
        value={getAt(list[i], [key])}
        error={props.errorFor(path)}
        onChange={change}
      />
    );
  };
  const events = doc("events");
  return (
    <div class="list-editor" data-testid="webhooks">
      {list.length === 0 && <p class="muted small">No webhooks.</p>}
      {list.map((_, i) => (
        <section class="list-item card" key={i} data-testid="webhook" data-index={i}>
          <div class="card-head">
            <h3 class="list-item-title">Webhook {i + 1}</h3>
            <button
              type="button"
              class="btn btn-small btn-ghost"
              onClick={() =>
                set(list.filter((_, j) =>
                  j !== i
                ))}
            >
              Remove webhook
            </button>
          </div>
          <div class="field-grid">
            {field(i, "url")}
            {field(i, "secret")}
          </div>
          <ChoiceChips
            doc={events}
            path={["webhooks", i, "events"]}
            value={list[i]?.events}
            options={(events?.default as string[] | undefined) ?? []}
            noneMeans="every notice"
            error={props.errorFor(["webhooks", i, "events"])}
            onChange={change}
          />
          <ChoiceChips
            doc={doc("cameras")}
            path={["webhooks", i, "cameras"]}
            value={list[i]?.cameras}
            options={props.cameraIds}
            noneMeans="every camera"
            error={props.errorFor(["webhooks", i, "cameras"])}
            onChange={change}
          />
          <details
            class="settings-fold"
            open={DELIVERY.some((k) =>
              pathWithin(props.errorPath, ["webhooks", i, k])
            ) ||
              undefined}
          >
            <summary>Delivery</summary>
            <div class="field-grid">{DELIVERY.map((k) => field(i, k))}</div>
          </details>
        </section>
      ))}
      <button
        type="button"
        class="btn"
        data-testid="add-webhook"
        onClick={() => set([...list, { url: "" }])}
      >
        Add webhook
      </button>
    </div>
  );
}
