import type { FieldDoc } from "../lib/config/fields.ts";
import { LABELS } from "../lib/objects/labels.ts";
import { ChoiceChips, ClockField, type ErrorFor } from "./ListFields.tsx";
import { SettingField } from "./SettingField.tsx";
import { type FileJson, getAt, type Path, setAt } from "./settings_model.ts";

export interface RuleSettingsProps {
  /** The draft's `notify.rules` (undefined: the default rule). */
  value: unknown;
  docs: readonly FieldDoc[];
  cameraIds: string[];
  /** Zone names of every camera (and the shared detector), for the zone chips. */
  zoneNames: string[];
  errorFor: ErrorFor;
  onChange(path: Path, value: unknown): void;
}

const RULES: Path = ["notify", "rules"];
/** A new time window: the night. */
const NIGHT = { from: "22:00", to: "06:00" };

/**
 * The notification rules: a motion event is notified when one rule matches it (cameras, zones,
 * labels, time windows), then that camera is quiet for the rule's cooldown. Unset: one rule for
 * every camera; an empty list: motion is never notified.
 */
export function RuleSettings(props: RuleSettingsProps) {
  const rules = Array.isArray(props.value) ? props.value as FileJson[] : undefined;
  const list = rules ?? [];
  const doc = (key: string) => props.docs.find((d) => d.path === `notify.rules[].${key}`);
  const windowDoc = (key: string) =>
    props.docs.find((d) => d.path === `notify.rules[].schedule[].${key}`);
  const days = (windowDoc("days")?.default as string[] | undefined) ?? [];
  /** An edit inside rule i (emptying a rule or a window keeps it, as `{}`). */
  const change = (path: Path, value: unknown) => {
    const i = path[2] as number;
    let rule = list[i] ?? {};
    if (path[3] === "schedule" && typeof path[4] === "number" && path.length > 5) {
      const w = path[4];
      const windows = [...((rule.schedule ?? []) as FileJson[])];
      windows[w] = setAt(windows[w] ?? {}, path.slice(5), value);
      rule = { ...rule, schedule: windows };
    } else {
      rule = setAt(rule, path.slice(3), value);
    }
    props.onChange([...RULES, i], rule);
  };
  const setRules = (next: FileJson[] | undefined) => props.onChange(RULES, next);
  return (
    <div class="list-editor" data-testid="rules">
      {rules === undefined && (
        <p class="muted small">
          Not set: one rule, every camera, any time, 60 s cooldown. Add a rule to choose.
        </p>
      )}
      {rules?.length === 0 && (
        <p class="muted small">
          No rules: motion events are not notified.{" "}
          <button type="button" class="btn btn-small btn-ghost" onClick={() => setRules(undefined)}>
            Use the default rule
          </button>
        </p>
      )}
      {list.map((rule, i) => {
        const base = [...RULES, i];
        const windows = (Array.isArray(rule?.schedule) ? rule.schedule : []) as FileJson[];
        const cooldown = doc("cooldownSeconds");
        return (
          <section class="list-item card" key={i} data-testid="rule" data-index={i}>
            <div class="card-head">
              <h3 class="list-item-title">Rule {i + 1}</h3>
              <button
                type="button"
                class="btn btn-small btn-ghost"
                onClick={() => setRules(list.filter((_, j) => j !== i))}
              >
                Remove rule
              </button>
            </div>
            <ChoiceChips
              doc={doc("cameras")}
              path={[...base, "cameras"]}
              value={rule?.cameras}
              options={props.cameraIds}
              noneMeans="every camera"
              error={props.errorFor([...base, "cameras"])}
              onChange={change}
            />
            <ChoiceChips
              doc={doc("zones")}
              path={[...base, "zones"]}
              value={rule?.zones}
              options={props.zoneNames}
              noneMeans="anywhere"
              error={props.errorFor([...base, "zones"])}
              onChange={change}
            />
            <ChoiceChips
              doc={doc("labels")}
              path={[...base, "labels"]}
              value={rule?.labels}
              options={LABELS}
              noneMeans="any event"
              error={props.errorFor([...base, "labels"])}
              onChange={change}
            />
            <div class="field schedule" data-field={`notify.rules[${i}].schedule`}>
              <span class="text-list-label">
                <code>schedule</code>
              </span>
              {windows.map((w, j) => {
                const at = [...base, "schedule", j];
                return (
                  <div class="schedule-window" key={j} data-testid="window">
                    <ChoiceChips
                      doc={windowDoc("days")}
                      path={[...at, "days"]}
                      value={w?.days}
                      options={days}
                      noneMeans="every day"
                      error={props.errorFor([...at, "days"])}
                      onChange={change}
                    />
                    <div class="schedule-times">
                      <ClockField
                        label="from"
                        path={[...at, "from"]}
                        value={getAt(w, ["from"])}
                        error={props.errorFor([...at, "from"])}
                        onChange={change}
                      />
                      <ClockField
                        label="to"
                        path={[...at, "to"]}
                        value={getAt(w, ["to"])}
                        error={props.errorFor([...at, "to"])}
                        onChange={change}
                      />
                      <button
                        type="button"
                        class="btn btn-small btn-ghost"
                        onClick={() => {
                          const next = windows.filter((_, k) => k !== j);
                          props.onChange(
                            [...base],
                            setAt(rule ?? {}, ["schedule"], next.length ? next : undefined),
                          );
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  </div>
                );
              })}
              <p class="field-help muted small">
                {doc("schedule")?.help} A window whose end is before its start runs past midnight.
              </p>
              <button
                type="button"
                class="btn btn-small"
                data-testid="add-window"
                onClick={() =>
                  props.onChange([...base], {
                    ...(rule ?? {}),
                    schedule: [...windows, { ...NIGHT }],
                  })}
              >
                Add time window
              </button>
            </div>
            {cooldown && (
              <div class="field-grid">
                <SettingField
                  doc={cooldown}
                  path={[...base, "cooldownSeconds"]}
                  value={rule?.cooldownSeconds}
                  error={props.errorFor([...base, "cooldownSeconds"])}
                  onChange={change}
                />
              </div>
            )}
          </section>
        );
      })}
      <button
        type="button"
        class="btn"
        data-testid="add-rule"
        onClick={() => setRules([...list, {}])}
      >
        Add rule
      </button>
    </div>
  );
}
