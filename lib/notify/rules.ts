import type { RuleConfig, ScheduleWindow } from "../config/mod.ts";

/** Weekday (0 = Sunday) and minute of the day of `ts` in `timeZone` (default: the server's). */
export function localTime(ts: number, timeZone?: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ts));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
  return { day, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

/**
 * Whether `ts` is inside the window. A window that wraps past midnight (22:00–06:00) belongs
 * to the day it starts on: Friday's 22:00–06:00 covers Saturday 03:00.
 */
export function inWindow(w: ScheduleWindow, day: number, minute: number): boolean {
  if (w.from < w.to) return w.days.includes(day) && minute >= w.from && minute < w.to;
  if (minute >= w.from) return w.days.includes(day);
  return minute < w.to && w.days.includes((day + 6) % 7);
}

export type Verdict =
  | { send: true; rule: number }
  | { send: false; why: "disarmed" | "no rule" | "cooldown" };

/**
 * Decides which events become alerts (webhooks, Web Push): Vigil must be armed, some rule must
 * match the camera, the zones the motion touched, the object labels seen and the time, and the
 * camera must be out of its cooldown (set by the last alert's rule). MQTT is a state mirror and gets everything.
 */
export class Rules {
  readonly rules: RuleConfig[];
  readonly timeZone?: string;
  /** camera → when its cooldown ends (epoch ms). */
  readonly #quietUntil = new Map<string, number>();
  suppressed = 0;

  constructor(rules: RuleConfig[], timeZone?: string) {
    this.rules = rules;
    this.timeZone = timeZone;
  }

  /** The first rule that matches (ignoring cooldown), or -1. */
  match(
    camera: string,
    zones: readonly string[],
    ts: number,
    labels: readonly string[] = [],
  ): number {
    let local: { day: number; minute: number } | null = null;
    return this.rules.findIndex((r) => {
      if (r.cameras && !r.cameras.includes(camera)) return false;
      if (r.zones && !r.zones.some((z) => zones.includes(z))) return false;
      if (r.labels && !r.labels.some((l) => labels.includes(l))) return false;
      if (r.schedule) {
        local ??= localTime(ts, this.timeZone);
        const { day, minute } = local;
        if (!r.schedule.some((w) => inWindow(w, day, minute))) return false;
      }
      return true;
    });
  }

  /** Whether an event start becomes an alert now; a yes starts the camera's cooldown. */
  decide(
    camera: string,
    zones: readonly string[],
    ts: number,
    armed: boolean,
    labels: readonly string[] = [],
  ): Verdict {
    if (!armed) return { send: false, why: "disarmed" };
    const rule = this.match(camera, zones, ts, labels);
    if (rule < 0) return { send: false, why: "no rule" };
    if (ts < (this.#quietUntil.get(camera) ?? -Infinity)) {
      this.suppressed++;
      return { send: false, why: "cooldown" };
    }
    this.#quietUntil.set(camera, ts + this.rules[rule].cooldownSeconds * 1000);
    return { send: true, rule };
  }
}
