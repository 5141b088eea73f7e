import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { formatClock, formatDateTime, zoneName } from "../components/format.ts";
import { Time } from "../components/Time.tsx";

export interface TimelineBucket {
  t: number;
  frames: number;
  eventId: number | null;
}

export interface TimelineProps {
  buckets: TimelineBucket[];
  since: number;
  until: number;
  bucketMs: number;
  /** Carried into links (e.g. "camera=garage"); may be empty. */
  query: string;
}

/**
 * The time axis in 24-hour local time like every other time on the page: `HH:MM`, with the
 * date (`MM-DD`) under the first tick of each day; only dates when every tick is a midnight.
 */
function axisLabels(splits: number[]): string[] {
  const ts = splits.map((s) => s * 1000);
  const day = (t: number) => formatDateTime(t).slice(5, 10);
  const midnights = ts.every((t) => formatClock(t).startsWith("00:00"));
  return ts.map((t, i) => {
    if (midnights) return day(t);
    const hm = formatClock(t).slice(0, 5);
    return i === 0 || day(ts[i - 1]) !== day(t) ? `${hm}\n${day(t)}` : hm;
  });
}

function bucketHref(b: TimelineBucket, bucketMs: number, query: string): string {
  if (b.eventId !== null) return `/history/${b.eventId}`;
  const q = new URLSearchParams(query);
  q.set("before", String(b.t + bucketMs));
  return `/history?${q}`;
}

/** The SVG bars rendered on the server (and kept when scripts are off): each bar is a link. */
function StaticBars(props: TimelineProps) {
  const { buckets, since, until, bucketMs, query } = props;
  const span = Math.max(1, until - since);
  const max = Math.max(1, ...buckets.map((b) => b.frames));
  const W = 1000, H = 120;
  const bw = Math.max(1, (bucketMs / span) * W - 1);
  // Text (unlike attributes) is brought up to date by hydration: these show the browser's zone.
  const zone = zoneName();
  return (
    <svg class="timeline-svg" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none">
      <title>Motion frames over time</title>
      {buckets.filter((b) => b.frames > 0).map((b) => {
        const h = Math.max(2, (b.frames / max) * (H - 4));
        return (
          <a key={b.t} href={bucketHref(b, bucketMs, query)}>
            <rect
              class="bar"
              x={((b.t - since) / span) * W}
              y={H - h}
              width={bw}
              height={h}
            >
              <title>{`${formatDateTime(b.t)} (${zone}): ${b.frames} motion frames`}</title>
            </rect>
          </a>
        );
      })}
    </svg>
  );
}

/**
 * Motion frames over time as bars (uPlot once hydrated, SVG links before); clicking a bar opens
 * its event.
 */
export default function Timeline(props: TimelineProps) {
  const { buckets, bucketMs, query } = props;
  const box = useRef<HTMLDivElement>(null);
  const live = useSignal(false);
  const total = buckets.reduce((s, b) => s + b.frames, 0);

  useEffect(() => {
    const el = box.current;
    if (!el || total === 0) return;
    let plot: { destroy(): void; setSize(s: { width: number; height: number }): void } | null =
      null;
    let ro: ResizeObserver | null = null;
    let cancelled = false;
    import("uplot").then(({ default: uPlot }) => {
      if (cancelled) return;
      live.value = true;
      const xs = buckets.map((b) => (b.t + bucketMs / 2) / 1000); // bar centres
      const ys = buckets.map((b) => b.frames || null); // no bar (not a flat line) where quiet
      const height = 160;
      const opts = {
        width: el.clientWidth || 600,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: true, range: [props.since / 1000, props.until / 1000] as [number, number] },
        },
        axes: [
          {
            stroke: "#8b949e",
            grid: { stroke: "#21262d" },
            ticks: { stroke: "#30363d" },
            values: (_u: uPlot, splits: number[]) => axisLabels(splits),
          },
          {
            stroke: "#8b949e",
            grid: { stroke: "#21262d" },
            ticks: { stroke: "#30363d" },
            size: 40,
            // short labels fit the axis: 1500 → "1.5k"
            values: (_u: uPlot, splits: number[]) =>
              splits.map((v) => v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(v)),
          },
        ],
        series: [
          {},
          {
            label: "motion frames",
            stroke: "#f0883e",
            fill: "rgba(240,136,62,0.55)",
            paths: uPlot.paths.bars!({ size: [0.9, 40], align: 0 }),
            points: { show: false },
          },
        ],
      };
      // deno-lint-ignore no-explicit-any
      const u = new uPlot(opts as any, [xs, ys], el);
      plot = u;
      u.over.title = "Click a bar to open its event";
      u.over.addEventListener("click", () => {
        const i = u.cursor.idx;
        if (i == null) return;
        const b = buckets[i];
        if (b && b.frames > 0) location.href = bucketHref(b, bucketMs, query);
      });
      u.over.classList.add("clickable");
      ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
      ro.observe(el);
    }).catch((err) => console.error("timeline:", err));
    return () => {
      cancelled = true;
      ro?.disconnect();
      plot?.destroy();
    };
  }, []);

  return (
    <div class="timeline">
      <div class="timeline-head">
        <span>{total} motion frames</span>
        <span class="muted timeline-span">
          <Time ts={props.since} /> – <Time ts={props.until} />
        </span>
      </div>
      <div class="timeline-chart" ref={box} data-ready={live.value ? "true" : "false"}>
        {!live.value && <StaticBars {...props} />}
        {total === 0 && <p class="muted timeline-empty">No motion in this period.</p>}
      </div>
    </div>
  );
}
