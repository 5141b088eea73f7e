import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { CameraSummary } from "../lib/protocol.ts";
import { isOld, LIT_MS, useCameraFeed } from "../components/camera_feed.ts";
import { CameraStage } from "../components/CameraStage.tsx";
import { ConnectionPill, LostConnection } from "../components/Connection.tsx";
import { formatAgo, formatClock } from "../components/format.ts";
import { StorageBanner } from "../components/StorageBanner.tsx";

export interface CameraGridProps {
  cameras: CameraSummary[];
}

/** Tiles refresh their snapshot this often while nothing moves (gentle on a Pi: no live video). */
const SNAPSHOT_MS = 5000;

interface Link {
  online: boolean;
  wasOnline: boolean;
  connecting: boolean;
  retryAt: number | null;
}

function cameraHref(id: string): string {
  return `/?${new URLSearchParams({ camera: id })}`;
}

/** One camera of the grid: its picture (motion frames with boxes, else snapshots) and facts. */
function Tile(
  props: { camera: CameraSummary; onLink: (id: string, link: Link) => void },
) {
  const cam = props.camera;
  const feed = useCameraFeed({
    camera: cam,
    mode: "detect",
    snapshotMs: SNAPSHOT_MS,
    onSessionEnded: () => location.assign(`/login?next=${encodeURIComponent("/")}`),
  });
  const online = feed.online.value;
  const lost = !online && !feed.connecting.value;
  const link: Link = {
    online,
    wasOnline: feed.wasOnline.value,
    connecting: feed.connecting.value,
    retryAt: feed.retryAt.value,
  };
  useEffect(
    () => props.onLink(cam.id, link),
    [link.online, link.wasOnline, link.connecting, link.retryAt],
  );
  const now = feed.now.value;
  const frame = feed.frame.value;
  const old = isOld(frame, now, SNAPSHOT_MS);
  const lit = !lost && (feed.inEvent.value || now - feed.motionAt.value < LIT_MS);
  const state = lost ? "unknown" : feed.state.value;
  const last = feed.lastMotion.value;
  const name = cam.name || cam.id;
  return (
    <li
      class={`tile${lit ? " tile-motion" : ""}`}
      data-camera={cam.id}
      data-testid="tile"
    >
      <CameraStage
        img={feed.img}
        alt={`Camera ${name}`}
        width={cam.width || feed.natural.value?.[0] || 640}
        height={cam.height || feed.natural.value?.[1] || 480}
        boxes={frame ? frame.boxes : []}
        objects={frame?.objects}
        class={old ? "stage-old" : undefined}
        badge={frame && old ? formatAgo(frame.at, now) : lit ? "Motion" : null}
        empty={frame ? null : state === "failed" ? "Camera failed" : "No picture yet"}
        onLoad={(el) => feed.natural.value = [el.naturalWidth, el.naturalHeight]}
      />
      {/* The link covers the whole tile (CSS): click anywhere to open the camera alone. */}
      <a class="tile-link" href={cameraHref(cam.id)}>
        <span class="tile-name">{name}</span>
      </a>
      <span class="tile-facts">
        <span class={`state state-${state}`} data-testid="tile-state">{state}</span>
        <span class="tile-motion-time" data-testid="tile-last-motion">
          {last
            ? (
              <>
                Motion{" "}
                <time dateTime={new Date(last).toISOString()}>
                  {formatClock(last)}
                </time>{" "}
                ({formatAgo(last, now)})
              </>
            )
            : "No motion yet"}
        </span>
      </span>
    </li>
  );
}

/**
 * Every camera at a glance: one tile each with its name, state, last motion and latest picture,
 * lit while it sees motion; a tile opens its camera alone. Without JavaScript it is a list of
 * links to the cameras.
 */
export default function CameraGrid(props: CameraGridProps) {
  const links = useSignal<Record<string, Link>>({});
  const now = useSignal(Date.now());
  useEffect(() => {
    const tick = setInterval(() => now.value = Date.now(), 1000);
    return () => clearInterval(tick);
  }, []);
  const onLink = (id: string, link: Link) => links.value = { ...links.peek(), [id]: link };
  const all = Object.values(links.value);
  const anyOnline = all.some((l) => l.online);
  const lost = all.length === props.cameras.length && !anyOnline &&
    all.every((l) => !l.connecting);
  const retryAt = all.map((l) => l.retryAt).filter((t): t is number => t !== null)
    .sort((a, b) => a - b)[0] ?? null;

  return (
    <section class="grid-page">
      <StorageBanner />
      <div class="toolbar">
        <h1 class="grid-title">Cameras</h1>
        <ConnectionPill online={anyOnline} connecting={!lost} />
      </div>
      {lost && (
        <LostConnection
          wasOnline={all.some((l) => l.wasOnline)}
          retryAt={retryAt}
          now={now.value}
        />
      )}
      <ul class="cam-grid" data-testid="camera-grid">
        {props.cameras.map((c) => <Tile key={c.id} camera={c} onLink={onLink} />)}
      </ul>
    </section>
  );
}
