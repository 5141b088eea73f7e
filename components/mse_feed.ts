/**
 * @module
 * The viewer's optional live H.264 video (`/ws?video=mse`, lib/live/mse_protocol.ts): whether
 * it is wanted (remembered in this browser), whether it plays, and why not (the browser has no
 * Media Source Extensions or cannot play the codec, the camera is not H.264): then the JPEG
 * frames go on. Motion boxes come from `motion` messages and are drawn at the time of the
 * video frame on screen (the video lags the messages by its buffer).
 */
import { type Signal, useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Box, ServerMessage } from "../lib/protocol.ts";
import type { VideoChunkHeader, VideoMode } from "../lib/live/mse_protocol.ts";
import { MsePlayer, mseSupported } from "./mse_player.ts";

/** What components/camera_feed.ts calls: the socket's side of the video. */
export interface VideoHooks {
  /** The `video` value to ask the server for now (query and mode messages). */
  query(): VideoMode;
  onMessage(msg: ServerMessage): void;
  onVideo(header: VideoChunkHeader, bytes: Uint8Array): void;
  /** The feed's way to tell the server "JPEG frames, please" (set by the feed). */
  bind(askJpeg: () => void): void;
  /** Another camera or a new connection: the current stream ends. */
  reset(): void;
}

/** A motion message's boxes are drawn for the video frames this long after it (ms). */
const BOX_HOLD_MS = 400;
/** Where the choice is kept in this browser. */
const STORAGE_KEY = "vigil.video";

export interface MseVideo {
  /** The user wants H.264 video in live mode. */
  wanted: Signal<boolean>;
  /** This browser has Media Source Extensions (false until mounted: the server renders too). */
  supported: Signal<boolean>;
  /** Video is on screen (else the JPEG picture). */
  playing: Signal<boolean>;
  /** The codec while playing, e.g. `avc1.4d401e`. */
  codec: Signal<string>;
  /** Why the JPEG picture is shown although video is wanted ("" when none). */
  note: Signal<string>;
  /** The boxes for the video frame on screen, and its server time. */
  shown: Signal<{ ts: number; boxes: Box[] } | null>;
  video: RefObject<HTMLVideoElement>;
  hooks: VideoHooks;
  setWanted(on: boolean): void;
}

function storedChoice(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === "mse";
  } catch {
    return false;
  }
}

export function useMseVideo(initial: VideoMode | null): MseVideo {
  // The server renders what the URL says; the browser's abilities and its remembered choice
  // are read once mounted (before the feed's socket connects: this effect is declared first).
  const supported = useSignal(false);
  const wanted = useSignal(initial === "mse");
  const playing = useSignal(false);
  const codec = useSignal("");
  const note = useSignal("");
  useEffect(() => {
    supported.value = mseSupported();
    if (!supported.value) {
      if (wanted.value) {
        note.value = "this browser cannot play video streams (no Media Source Extensions): " +
          "JPEG frames";
      }
      wanted.value = false;
    } else if (initial === null) wanted.value = storedChoice();
  }, []);
  const shown = useSignal<{ ts: number; boxes: Box[] } | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const player = useRef<MsePlayer | null>(null);
  const askJpeg = useRef<() => void>(() => {});
  /** The stream's mime once `video` said ready; the init segment follows it. */
  const pendingMime = useRef<string | null>(null);
  const motions = useRef<{ ts: number; boxes: Box[] }[]>([]);

  const fallBack = (why: string) => {
    player.current?.stop();
    playing.value = false;
    note.value = why;
    askJpeg.current();
  };
  const getPlayer = () => {
    if (!player.current && video.current) {
      player.current = new MsePlayer(video.current, (why) => fallBack(`${why}: JPEG frames`));
    }
    return player.current;
  };

  // Each video frame shown: the boxes of the motion message at its time.
  useEffect(() => {
    let stop = false;
    let handle = 0;
    const el = () => video.current;
    type FrameCallback = (cb: (now: number, meta: { mediaTime: number }) => void) => number;
    const onFrame = (mediaTime: number) => {
      const wall = player.current?.wallClockAt(mediaTime);
      if (wall == null || !playing.value) return;
      const list = motions.current;
      let boxes: Box[] = [];
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].ts <= wall + 35) {
          if (wall - list[i].ts < BOX_HOLD_MS) boxes = list[i].boxes;
          break;
        }
      }
      shown.value = { ts: wall, boxes };
    };
    const loop = () => {
      if (stop) return;
      const v = el();
      const rvfc = (v as unknown as { requestVideoFrameCallback?: FrameCallback })
        ?.requestVideoFrameCallback;
      if (v && rvfc) {
        handle = rvfc.call(v, (_now, meta) => {
          onFrame(meta.mediaTime);
          loop();
        });
      } else {
        handle = requestAnimationFrame(() => {
          if (v && !v.paused) onFrame(v.currentTime);
          loop();
        });
      }
    };
    // the <video> is rendered by then
    const start = setTimeout(loop, 0);
    return () => {
      stop = true;
      clearTimeout(start);
      cancelAnimationFrame(handle);
      player.current?.stop();
    };
  }, []);

  const hooks: VideoHooks = {
    query: () => wanted.value ? "mse" : "jpeg",
    bind(ask) {
      askJpeg.current = ask;
    },
    reset() {
      player.current?.stop();
      playing.value = false;
      pendingMime.current = null;
      motions.current = [];
      shown.value = null;
    },
    onMessage(msg) {
      if (msg.type === "motion") {
        const list = motions.current;
        list.push({ ts: msg.ts, boxes: msg.boxes });
        if (list.length > 100) list.splice(0, list.length - 50);
        return;
      }
      if (msg.type !== "video" || !wanted.value) return;
      if (msg.state === "ready" && msg.mime) {
        if (!mseSupported(msg.mime)) {
          return fallBack(`this browser cannot play ${msg.codec ?? msg.mime}: JPEG frames`);
        }
        pendingMime.current = msg.mime;
        codec.value = msg.codec ?? "";
        note.value = "";
      } else {
        player.current?.stop();
        pendingMime.current = null;
        playing.value = false;
        note.value = msg.message ?? "no video from this camera: JPEG frames";
      }
    },
    onVideo(header, bytes) {
      if (!wanted.value) return;
      if (header.video === "init") {
        const mime = pendingMime.current;
        const p = getPlayer();
        if (!mime || !p) return;
        if (!p.start(mime, bytes)) return fallBack(`this browser cannot play ${mime}: JPEG frames`);
        playing.value = true;
        return;
      }
      if (playing.value) {
        player.current?.append(header.t ?? 0, header.ts, header.key ?? false, bytes);
      }
    },
  };

  return {
    wanted,
    supported,
    playing,
    codec,
    note,
    shown,
    video,
    hooks,
    setWanted(on) {
      wanted.value = on && supported.value;
      try {
        localStorage.setItem(STORAGE_KEY, on ? "mse" : "jpeg");
      } catch { /* private mode: not remembered */ }
      if (!on) {
        hooks.reset();
        note.value = "";
      }
    },
  };
}
