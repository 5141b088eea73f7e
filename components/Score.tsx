/**
 * A motion score in words. The detector's score (lib/motion) is the percentage (0–100) of the
 * camera's watched picture (the area not masked out) that changed in one frame.
 */

/** `2.3 %`, `0.45 %`, `37 %`: two significant digits are enough to compare events. */
export function formatScore(score: number): string {
  const s = Math.max(0, score);
  const text = s >= 10 ? s.toFixed(0) : s >= 1 ? s.toFixed(1) : s.toFixed(2);
  return `${text} %`;
}

/**
 * `motion 2.3 %` with a tooltip saying what it means; `of: "event"` for an event's highest
 * score, `"frame"` for one frame's.
 */
export function Score(props: { score: number; of: "event" | "frame" }) {
  const pct = formatScore(props.score);
  const help = props.of === "event"
    ? `At its peak, ${pct} of the watched picture was moving (the largest share of any frame)`
    : `${pct} of the watched picture was moving in this frame`;
  return <span class="score" title={help}>motion {pct}</span>;
}
