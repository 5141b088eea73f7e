import { type Signal, useComputed, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { MODES } from "../lib/protocol.ts";
import type { CameraSummary, Mode } from "../lib/protocol.ts";
import { type Feed, isOld, useCameraFeed } from "../components/camera_feed.ts";
import { CameraStage } from "../components/CameraStage.tsx";
import { ConnectionPill, LostConnection } from "../components/Connection.tsx";
import { formatAgo, formatClock } from "../components/format.ts";
import { StorageBanner } from "../components/StorageBanner.tsx";
import { useMseVideo } from "../components/mse_feed.ts";
import type { VideoMode } from "../lib/live/mse_protocol.ts";

export type ViewerCamera = Omit<CameraSummary, "fps"> & { fps?: number };

export interface ViewerProps {
  cameras: ViewerCamera[];
  camera: string;
  mode: Mode;
  /** `?video=`: live pictures as JPEG or the camera's H.264; null: this browser's last choice. */
  video?: VideoMode | null;
  /**
   * `?delta=1|0`: live frames as keyframes and changed tiles (the data saver), or every frame
   * whole; null: this browser's last choice (whole frames at first).
   */
  delta?: boolean | null;
}

const MODE_LABEL: Record<Mode, string> = { detect: "Detect", live: "Live", off: "Off" };
/** The snapshot's refresh period in detect mode while nothing moves. */
const SNAPSHOT_MS = 3000;

function href(camera: string, mode: Mode, video = false): string {
  return `/?${new URLSearchParams({ camera, mode, ...(video ? { video: "mse" } : {}) })}`;
}

/** States in which the camera gives no picture, with advice on what to do. */
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

const toSummary = (c: ViewerCamera): CameraSummary => ({ fps: 0, ...c });

/** What the stage says while it has no picture. */
function emptyText(feed: Feed): string {
  if (feed.mode.value === "off") return "Video is off. Motion is still detected and recorded.";
  const st = feed.state.value;
  if (st === "starting") return "The camera is starting…";
  if (st === "failed" || st === "stopped") return "No picture: the camera is not running.";
  return feed.mode.value === "detect"
    ? "No picture from the camera yet…"
    : "Waiting for the first frame…";
}

const SAVER_KEY = "vigil.dataSaver";

/**
 * The data saver (live deltas): what the URL says, else this browser's last choice, read once
 * mounted (before the feed's socket connects: the effect is declared first).
 */
function useDataSaver(initial: boolean | null): Signal<boolean> {
  const on = useSignal(initial ?? false);
  useEffect(() => {
    if (initial !== null) return;
    try {
      on.value = localStorage.getItem(SAVER_KEY) === "1";
    } catch { /* private mode */ }
  }, []);
  return on;
}

/**
 * One camera: its picture (a snapshot at once, motion frames with their boxes as they come, or
 * every frame in live mode), the connection to Vigil, the camera's state, the last motion, and
 * the mode switch.
 */
export default function Viewer(props: ViewerProps) {
  const cameras = useSignal(props.cameras);
  const errorLines = useSignal<string[]>([]);
  const initial = props.cameras.find((c) => c.id === props.camera) ?? props.cameras[0];

  /** Shows what ffmpeg said while `id` is failed or stalled; clears it otherwise. */
  const updateErrorLines = (id: string, camState: string) => {
    if (!needsHelp(camState)) {
      errorLines.value = [];
      return;
    }
    fetchErrorLines(id).then((lines) => {
      if (feed.camera.value === id && needsHelp(feed.state.value)) errorLines.value = lines;
    });
  };

  const mse = useMseVideo(props.video ?? null);
  const saver = useDataSaver(props.delta ?? null);
  const feed = useCameraFeed({
    video: mse.hooks,
    camera: toSummary(initial),
    mode: props.mode,
    snapshotMs: SNAPSHOT_MS,
    delta: () => saver.value,
    // Logged out (here or elsewhere): back to the login page, then here again.
    onSessionEnded: () =>
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`),
    onCameras: (list) => {
      const known = new Map(cameras.value.map((c) => [c.id, c]));
      const merged = list.filter((c) => typeof c?.id === "string")
        .map((c) => ({ ...known.get(c.id), ...c }));
      if (merged.length) cameras.value = merged;
    },
  });
  const cam = useComputed(() =>
    cameras.value.find((c) => c.id === feed.camera.value) ?? cameras.value[0]
  );

  // The problem's details follow the camera's state (first render and every status change).
  const stateKey = `${feed.camera.value}:${feed.state.value}`;
  useEffect(() => updateErrorLines(feed.camera.value, feed.state.value), [stateKey]);

  const setMode = (m: Mode, e: Event) => {
    e.preventDefault();
    feed.setMode(m);
    history.replaceState(null, "", href(feed.camera.value, m, mse.wanted.value));
  };

  const setCamera = (id: string) => {
    const c = cameras.value.find((x) => x.id === id);
    if (!c) return;
    feed.setCamera(toSummary(c));
    history.replaceState(null, "", href(id, feed.mode.value, mse.wanted.value));
  };

  const toggleSaver = () => {
    saver.value = !saver.value;
    try {
      localStorage.setItem(SAVER_KEY, saver.value ? "1" : "0");
    } catch { /* private mode: not remembered */ }
    feed.deltaChanged();
  };

  const toggleVideo = () => {
    mse.setWanted(!mse.wanted.value);
    feed.videoChanged();
    history.replaceState(null, "", href(feed.camera.value, feed.mode.value, mse.wanted.value));
  };

  const c = cam.value;
  const w = c?.width || feed.natural.value?.[0] || 640;
  const h = c?.height || feed.natural.value?.[1] || 480;
  const frame = feed.frame.value;
  const now = feed.now.value;
  const online = feed.online.value;
  const lost = !online && !feed.connecting.value;
  const state = feed.state.value;
  const live = feed.mode.value === "live";
  // the camera's H.264 on screen (components/mse_feed.ts), its boxes at the frame's time
  const videoShown = live && mse.playing.value;
  const videoFrame = videoShown ? mse.shown.value : null;
  const old = !videoShown && isOld(frame, now, SNAPSHOT_MS);
  const problem = !lost && needsHelp(state);
  const stageClass = [
    feed.inEvent.value && !lost ? "stage-motion" : "",
    feed.mode.value === "off" ? "stage-off" : "",
    old ? "stage-old" : "",
  ].filter(Boolean).join(" ");
  const badge = frame && old
    ? `${frame.kind === "socket" && frame.boxes.length ? "Motion " : ""}${formatAgo(frame.at, now)}`
    : null;

  return (
    <section class="viewer" data-online={online ? "true" : "false"}>
      <StorageBanner />
      <div class="toolbar">
        {cameras.value.length > 1 && (
          <a class="btn btn-ghost back" href="/" data-testid="all-cameras">
            <span aria-hidden="true">←</span> All cameras
          </a>
        )}
        <ConnectionPill online={online} connecting={feed.connecting.value} />
        {cameras.value.length > 1 && (
          <label class="camera-select">
            <span class="sr-only">Camera</span>
            <select
              value={feed.camera.value}
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
              href={href(feed.camera.value, m)}
              class="seg"
              aria-pressed={feed.mode.value === m ? "true" : "false"}
              data-mode={m}
              onClick={(e) => setMode(m, e)}
            >
              {MODE_LABEL[m]}
            </a>
          ))}
        </div>
        {live && (
          <button
            type="button"
            class="btn btn-ghost video-toggle"
            aria-pressed={saver.value ? "true" : "false"}
            title="Data saver: after a whole frame, send only the parts of the picture that change (about a tenth of the bytes; more work for the server)"
            data-testid="delta-toggle"
            onClick={toggleSaver}
          >
            Saver
          </button>
        )}
        {live && mse.supported.value && (
          <button
            type="button"
            class="btn btn-ghost video-toggle"
            aria-pressed={mse.wanted.value ? "true" : "false"}
            title="Play the camera's own H.264 video instead of JPEG frames (H.264 cameras)"
            data-testid="video-toggle"
            onClick={toggleVideo}
          >
            H.264
          </button>
        )}
      </div>

      {lost && (
        <LostConnection wasOnline={feed.wasOnline.value} retryAt={feed.retryAt.value} now={now} />
      )}
      {problem && (
        <div class="camera-problem" role="alert" data-testid="stage-problem">
          <strong>Camera {state}</strong>
          <span>{feed.message.value || "No frames from the camera."}</span>
          {errorLines.value.length > 0 && (
            <details class="ffmpeg-lines" data-testid="ffmpeg-error">
              <summary>What ffmpeg said</summary>
              {/* One block per line, wrapped: ffmpeg's lines are long (no <pre> overflow). */}
              {errorLines.value.map((line, i) => <code key={i} class="state-msg">{line}</code>)}
            </details>
          )}
        </div>
      )}

      <CameraStage
        img={feed.img}
        canvas={feed.canvas}
        onCanvas={feed.onCanvas.value}
        alt={c ? `Camera ${c.name || c.id}` : "Camera"}
        width={w}
        height={h}
        boxes={videoShown ? videoFrame?.boxes ?? [] : frame ? frame.boxes : []}
        objects={videoShown ? undefined : frame?.objects}
        class={stageClass}
        badge={badge}
        empty={frame || videoShown ? null : emptyText(feed)}
        video={mse.video}
        showVideo={videoShown}
        onLoad={(el) => feed.natural.value = [el.naturalWidth, el.naturalHeight]}
      />

      <dl class="facts">
        <div>
          <dt>Camera</dt>
          <dd data-testid="camera-state">
            {lost
              ? (
                <>
                  <span class="state state-unknown">unknown</span>
                  <span class="state-msg">not connected to Vigil</span>
                </>
              )
              : (
                <>
                  <span class={`state state-${state}`}>{state}</span>
                  {/* A problem's advice is shown once, above the picture. */}
                  {!problem && feed.message.value && (
                    <span class="state-msg">{feed.message.value}</span>
                  )}
                </>
              )}
          </dd>
        </div>
        <div>
          <dt>Last motion</dt>
          <dd data-testid="last-motion">
            {feed.lastMotion.value
              ? (
                <time dateTime={new Date(feed.lastMotion.value).toISOString()}>
                  {formatClock(feed.lastMotion.value)} ({formatAgo(feed.lastMotion.value, now)})
                </time>
              )
              : "none yet"}
          </dd>
        </div>
        <div>
          <dt>Picture</dt>
          <dd data-testid="frame-time" data-ts={videoFrame?.ts ?? frame?.ts}>
            {videoFrame
              ? (
                <>
                  {formatClock(videoFrame.ts)} · H.264 video
                  {videoFrame.boxes.length > 0 &&
                    ` · ${videoFrame.boxes.length} box${videoFrame.boxes.length > 1 ? "es" : ""}`}
                </>
              )
              : frame
              ? (
                <>
                  {formatClock(frame.ts)}
                  {frame.kind === "snapshot" ? " · snapshot" : ""}
                  {frame.boxes.length > 0 &&
                    ` · ${frame.boxes.length} box${frame.boxes.length > 1 ? "es" : ""}`}
                </>
              )
              : "—"}
          </dd>
        </div>
        {live && (mse.wanted.value || mse.note.value) && (
          <div>
            <dt>Video</dt>
            <dd data-testid="video-state" data-video={videoShown ? "mse" : "jpeg"}>
              {videoShown ? `H.264 from the camera (${mse.codec.value}), not re-encoded` : (
                <>
                  JPEG frames
                  {mse.note.value && <span class="state-msg">{mse.note.value}</span>}
                </>
              )}
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
