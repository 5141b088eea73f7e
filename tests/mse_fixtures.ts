/**
 * @module
 * Shared by the H.264 live video tests: a short H.264 file made with ffmpeg (lavfi + libx264,
 * Main profile so a re-encode by x264's default High profile would show in the codec string),
 * a Vigil with that file as one camera and the demo scene as another, and a WebSocket client
 * that keeps every message.
 */
import { join } from "node:path";
import { openWebSocket, startVigil, type VigilProcess } from "./helpers/server.ts";
import { parseVideoChunk, type VideoChunkHeader } from "../lib/live/mse_protocol.ts";
import { parseFrame } from "../lib/protocol.ts";
import { waitFor } from "./helpers/wait.ts";

/** Writes `dir/h264.mp4`: 640×360, 15 fps, 6 s, a keyframe each second, H.264 Main. */
export async function makeH264File(dir: string, size = "640x360"): Promise<string> {
  const path = join(dir, "h264.mp4");
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=s=${size}:r=15:d=6`,
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-profile:v",
      "main",
      "-g",
      "15",
      "-pix_fmt",
      "yuv420p",
      "-y",
      path,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

/** Vigil with cameras `h264` (the file) and `demo`. */
export async function startH264Vigil(): Promise<{ vigil: VigilProcess; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-mse-" });
  const file = await makeH264File(dir);
  const config = join(dir, "vigil.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      record: { mode: "off" },
      objects: { enabled: false },
      cameras: [
        { id: "h264", name: "H.264 file", source: file },
        { id: "demo", name: "Demo", source: "demo" },
      ],
    }),
  );
  const vigil = await startVigil({ source: null, args: ["--config", config] });
  return { vigil, dir };
}

export type Received =
  | { kind: "text"; data: Record<string, unknown> }
  | { kind: "jpeg"; ts: number }
  | { kind: "video"; header: VideoChunkHeader; bytes: Uint8Array };

/** A `/ws` client that records what it gets. */
export class VideoClient {
  readonly received: Received[] = [];
  readonly ws: WebSocket;
  #closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        this.received.push({ kind: "text", data: JSON.parse(e.data) });
        return;
      }
      const v = parseVideoChunk(e.data);
      if (v) this.received.push({ kind: "video", header: v.header, bytes: v.bytes.slice() });
      else this.received.push({ kind: "jpeg", ts: parseFrame(e.data).header.ts });
    };
    this.#closed = new Promise((r) => ws.addEventListener("close", () => r()));
  }

  static async open(url: string, cookie: string, origin: string): Promise<VideoClient> {
    const ws = openWebSocket(url, { cookie, origin });
    await new Promise<void>((res, rej) => {
      ws.onopen = () => res();
      ws.onerror = () => rej(new Error(`cannot connect to ${url}`));
    });
    return new VideoClient(ws);
  }

  /** Waits for the first message after index `from` that matches. */
  async take(
    match: (m: Received) => boolean,
    what: string,
    from = 0,
    timeoutMs = 30_000,
  ): Promise<{ msg: Received; index: number }> {
    let found = -1;
    await waitFor(
      () => {
        found = this.received.findIndex((m, i) => i >= from && match(m));
        return found >= 0;
      },
      timeoutMs,
      what,
    );
    return { msg: this.received[found], index: found };
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.#closed;
  }
}

/** A text message's JSON (throws on a binary one). */
export function textData(m: Received | undefined): Record<string, unknown> {
  if (m?.kind !== "text") throw new Error(`expected a text message, got ${m?.kind}`);
  return m.data;
}
