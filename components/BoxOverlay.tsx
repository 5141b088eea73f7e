import type { Box } from "../lib/protocol.ts";

/**
 * Motion boxes drawn over an image as SVG, in the camera's pixel space: the SVG's viewBox is
 * the camera size and it is stretched over the image by CSS, so no inline style is needed (the
 * CSP forbids them) and boxes stay aligned at every display size. In full screen the image is
 * letterboxed (`object-fit: contain`) and the SVG fills the screen: "meet" scales the boxes
 * exactly as the image, centred the same way.
 */
export function BoxOverlay(
  props: { boxes: readonly Box[]; width: number; height: number },
) {
  const { width, height } = props;
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 240));
  return (
    <svg
      class="boxes"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="xMidYMid meet"
      aria-hidden="true"
    >
      {props.boxes.map(([x, y, w, h], i) => (
        <rect
          key={i}
          class="box"
          x={x}
          y={y}
          width={w}
          height={h}
          stroke-width={stroke}
        />
      ))}
    </svg>
  );
}
