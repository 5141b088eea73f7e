/**
 * The connection to the Vigil server, in words: a pill ("Connected", "Connecting…",
 * "Disconnected") and, once it is lost, a notice with a countdown to the next try. This is
 * about the server, not the camera: the camera's own state is shown apart.
 */

export function ConnectionPill(props: { online: boolean; connecting: boolean }) {
  const text = props.online ? "Connected" : props.connecting ? "Connecting…" : "Disconnected";
  return (
    <span
      class={`pill ${props.online ? "pill-ok" : props.connecting ? "pill-wait" : "pill-bad"}`}
      role="status"
      title="Connection to the Vigil server"
      data-testid="online"
    >
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

/** "Lost connection to Vigil — retrying in 3 s", counting down with `now`. */
export function lostConnectionText(wasOnline: boolean, retryAt: number | null, now: number) {
  const what = wasOnline ? "Lost connection to Vigil" : "Cannot reach Vigil";
  if (retryAt === null) return `${what} — reconnecting…`;
  return `${what} — retrying in ${Math.max(1, Math.ceil((retryAt - now) / 1000))} s`;
}

export function LostConnection(
  props: { wasOnline: boolean; retryAt: number | null; now: number },
) {
  return (
    <p class="conn-lost" role="alert" data-testid="conn-lost">
      {lostConnectionText(props.wasOnline, props.retryAt, props.now)}
    </p>
  );
}
