import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { LiveSocket, socketUrl } from "../lib/web/live_socket.ts";
import { formatClock } from "../components/format.ts";
import { alertMatch } from "../lib/objects/alert.ts";

export interface AlarmProps {
  /** `alertOn`: the object labels that ring for that camera (empty or absent: any motion). */
  cameras: { id: string; name: string; alertOn?: string[] }[];
}

type Reason = "motion" | "offline" | "test";

/** How long the siren keeps beeping without being silenced. */
const SOUND_MS = 60_000;

/**
 * The alarm panel: on motion (a new event on any camera) and on connection loss it beeps
 * (WebAudio), vibrates, shows a desktop notification and flashes the page until silenced.
 */
export default function Alarm(props: AlarmProps) {
  const count = useSignal(0);
  const active = useSignal<Reason | null>(null);
  const detail = useSignal("");
  const last = useSignal<number | null>(null);
  const online = useSignal<Record<string, boolean>>({});
  const perm = useSignal<string>("default");
  const ready = useSignal(false);
  const audio = useRef<AudioContext | null>(null);
  const sirenUntil = useRef(0);
  const siren = useRef<ReturnType<typeof setInterval> | undefined>(undefined);
  const seen = useRef(new Set<string>());

  const beep = () => {
    const ctx = audio.current;
    if (!ctx || ctx.state !== "running") return;
    const t = ctx.currentTime;
    for (const [at, f] of [[0, 880], [0.25, 660]] as const) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.type = "square";
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + at);
      g.gain.exponentialRampToValueAtTime(0.25, t + at + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.2);
      o.connect(g).connect(ctx.destination);
      o.start(t + at);
      o.stop(t + at + 0.22);
    }
  };

  const unlockAudio = () => {
    try {
      audio.current ??= new AudioContext();
      if (audio.current.state === "suspended") audio.current.resume();
    } catch { /* no WebAudio */ }
  };

  const fire = (reason: Reason, text: string) => {
    if (reason !== "offline") count.value++;
    active.value = reason;
    detail.value = text;
    // The flashing background covers the whole page, not just this panel (set at once, not in
    // an effect: effects wait for an animation frame, which background tabs do not get).
    document.body.classList.add("alarming");
    last.value = Date.now();
    // Browsers refuse (and log) vibration before the user has touched the page.
    const activation = (navigator as { userActivation?: { hasBeenActive: boolean } })
      .userActivation;
    if (activation?.hasBeenActive !== false) navigator.vibrate?.([300, 150, 300, 150, 600]);
    if ("Notification" in globalThis && Notification.permission === "granted") {
      try {
        new Notification(reason === "offline" ? "Vigil: connection lost" : "Vigil: motion", {
          body: text,
          tag: "vigil-alarm",
          requireInteraction: reason !== "test",
        });
      } catch { /* some mobile browsers only allow notifications from a service worker */ }
    }
    sirenUntil.current = Date.now() + SOUND_MS;
    beep();
    clearInterval(siren.current);
    siren.current = setInterval(() => {
      if (Date.now() > sirenUntil.current) clearInterval(siren.current);
      else beep();
    }, 1200);
  };

  const silence = () => {
    active.value = null;
    document.body.classList.remove("alarming");
    clearInterval(siren.current);
  };

  useEffect(() => {
    ready.value = true;
    if ("Notification" in globalThis) perm.value = Notification.permission;
    // Any tap on the page unlocks sound (browsers need a gesture before audio plays).
    addEventListener("pointerdown", unlockAudio, { once: true });
    const socks = props.cameras.map((cam) => {
      const s = new LiveSocket({
        url: () => socketUrl(location, cam.id, "off"),
        onOnline: (on) => {
          const was = online.value[cam.id];
          online.value = { ...online.value, [cam.id]: on };
          if (was && !on) fire("offline", `Lost the connection to ${cam.name || cam.id}`);
        },
        onMessage: (msg) => {
          if (msg.type !== "motion" && !(msg.type === "event" && msg.phase === "start")) return;
          if (msg.camera !== cam.id) return;
          // With alertOn, only motion in which one of those objects was seen rings.
          const hit = alertMatch(cam.alertOn, msg.type === "motion" ? msg.labels : undefined);
          if (hit === null) return;
          const key = `${msg.camera}:${msg.eventId}`;
          if (seen.current.has(key)) return;
          seen.current.add(key);
          const what = hit ? hit[0].toUpperCase() + hit.slice(1) : "Motion";
          fire("motion", `${what} on ${cam.name || cam.id} at ${formatClock(msg.ts)}`);
        },
      });
      s.start();
      return s;
    });
    return () => {
      socks.forEach((s) => s.stop());
      clearInterval(siren.current);
      document.body.classList.remove("alarming");
      removeEventListener("pointerdown", unlockAudio);
      audio.current?.close();
    };
  }, []);

  const onlineList = props.cameras.map((c) => online.value[c.id] === true);
  // Said when every camera rings only for some objects.
  const only = props.cameras.every((c) => c.alertOn?.length)
    ? [...new Set(props.cameras.flatMap((c) => c.alertOn ?? []))]
    : [];
  const allOnline = ready.value && onlineList.length > 0 && onlineList.every(Boolean);

  return (
    <section
      class={`alarm${active.value ? " alarm-active" : ""}`}
      data-active={active.value ?? ""}
    >
      <div class="alarm-top">
        <span
          class={`pill ${allOnline ? "pill-ok" : "pill-bad"}`}
          role="status"
          data-testid="online"
        >
          <span class="dot" aria-hidden="true" />
          {allOnline ? "Watching" : ready.value ? "Not connected" : "Connecting…"}
        </span>
        <span class="muted">
          {props.cameras.length} camera{props.cameras.length === 1 ? "" : "s"}
        </span>
      </div>
      <div class="alarm-counter">
        <span class="alarm-count" data-testid="alarm-count">{count.value}</span>
        <span class="alarm-count-label">motion alarms</span>
      </div>
      {only.length > 0 && (
        <p class="muted alarm-only" data-testid="alarm-only">
          Rings only for: {only.join(", ")}
        </p>
      )}
      <p class="alarm-detail" role="alert" data-testid="alarm-detail">
        {active.value ? detail.value : last.value ? `Last: ${formatClock(last.value)}` : "Quiet."}
      </p>
      <div class="alarm-buttons">
        <button
          type="button"
          class="btn btn-big"
          data-testid="alarm-test"
          onClick={() => {
            unlockAudio();
            fire("test", "Test alarm");
          }}
        >
          Test
        </button>
        <button
          type="button"
          class="btn btn-big btn-primary"
          data-testid="alarm-silence"
          disabled={!active.value}
          onClick={silence}
        >
          Silence
        </button>
        <button
          type="button"
          class="btn btn-big"
          data-testid="alarm-reset"
          onClick={() => {
            silence();
            count.value = 0;
            last.value = null;
          }}
        >
          Reset
        </button>
      </div>
      <div class="alarm-perms">
        {ready.value && "Notification" in globalThis && perm.value !== "granted" && (
          <button
            type="button"
            class="btn"
            onClick={async () => {
              unlockAudio();
              perm.value = await Notification.requestPermission();
            }}
          >
            {perm.value === "denied"
              ? "Notifications blocked in browser settings"
              : "Enable desktop notifications"}
          </button>
        )}
        {ready.value && perm.value === "granted" && (
          <span class="muted">Desktop notifications on.</span>
        )}
        <p class="muted small">
          Keep this page open (screen on) to be alerted. Tap anywhere once so the browser lets it
          play sound.
        </p>
      </div>
    </section>
  );
}
