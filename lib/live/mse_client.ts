/**
 * @module
 * One WebSocket client's side of a video relay (routes/ws.ts makes one when a live client asks
 * for `video=mse`): sends the `video` messages and the binary init segment and fragments, and
 * keeps the socket bounded like JPEG frames are: past `skipAboveBytes` unsent it skips
 * fragments until the next keyframe (a decoder cannot skip single frames), past
 * `dropAboveBytes` it closes the socket.
 */
import type { RelayFragment, RelayInit, RelaySink } from "./mse_relay.ts";
import type { VideoMessage } from "./mse_protocol.ts";

export interface FeedSocket {
  send(data: string | Uint8Array<ArrayBuffer>): void;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
}

export class MseClientFeed implements RelaySink {
  /** Video is flowing to this client: it gets no JPEG frames meanwhile. */
  playing = false;
  /** Asked for and not yet playing or refused: JPEG frames may come, but need not all be made. */
  starting = true;
  sent = 0;
  skipped = 0;
  #waitKey = false;
  readonly #camera: string;
  readonly #socket: FeedSocket;
  readonly #limits: { skipAboveBytes: number; dropAboveBytes: number };

  constructor(
    camera: string,
    socket: FeedSocket,
    limits: { skipAboveBytes: number; dropAboveBytes: number },
  ) {
    this.#camera = camera;
    this.#socket = socket;
    this.#limits = limits;
  }

  ready(init: RelayInit, backlog: readonly RelayFragment[]): void {
    this.#message({
      type: "video",
      camera: this.#camera,
      state: "ready",
      codec: init.codec,
      mime: init.mime,
      width: init.width,
      height: init.height,
    });
    this.#socket.send(init.wire);
    this.playing = true;
    this.starting = false;
    this.#waitKey = true; // a new init: start at a keyframe
    for (const f of backlog) this.media(f);
  }

  media(f: RelayFragment): void {
    if (!this.playing) return;
    const buffered = this.#socket.bufferedAmount();
    if (buffered > this.#limits.dropAboveBytes) {
      this.playing = false;
      return this.#socket.close(1013, "client too slow: too much data unsent");
    }
    if (buffered > this.#limits.skipAboveBytes || (this.#waitKey && !f.key)) {
      this.#waitKey = true;
      this.skipped++;
      return;
    }
    this.#waitKey = false;
    this.#socket.send(f.wire);
    this.sent++;
  }

  stopped(message: string, final: boolean): void {
    this.playing = false;
    this.starting = false;
    this.#message({
      type: "video",
      camera: this.#camera,
      state: final ? "unavailable" : "waiting",
      message,
    });
  }

  /** This client no longer wants video (another mode): JPEG frames again. */
  unavailable(message: string): void {
    this.stopped(message, true);
  }

  #message(msg: VideoMessage): void {
    this.#socket.send(JSON.stringify(msg));
  }
}
