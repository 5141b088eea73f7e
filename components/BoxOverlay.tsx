import type { Box, ObjectBox } from "../lib/protocol.ts";

/**
 * Motion boxes drawn over an image as SVG, in the camera's pixel space: the SVG's viewBox is
 * the camera size and it is stretched over the image by CSS, so no inline style is needed (the
 * CSP forbids them) and boxes stay aligned at every display size. In full screen the image is
 * letterboxed (`object-fit: contain`) and the SVG fills the screen: "meet" scales the boxes
 * exactly as the image, centred the same way. Objects (lib/objects) are drawn as their own
 * boxes with their label and score ("person 82%") above them.
 */
export function BoxOverlay(
  props: { boxes: readonly Box[]; width: number; height: number; objects?: readonly ObjectBox[] },
) {
  const { width, height } = props;
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 240));
  const font = Math.max(10, Math.round(Math.max(width, height) / 36));
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
      {props.objects?.map(({ label, score, box: [x, y, w, h] }, i) => (
        <g key={`o${i}`} class={`obj obj-${label}`} data-label={label}>
          <rect class="obj-box" x={x} y={y} width={w} height={h} stroke-width={stroke} />
          <text
            class="obj-label"
            x={x}
            y={y > font + 2 ? y - 3 : y + h + font}
            font-size={font}
          >
            {`${label} ${Math.round(score * 100)}%`}
          </text>
        </g>
      ))}
    </svg>
  );
}
