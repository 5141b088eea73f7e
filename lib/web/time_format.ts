/** Times in the local zone of whoever runs this: the server, or the browser (lib/web/client.ts). */

function pad(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** `HH:MM:SS` in local time. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS` in local time. */
export function formatDateTime(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ts)}`;
}

/** The zone times are shown in, for tooltips ("Europe/Berlin"). */
export function zoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
}

/** How a `<Time>` is written: `datetime` (`YYYY-MM-DD HH:MM:SS`) or `clock` (`HH:MM:SS`). */
export type TimeFormat = "datetime" | "clock";

/** `ts` written in `format`, in this runtime's local zone. */
export function formatTime(ts: number, format: TimeFormat): string {
  return format === "clock" ? formatClock(ts) : formatDateTime(ts);
}
