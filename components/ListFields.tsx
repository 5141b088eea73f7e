import type { FieldDoc } from "../lib/config/fields.ts";
import {
  clockFromInput,
  clockToInput,
  docKey,
  type Path,
  pathText,
  toggleChoice,
} from "./settings_model.ts";

/** The server's error for a path inside a list (`webhooks[1].url`), when it names one. */
export type ErrorFor = (path: Path) => string | undefined;

const idOf = (path: Path) => `f-${pathText(path).replace(/[^A-Za-z0-9_-]/g, "_")}`;

function FieldError(props: { error?: string }) {
  return props.error
    ? <p class="field-error" role="alert" data-testid="field-error">{props.error}</p>
    : null;
}

export interface ChoiceChipsProps {
  doc?: FieldDoc;
  label?: string;
  path: Path;
  value: unknown;
  options: readonly string[];
  /** What nothing ticked means ("every camera"): the key is then left out of the file. */
  noneMeans: string;
  error?: string;
  readOnly?: boolean;
  onChange(path: Path, value: unknown): void;
}

/**
 * A multiple choice (cameras, labels, events, days) as checkbox chips. Values in the file that
 * are not among the options (a removed camera) show as chips too, so they can be unticked.
 */
export function ChoiceChips(props: ChoiceChipsProps) {
  const list = Array.isArray(props.value) ? props.value.map(String) : [];
  const ticked = (o: string) => list.some((v) => v.toLowerCase() === o.toLowerCase());
  const extra = list.filter((v) => !props.options.some((o) => o === v.toLowerCase()));
  const all = [...props.options, ...extra];
  return (
    <fieldset
      class={`field chip-field${props.error ? " field-bad" : ""}`}
      data-field={pathText(props.path)}
    >
      <legend>
        <code>{props.label ?? (props.doc ? docKey(props.doc) : "")}</code>
      </legend>
      <div class="chips">
        {all.length === 0 && <span class="muted small">none to choose from</span>}
        {all.map((o) => (
          <label key={o} class={`chip${ticked(o) ? " chip-on" : ""}`}>
            <input
              type="checkbox"
              value={o}
              checked={ticked(o)}
              disabled={props.readOnly}
              onChange={(e) =>
                props.onChange(
                  props.path,
                  toggleChoice(
                    props.value,
                    o,
                    (e.currentTarget as HTMLInputElement).checked,
                    props.options,
                  ),
                )}
            />
            <span>{o}</span>
          </label>
        ))}
      </div>
      <p class="field-help muted small">
        {props.doc?.help}{" "}
        {list.length === 0 && Array.isArray(props.value) && (
          <span class="field-default">· the file has an empty list here</span>
        )}
        {props.value === undefined && (
          <span class="field-default">
            · none ticked: <strong>{props.noneMeans}</strong>
          </span>
        )}
      </p>
      <FieldError error={props.error} />
    </fieldset>
  );
}

export interface TextListProps {
  doc?: FieldDoc;
  label?: string;
  path: Path;
  value: unknown;
  placeholder?: string;
  addLabel: string;
  errorFor: ErrorFor;
  readOnly?: boolean;
  onChange(path: Path, value: unknown): void;
}

/**
 * A list of strings (allowed hosts, ffmpeg options), one input each: add, edit, remove. The
 * last one removed leaves the key out (its default applies).
 */
export function TextList(props: TextListProps) {
  const list = Array.isArray(props.value) ? props.value.map(String) : [];
  const set = (next: string[]) => props.onChange(props.path, next.length ? next : undefined);
  const own = props.errorFor(props.path);
  const itemBad = list.some((_, i) => props.errorFor([...props.path, i]));
  return (
    <div
      class={`field text-list${own && !itemBad ? " field-bad" : ""}`}
      data-field={pathText(props.path)}
    >
      <span class="text-list-label">
        <code>{props.label ?? (props.doc ? docKey(props.doc) : "")}</code>
      </span>
      {list.map((v, i) => {
        const path = [...props.path, i];
        const error = props.errorFor(path);
        return (
          <div
            key={i}
            class={`text-list-item${error ? " field-bad" : ""}`}
            data-field={pathText(path)}
          >
            <div class="text-list-row">
              <input
                id={idOf(path)}
                type="text"
                aria-label={`${props.label ?? (props.doc ? docKey(props.doc) : "")} ${i + 1}`}
                spellcheck={false}
                autoComplete="off"
                value={v}
                placeholder={props.placeholder}
                readOnly={props.readOnly}
                aria-invalid={error ? "true" : undefined}
                onInput={(e) =>
                  set(
                    list.map((x, j) => j === i ? (e.currentTarget as HTMLInputElement).value : x),
                  )}
              />
              {!props.readOnly && (
                <button
                  type="button"
                  class="btn btn-small btn-ghost"
                  aria-label={`Remove ${v || "this one"}`}
                  onClick={() => set(list.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </div>
            <FieldError error={error} />
          </div>
        );
      })}
      {!props.readOnly && (
        <button
          type="button"
          class="btn btn-small text-list-add"
          data-testid={`add-${pathText(props.path)}`}
          onClick={() => set([...list, ""])}
        >
          {props.addLabel}
        </button>
      )}
      {props.doc && <p class="field-help muted small">{props.doc.help}</p>}
      {own && !itemBad && <FieldError error={own} />}
    </div>
  );
}

export interface ClockFieldProps {
  doc?: FieldDoc;
  label: string;
  path: Path;
  value: unknown;
  error?: string;
  onChange(path: Path, value: unknown): void;
}

/** A time of day: `<input type="time">`, stored as the file's "HH:MM" (24 h). */
export function ClockField(props: ClockFieldProps) {
  const id = idOf(props.path);
  return (
    <div
      class={`field clock-field${props.error ? " field-bad" : ""}`}
      data-field={pathText(props.path)}
    >
      <label for={id}>
        <code>{props.label}</code>
      </label>
      <input
        id={id}
        type="time"
        value={clockToInput(props.value)}
        aria-invalid={props.error ? "true" : undefined}
        onInput={(e) =>
          props.onChange(props.path, clockFromInput((e.currentTarget as HTMLInputElement).value))}
      />
      <FieldError error={props.error} />
    </div>
  );
}
