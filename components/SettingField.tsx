import type { FieldDoc } from "../lib/config/fields.ts";
import { docKey, parseTyped, type Path, pathText, showValue } from "./settings_model.ts";

export interface SettingFieldProps {
  doc: FieldDoc;
  /** Where the value lives in the config file. */
  path: Path;
  /** The value in the draft (undefined: not set, the default applies). */
  value: unknown;
  /** What applies when the field is empty: the schema's default, or the shared setting. */
  fallback?: unknown;
  /** "shared" when the fallback is the top-level setting, not the schema's default. */
  fallbackLabel?: string;
  /** The flag that overrides this setting ("--port / PORT"): the field is read-only. */
  overriddenBy?: string;
  /** The server's error for this field, when its `path` names it. */
  error?: string;
  label?: string;
  readOnly?: boolean;
  onChange(path: Path, value: unknown): void;
}

const fieldId = (path: Path) => `f-${pathText(path).replace(/[^A-Za-z0-9_-]/g, "_")}`;

/**
 * One setting: its name, an input fitting its type (numbers are typed as text, so a bad value
 * reaches the server and its message), the default when left empty, the one-line help from the
 * schema, and the server's error next to it.
 */
export function SettingField(props: SettingFieldProps) {
  const { doc, path, value } = props;
  const id = fieldId(path);
  const locked = props.readOnly || props.overriddenBy !== undefined;
  const fallback = props.fallback !== undefined ? props.fallback : doc.default;
  const fallbackText = fallback === undefined || fallback === "" ? "" : showValue(fallback);
  const set = (text: string) => props.onChange(path, parseTyped(text, doc));
  let input;
  if (doc.type === "boolean" || doc.type === "enum") {
    const options = doc.type === "boolean" ? ["true", "false"] : doc.options ?? [];
    const words = (o: string) => doc.type === "boolean" ? (o === "true" ? "on" : "off") : o;
    input = (
      <select
        id={id}
        value={showValue(value)}
        disabled={locked}
        onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}
      >
        <option value="">
          {fallbackText ? `${props.fallbackLabel ?? "default"}: ${words(fallbackText)}` : "not set"}
        </option>
        {options.map((o) => <option key={o} value={o}>{words(o)}</option>)}
      </select>
    );
  } else {
    const numeric = doc.type === "number" || doc.type === "integer";
    input = (
      <input
        id={id}
        type={doc.secret ? "password" : "text"}
        inputMode={numeric ? "decimal" : undefined}
        autoComplete={doc.secret ? "new-password" : "off"}
        spellcheck={false}
        value={showValue(value)}
        placeholder={fallbackText}
        readOnly={locked}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={`${id}-help`}
        // a masked secret is replaced, not appended to, when typed over
        onFocus={(e) => doc.secret && (e.currentTarget as HTMLInputElement).select()}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      />
    );
  }
  const range = doc.min !== undefined && doc.max !== undefined
    ? ` (${doc.min} to ${doc.max})`
    : doc.min !== undefined
    ? ` (at least ${doc.min})`
    : "";
  return (
    <div
      class={`field${props.error ? " field-bad" : ""}${locked ? " field-locked" : ""}`}
      data-field={pathText(path)}
    >
      <label for={id}>
        <code>{props.label ?? docKey(doc)}</code>
        {props.overriddenBy && <span class="tag field-flag">set by {props.overriddenBy}</span>}
      </label>
      {input}
      <p class="field-help muted small" id={`${id}-help`}>
        {doc.help}
        {range}
        {fallbackText && doc.type !== "boolean" && doc.type !== "enum" && (
          <span class="field-default">
            {` · ${props.fallbackLabel ?? "default"} `}
            <code>{fallbackText}</code>
          </span>
        )}
      </p>
      {props.error && (
        <p class="field-error" role="alert" data-testid="field-error">{props.error}</p>
      )}
    </div>
  );
}
