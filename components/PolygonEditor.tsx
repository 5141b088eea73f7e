import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  freshZoneName,
  insertPoint,
  insidePolygon,
  type Point,
  type Shape,
  toCameraPixels,
} from "./settings_model.ts";

export interface PolygonEditorProps {
  /** The camera's size: the polygons' pixel space and the SVG's viewBox. */
  width: number;
  height: number;
  shapes: readonly Shape[];
  /** The shape being edited (its points have handles), or null. */
  selected: number | null;
  readOnly?: boolean;
  onChange(shapes: Shape[], selected: number | null): void;
  /** Drawn under the polygons (the tuning view's mask and boxes), in camera pixels. */
  children?: ComponentChildren;
}

/** A press that moves less than this (screen pixels) is a tap, not a drag. */
const TAP_SLOP_PX = 8;
/** A press held this long on a point deletes it (phones have no double-click). */
const LONG_PRESS_MS = 600;
/** Two taps on one point this close together delete it (the mouse's double-click). */
const DOUBLE_TAP_MS = 400;

interface Drag {
  pointerId: number;
  shape: number;
  point: number;
  x: number;
  y: number;
  moved: boolean;
  done: boolean;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Zones and masks drawn over a camera picture, as an SVG whose viewBox is the camera's size
 * (so points are camera pixels whatever the displayed size). Pointer events, so a mouse and a
 * finger work alike: tap or click to add a point (to the selected shape, else a new zone), drag
 * a point to move it, double-click/double-tap or long-press a point to delete it, tap a shape
 * to select it.
 */
export function PolygonEditor(props: PolygonEditorProps) {
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<Drag | null>(null);
  const press = useRef<{ pointerId: number; x: number; y: number } | null>(null);
  const lastTap = useRef({ shape: -1, point: -1, t: 0 });
  // Handles keep one size on screen: their radius is in camera pixels per displayed pixel.
  const [scale, setScale] = useState(1);
  const [coarse, setCoarse] = useState(false);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const measure = () => {
      const w = el.getBoundingClientRect().width;
      if (w > 0) setScale(latest.current.width / w);
    };
    measure();
    setCoarse(globalThis.matchMedia?.("(pointer: coarse)").matches ?? false);
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [props.width]);

  const cameraPoint = (e: PointerEvent): Point =>
    toCameraPixels(e.clientX, e.clientY, svg.current!.getBoundingClientRect(), latest.current);

  const setPoint = (shape: number, point: number, p: Point | null) => {
    const { shapes, onChange } = latest.current;
    const next = shapes.map((s, i) => {
      if (i !== shape) return s;
      const points = p
        ? s.points.map((q, j) => j === point ? p : q)
        : s.points.filter((_, j) => j !== point);
      return { ...s, points };
    });
    onChange(next, shape);
  };

  const onPointerDown = (e: PointerEvent) => {
    if (latest.current.readOnly || e.button > 0) return;
    const target = e.target as Element;
    const handle = target.closest<SVGElement>("[data-point]");
    if (handle) {
      e.preventDefault();
      svg.current?.setPointerCapture(e.pointerId);
      const shape = Number(handle.dataset.shape), point = Number(handle.dataset.point);
      const d: Drag = {
        pointerId: e.pointerId,
        shape,
        point,
        x: e.clientX,
        y: e.clientY,
        moved: false,
        done: false,
        timer: setTimeout(() => {
          if (drag.current !== d || d.moved) return;
          d.done = true;
          navigator.vibrate?.(30);
          setPoint(shape, point, null);
        }, LONG_PRESS_MS),
      };
      drag.current = d;
      return;
    }
    press.current = { pointerId: e.pointerId, x: e.clientX, y: e.clientY };
  };

  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId || d.done) return;
    if (!d.moved && Math.hypot(e.clientX - d.x, e.clientY - d.y) < TAP_SLOP_PX / 2) return;
    d.moved = true;
    clearTimeout(d.timer);
    setPoint(d.shape, d.point, cameraPoint(e));
  };

  const onPointerUp = (e: PointerEvent) => {
    const d = drag.current;
    if (d && d.pointerId === e.pointerId) {
      clearTimeout(d.timer);
      drag.current = null;
      if (d.done || d.moved) return;
      // a tap on a point: the second within DOUBLE_TAP_MS deletes it, else it selects its shape
      const last = lastTap.current;
      if (
        last.shape === d.shape && last.point === d.point && e.timeStamp - last.t < DOUBLE_TAP_MS
      ) {
        lastTap.current = { shape: -1, point: -1, t: 0 };
        setPoint(d.shape, d.point, null);
      } else {
        lastTap.current = { shape: d.shape, point: d.point, t: e.timeStamp };
        if (latest.current.selected !== d.shape) {
          latest.current.onChange([...latest.current.shapes], d.shape);
        }
      }
      return;
    }
    const p0 = press.current;
    press.current = null;
    if (!p0 || p0.pointerId !== e.pointerId) return;
    if (Math.hypot(e.clientX - p0.x, e.clientY - p0.y) > TAP_SLOP_PX) return;
    tap(cameraPoint(e));
  };

  /** A tap on the picture: add a point, select the shape tapped, or start a new zone. */
  const tap = (p: Point) => {
    const { shapes, selected, onChange } = latest.current;
    const current = selected === null ? undefined : shapes[selected];
    if (current && current.points.length < 3) {
      onChange(
        shapes.map((s, i) => i === selected ? { ...s, points: [...s.points, p] } : s),
        selected,
      );
      return;
    }
    let hit = -1;
    shapes.forEach((s, i) => {
      if (s.points.length >= 3 && insidePolygon(s.points, p)) hit = i;
    });
    if (hit !== -1 && hit !== selected) {
      onChange([...shapes], hit);
    } else if (current && selected !== null) {
      onChange(
        shapes.map((s, i) => i === selected ? { ...s, points: insertPoint(s.points, p) } : s),
        selected,
      );
    } else {
      onChange(
        [...shapes, { kind: "zone", name: freshZoneName(shapes), points: [p] }],
        shapes.length,
      );
    }
  };

  /** Keyboard: arrows move the focused point (Shift: ten times as far), Delete removes it. */
  const onKeyDown = (e: KeyboardEvent) => {
    const handle = (e.target as Element).closest<SVGElement>("[data-point]");
    if (!handle || latest.current.readOnly) return;
    const shape = Number(handle.dataset.shape), point = Number(handle.dataset.point);
    const p = latest.current.shapes[shape]?.points[point];
    if (!p) return;
    const step = Math.max(1, Math.round(scale)) * (e.shiftKey ? 10 : 1);
    const moves: Record<string, Point> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const { width, height } = latest.current;
    if (moves[e.key]) {
      const [dx, dy] = moves[e.key];
      setPoint(shape, point, [
        Math.min(width, Math.max(0, p[0] + dx)),
        Math.min(height, Math.max(0, p[1] + dy)),
      ]);
    } else if (e.key === "Delete" || e.key === "Backspace") {
      setPoint(shape, point, null);
    } else return;
    e.preventDefault();
  };

  const onCancel = () => {
    if (drag.current) clearTimeout(drag.current.timer);
    drag.current = null;
    press.current = null;
  };

  const { width, height, shapes, selected, readOnly } = props;
  const r = (coarse ? 13 : 7) * scale;
  const font = Math.max(10, 13 * scale);
  return (
    <svg
      ref={svg}
      class={`poly-editor${selected !== null && !readOnly ? " editing" : ""}${
        readOnly ? " read-only" : ""
      }`}
      viewBox={`0 0 ${width} ${height}`}
      data-testid="poly-editor"
      data-width={width}
      data-height={height}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onCancel}
      onLostPointerCapture={(e) => e.target === e.currentTarget && onCancel()}
      onKeyDown={onKeyDown}
      // a long press on a point deletes it: no context menu then
      onContextMenu={(e) => (e.target as Element).closest("[data-point]") && e.preventDefault()}
      role="img"
      aria-label="Zones and masks over the camera picture"
    >
      {props.children}
      {shapes.map((s, i) => {
        const pts = s.points.map((p) => p.join(",")).join(" ");
        const cls = `shape shape-${s.kind}${i === selected ? " shape-selected" : ""}`;
        return (
          <g key={i} class={cls} data-shape={i} data-kind={s.kind}>
            {s.points.length >= 3 ? <polygon points={pts} /> : <polyline points={pts} />}
            {s.points.length > 0 && (
              <text
                class="shape-label"
                x={s.points[0][0] + r * 1.4}
                y={s.points[0][1] - r * 0.6}
                font-size={font}
              >
                {s.kind === "mask" ? "mask" : s.name || "zone"}
              </text>
            )}
          </g>
        );
      })}
      {selected !== null && !readOnly && shapes[selected]?.points.map((p, j) => (
        <circle
          key={`h${j}`}
          class="handle"
          cx={p[0]}
          cy={p[1]}
          r={r}
          data-shape={selected}
          data-point={j}
          data-testid="handle"
          tabindex={0}
          role="button"
          aria-label={`Point ${j + 1} of ${
            shapes[selected].kind === "mask" ? "the mask" : shapes[selected].name || "the zone"
          }: arrows move it, Delete removes it`}
        />
      ))}
    </svg>
  );
}
