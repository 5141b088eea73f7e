import { formatTime, type TimeFormat, zoneName } from "./format.ts";

/**
 * A point in time, shown in the viewer's local zone: the server writes it in its own zone, and
 * the page's boot script (lib/web/client.ts) rewrites it in the browser's, with the zone in the
 * tooltip, exactly as the islands format times.
 */
export function Time(props: { ts: number; format?: TimeFormat }) {
  const format = props.format ?? "datetime";
  return (
    <time
      dateTime={new Date(props.ts).toISOString()}
      data-ts={props.ts}
      data-format={format}
      title={zoneName()}
    >
      {formatTime(props.ts, format)}
    </time>
  );
}
