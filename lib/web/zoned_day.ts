/**
 * Calendar days in a time zone, for filters like "events of 2026-12-03": the server has no idea
 * of the browser's zone unless the page sends it (an IANA name such as `Europe/Berlin`).
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ZONE = /^[A-Za-z][A-Za-z0-9_+\-]*(?:\/[A-Za-z0-9_+\-]+){0,2}$/;

/** The server's own zone (what a day means when the page does not say). */
export function serverZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Whether `zone` is an IANA time zone name this runtime knows (`Asia/Tokyo`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  if (zone.length > 64 || !ZONE.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `[year, month, day]` of a `YYYY-MM-DD` that names a real day (year 1970 to 9999), else null. */
export function parseDay(text: string): [number, number, number] | null {
  const m = DAY.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970) return null;
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
    ? [y, mo, d]
    : null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at `ts`, in ms. */
function offsetAt(zone: string, ts: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    if (formatters.size > 32) formatters.clear();
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const { type, value } of f.formatToParts(ts)) p[type] = Number(value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(ts / 1000) * 1000;
}

/** The epoch ms when the wall clock of `zone` shows midnight starting day (y, m, d). */
function midnight(zone: string, y: number, m: number, d: number): number {
  const wall = Date.UTC(y, m - 1, d);
  // two rounds settle the offset around a DST change
  let t = wall - offsetAt(zone, wall);
  t = wall - offsetAt(zone, t);
  return t;
}

/**
 * `[start, end)` in epoch ms of the calendar day `day` (`YYYY-MM-DD`) in `zone`: 24 hours,
 * or 23/25 on daylight-saving days. Null when `day` is not a real day.
 * Throws RangeError for an unknown zone.
 */
export function dayBounds(day: string, zone: string): [number, number] | null {
  if (!isTimeZone(zone)) throw new RangeError(`Unknown time zone ${JSON.stringify(zone)}`);
  const p = parseDay(day);
  if (!p) return null;
  const [y, m, d] = p;
  return [midnight(zone, y, m, d), midnight(zone, y, m, d + 1)];
}
