import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Box, CameraState } from "../lib/bus/messages.ts";
import { LiveSocket, type Mode, MODES, socketUrl } from "../lib/web/live_socket.ts";
import { BoxOverlay } from "../components/BoxOverlay.tsx";
import { formatAgo, formatClock } from "../components/format.ts";

export interface ViewerCamera {
  id: string;
  name: string;
  state: CameraState;
  message: string;
  width: number;
  height: number;
  lastMotion: number | null;
}

export interface ViewerProps {
  cameras: ViewerCamera[];
  camera: string;
  mode: Mode;
}

const MODE_LABEL: Record<Mode, string> = { detect: "Detect", live: "Live", off: "Off" };

function href(camera: string, mode: Mode): string {
  return `/?${new URLSearchParams({ camera, mode })}`;
}

const needsHelp = (state: string) => state === "failed" || state === "stalled";

/**
 * ffmpeg's last stderr lines for a failed or stalled camera: `/api/health` has them for a
 * signed-in user (status messages carry only the advice). Empty when unknown.
 */
async function fetchErrorLines(camera: string): Promise<string[]> {
  try {
    const res = await fetch("/api/health", { headers: { accept: "application/json" } });
    if (!res.ok) return [];
    const body = await res.json() as { cameras?: { id?: unknown; error?: unknown }[] };
    const found = body.cameras?.find((c) => c.id === camera);
    return Array.isArray(found?.error)
      ? found.error.filter((l): l is string => typeof l === "string")
      : [];
  } catch {
    return []; // offline: the message still says what is wrong
  }
}

/** `/api/health`'s storage message ("disk full: …") while storage is degraded, else "". */
async function fetchStorageMessage(): Promise<string> {
  try {
    const res = await fetch("/api/health", { headers: { accept: "application/json" } });
    const body = await res.json() as { storage?: { status?: unknown; message?: unknown } };
    const s = body.storage;
    return s?.status === "degraded" && typeof s.message === "string" ? s.message : "";
  } catch {
    return "";
  }
}

/** The live view: frames with motion boxes, online status, last motion, mode switch. */
export default function Viewer(props: ViewerProps) {
  const cameras = useSignal(props.cameras);
  const camera = useSignal(props.camera);
  const mode = useSignal<Mode>(props.mode);
  const online = useSignal(false);
  const connecting = useSignal(true);
  const cam = useComputed(() =>
    cameras.value.find((c) => c.id === camera.value) ?? cameras.value[0]
  );
  const lastMotion = useSignal<number | null>(cam.value?.lastMotion ?? null);
  const state = useSignal(cam.value?.state ?? "stopped");
  const message = useSignal(cam.value?.message ?? "");
  const errorLines = useSignal<string[]>([]);
  const storageMessage = useSignal("");
  const boxes = useSignal<Box[]>([]);
  const frameTs = useSignal<number | null>(null);
  const natural = useSignal<[number, number] | null>(null);
  const inEvent = useSignal(false);
  const now = useSignal(Date.now());
  const img = useRef<HTMLImageElement>(null);
  const sock = useRef<LiveSocket | null>(null);
  const url = useRef<string | null>(null);

  /** Shows what ffmpeg said while `id` is failed or stalled; clears it otherwise. */
  const updateErrorLines = (id: string, camState: string) => {
    if (!needsHelp(camState)) {
      errorLines.value = [];
      return;
    }
    fetchErrorLines(id).then((lines) => {
      if (camera.value === id && needsHelp(state.value)) errorLines.value = lines;
    });
  };

  useEffect(() => { // storage trouble (a full disk) shown as a banner; checked every 10 s
    const check = () => fetchStorageMessage().then((m) => storageMessage.value = m);
    check();
    const every = setInterval(check, 10_000);
    return () => clearInterval(every);
  }, []);

  useEffect(() => {
    updateErrorLines(camera.value, state.value);
    const tick = setInterval(() => now.value = Date.now(), 1000);
    const giveUp = setTimeout(() => connecting.value = false, 5000);
    const s = new LiveSocket({
      url: () => socketUrl(location, camera.value, mode.value),
      // Logged out (here or elsewhere): back to the login page, then here again.
      onSessionEnded: () =>
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`),
      onOnline: (on) => {
        online.value = on;
        connecting.value = false;
      },
      onMessage: (msg) => {
        switch (msg.type) {
          case "hello":
            if (Array.isArray(msg.cameras)) {
              const known = new Map(cameras.value.map((c) => [c.id, c]));
              const list = msg.cameras
                .filter((c): c is ViewerCamera => typeof c === "object" && c !== null && "id" in c)
                .map((c) => ({ ...known.get(c.id), ...c }));
              if (list.length) cameras.value = list;
            }
            if (msg.camera) camera.value = msg.camera;
            break;
          case "status":
            if (msg.camera === camera.value) {
              state.value = msg.state;
              message.value = msg.message;
              updateErrorLines(msg.camera, msg.state);
            }
            break;
          case "motion":
            if (msg.camera === camera.value) lastMotion.value = msg.ts;
            break;
          case "event":
            if (msg.camera === camera.value) inEvent.value = msg.phase === "start";
            break;
        }
      },
      onFrame: (header, jpeg) => {
        if (header.camera !== camera.value || mode.value === "off") return;
        const el = img.current;
        if (!el) return;
        const next = URL.createObjectURL(
          new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }),
        );
        el.src = next;
        if (url.current) URL.revokeObjectURL(url.current);
        url.current = next;
        boxes.value = header.boxes;
        frameTs.value = header.ts;
        if (header.boxes.length) lastMotion.value = Math.max(lastMotion.value ?? 0, header.ts);
      },
    });
    sock.current = s;
    s.start();
    return () => {
      clearInterval(tick);
      clearTimeout(giveUp);
      s.stop();
      if (url.current) URL.revokeObjectURL(url.current);
    };
  }, []);

  const clearFrame = () => {
    boxes.value = [];
    frameTs.value = null;
    if (img.current) img.current.removeAttribute("src");
    if (url.current) URL.revokeObjectURL(url.current);
    url.current = null;
  };

  const setMode = (m: Mode, e: Event) => {
    e.preventDefault();
    if (m === mode.value) return;
    mode.value = m;
    history.replaceState(null, "", href(camera.value, m));
    if (!sock.current?.send({ type: "mode", mode: m })) sock.current?.reconnect();
    if (m === "off") clearFrame();
  };

  const setCamera = (id: string) => {
    if (id === camera.value) return;
    camera.value = id;
    const c = cameras.value.find((x) => x.id === id);
    state.value = c?.state ?? "starting";
    message.value = c?.message ?? "";
    lastMotion.value = c?.lastMotion ?? null;
    updateErrorLines(id, state.value);
    natural.value = null;
    clearFrame();
    history.replaceState(null, "", href(id, mode.value));
    sock.current?.reconnect();
  };

  const c = cam.value;
  const w = c?.width || natural.value?.[0] || 640;
  const h = c?.height || natural.value?.[1] || 480;
  const hasFrame = frameTs.value !== null;
  const broken = state.value === "failed" || state.value === "stalled" ||
    state.value === "stopped";
  const statusText = online.value ? "Online" : connecting.value ? "Connecting…" : "Offline";

  return (
    <section class="viewer" data-online={online.value ? "true" : "false"}>
      {storageMessage.value && (
        <p class="error" role="alert" data-testid="storage-banner">
          {storageMessage.value}
        </p>
      )}
      <div class="toolbar">
        <span
          class={`pill ${online.value ? "pill-ok" : "pill-bad"}`}
          role="status"
          data-testid="online"
        >
          <span class="dot" aria-hidden="true" />
          {statusText}
        </span>
        {cameras.value.length > 1 && (
          <label class="camera-select">
            <span class="sr-only">Camera</span>
            <select
              value={camera.value}
              onChange={(e) => setCamera((e.target as HTMLSelectElement).value)}
            >
              {cameras.value.map((x) => <option key={x.id} value={x.id}>{x.name || x.id}</option>)}
            </select>
          </label>
        )}
        <div class="segmented" role="group" aria-label="Mode">
          {MODES.map((m) => (
            <a
              key={m}
              href={href(camera.value, m)}
              class="seg"
              aria-pressed={mode.value === m ? "true" : "false"}
              data-mode={m}
              onClick={(e) => setMode(m, e)}
            >
              {MODE_LABEL[m]}
            </a>
          ))}
        </div>
      </div>

      <div
        class={`stage${inEvent.value ? " stage-motion" : ""}${
          mode.value === "off" ? " stage-off" : ""
        }`}
      >
        <img
          ref={img}
          class="frame"
          alt={c ? `Camera ${c.name || c.id}` : "Camera"}
          onLoad={(e) => {
            const el = e.currentTarget as HTMLImageElement;
            natural.value = [el.naturalWidth, el.naturalHeight];
          }}
        />
        <BoxOverlay boxes={hasFrame ? boxes.value : []} width={w} height={h} />
        {!hasFrame && (
          <div class="stage-empty">
            {broken
              ? (
                <span class="stage-problem" data-testid="stage-problem">
                  <strong>Camera {state.value}</strong>
                  <span>{message.value || "No frames from the camera."}</span>
                </span>
              )
              : mode.value === "off"
              ? "Video is off. Motion is still detected and recorded."
              : mode.value === "detect"
              ? "Waiting for motion… frames appear here when something moves."
              : "Waiting for the first frame…"}
          </div>
        )}
      </div>

      <dl class="facts">
        <div>
          <dt>Last motion</dt>
          <dd data-testid="last-motion">
            {lastMotion.value
              ? (
                <time dateTime={new Date(lastMotion.value).toISOString()}>
                  {formatClock(lastMotion.value)} ({formatAgo(lastMotion.value, now.value)})
                </time>
              )
              : "none yet"}
          </dd>
        </div>
        <div>
          <dt>Frame</dt>
          <dd data-testid="frame-time">
            {frameTs.value ? formatClock(frameTs.value) : "—"}
            {hasFrame && boxes.value.length > 0 &&
              ` · ${boxes.value.length} box${boxes.value.length > 1 ? "es" : ""}`}
          </dd>
        </div>
        <div>
          <dt>Camera</dt>
          <dd data-testid="camera-state">
            <span class={`state state-${state.value}`}>{state.value}</span>
            {message.value && <span class="state-msg">{message.value}</span>}
            {needsHelp(state.value) && errorLines.value.length > 0 && (
              <details class="ffmpeg-lines" data-testid="ffmpeg-error">
                <summary>What ffmpeg said</summary>
                {/* One block per line, wrapped: ffmpeg's lines are long (no <pre> overflow). */}
                {errorLines.value.map((line, i) => <code key={i} class="state-msg">{line}</code>)}
              </details>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
