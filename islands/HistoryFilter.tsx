import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { zoneName } from "../components/format.ts";

export interface HistoryFilterProps {
  /** Cameras to choose from (`{id, name}`); the select is shown when there are several. */
  cameras: { id: string; name: string }[];
  /** The current filters ("" = none). */
  camera: string;
  date: string;
  /** The zone the current `date` was taken in ("" = the server's). */
  tz: string;
  /** The timeline range to keep ("" = the default). */
  range: string;
  /** The object label to keep ("" = any). */
  label?: string;
}

/**
 * The history's filter form: camera and day. A plain GET form that works without JavaScript;
 * hydrated, it adds the browser's time zone (`tz`) so that the day is the viewer's day, not the
 * server's.
 */
export default function HistoryFilter(props: HistoryFilterProps) {
  const tz = useSignal(props.tz);
  useEffect(() => {
    tz.value = zoneName();
  }, []);
  const { cameras, camera, date, range } = props;
  const active = camera !== "" || date !== "";
  return (
    <form class="filter" method="get" action="/history" data-testid="filter">
      {cameras.length > 1 && (
        <label class="filter-field">
          <span class="sr-only">Camera</span>
          <select name="camera">
            <option value="">All cameras</option>
            {cameras.map((k) => (
              <option key={k.id} value={k.id} selected={k.id === camera}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {cameras.length <= 1 && camera !== "" && <input type="hidden" name="camera" value={camera} />}
      <label class="filter-field">
        <span class="sr-only">Day</span>
        <input type="date" name="date" value={date} min="1970-01-01" max="9999-12-31" />
      </label>
      {range !== "" && <input type="hidden" name="range" value={range} />}
      {props.label && <input type="hidden" name="label" value={props.label} />}
      {tz.value !== "" && <input type="hidden" name="tz" value={tz.value} />}
      <button class="btn" type="submit">Show</button>
      {active && <a class="btn btn-ghost" href="/history">Clear</a>}
    </form>
  );
}
