/** Shared formatting for pages and islands (same output on server and browser). */
export {
  formatClock,
  formatDateTime,
  formatTime,
  type TimeFormat,
  zoneName,
} from "../lib/web/time_format.ts";

/** A short duration: `850 ms`, `12 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** `just now`, `12 s ago`, `3 min ago`, … */
export function formatAgo(ts: number, now: number): string {
  const d = now - ts;
  if (d < 2000) return "just now";
  return `${formatDuration(d).replace(/ \d+ s$/, "")} ago`;
}

/** A Retry-After wait in words: "45 seconds", "15 minutes". */
export function waitText(s: number): string {
  return s >= 120 ? `${Math.ceil(s / 60)} minutes` : `${s} seconds`;
}
