/**
 * When a WebSocket client counts as stalled: what was sent to it has not drained for
 * `stallMs`. Two signs, whichever comes first: the socket's own unsent bytes (bufferedAmount)
 * have not gone down, or the TCP front has been waiting that long to write to the client (once
 * the kernel's buffers toward a client that reads nothing are full, both stop moving). A
 * client that reads slowly drains something between checks and is not stalled (it only gets
 * fewer frames: routes/ws.ts skips frames while much is unsent).
 */
export class StallWatch {
  readonly stallMs: number;
  #drainedAt: number;
  #lastBuffered = 0;

  constructor(stallMs: number, now: number) {
    if (!(stallMs > 0)) throw new RangeError(`stallMs must be positive, not ${stallMs}`);
    this.stallMs = stallMs;
    this.#drainedAt = now;
  }

  /**
   * One check, a few times a second: `buffered` is the socket's bufferedAmount,
   * `frontStalledMs` how long the front's write to the client has been pending (0: none, or
   * no front). True when the client has stalled.
   */
  check(now: number, buffered: number, frontStalledMs = 0): boolean {
    if (buffered === 0 || buffered < this.#lastBuffered) this.#drainedAt = now;
    this.#lastBuffered = buffered;
    return frontStalledMs >= this.stallMs || now - this.#drainedAt >= this.stallMs;
  }
}
