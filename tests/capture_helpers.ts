/** Helpers for the capture integration tests (real ffmpeg). */

import type { CameraCapture, CameraState } from "../lib/capture/mod.ts";

export interface Recorder {
  states: { state: CameraState; message: string; at: number }[];
  frames: { seq: number; ts: number; grayCol: number; gray: Uint8Array; jpeg: Uint8Array }[];
}

/**
 * Records a capture's states and frames (gray copied, its brightest column noted). With
 * `keepPixels`, each frame's JPEG is asked for (encoded on demand unless passed through) and
 * the frame is recorded once it is there, in frame order.
 */
export function record(cam: CameraCapture, keepPixels = false): Recorder {
  const r: Recorder = { states: [], frames: [] };
  cam.onState = (state, message) => r.states.push({ state, message, at: Date.now() });
  cam.onFrame = (f) => {
    const entry = {
      seq: f.seq,
      ts: f.ts,
      grayCol: brightestColumn(f.gray, cam.detectWidth, cam.detectHeight),
      gray: keepPixels ? f.gray.slice() : new Uint8Array(0),
      jpeg: new Uint8Array(0) as Uint8Array,
    };
    if (!keepPixels) {
      r.frames.push(entry);
      return;
    }
    cam.jpegOf(f).then((jpeg) => {
      entry.jpeg = jpeg ?? new Uint8Array(0);
      r.frames.push(entry);
    });
  };
  return r;
}

export { sleep, waitFor } from "./helpers/wait.ts";

/** Index of the column with the largest sum of gray values. */
export function brightestColumn(gray: Uint8Array, width: number, height: number): number {
  let best = -1, bestSum = -1;
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let y = 0; y < height; y++) sum += gray[y * width + x];
    if (sum > bestSum) {
      bestSum = sum;
      best = x;
    }
  }
  return best;
}

/** Runs ffmpeg to completion; throws with its stderr when it fails. */
export async function ffmpeg(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const proc = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-nostdin", ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = proc.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await proc.output();
  if (!out.success) {
    throw new Error(`ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

/** Decodes JPEGs with ffmpeg into gray frames of width×height (same scaler as the capture). */
export async function decodeJpegs(
  jpegs: Uint8Array[],
  width: number,
  height: number,
): Promise<Uint8Array[]> {
  const all = new Uint8Array(jpegs.reduce((n, j) => n + j.length, 0));
  let at = 0;
  for (const j of jpegs) {
    all.set(j, at);
    at += j.length;
  }
  const raw = await ffmpeg([
    "-f",
    "mjpeg",
    "-i",
    "pipe:0",
    "-vf",
    `scale=${width}:${height}:flags=area,format=gray`,
    "-fps_mode",
    "passthrough",
    "-f",
    "rawvideo",
    "pipe:1",
  ], all);
  const size = width * height;
  const frames: Uint8Array[] = [];
  for (let i = 0; i + size <= raw.length; i += size) frames.push(raw.subarray(i, i + size));
  return frames;
}

/**
 * A scene whose object position is known per frame: a dark background and a bright bar
 * 16 px wide at x = (n * 37) mod 600 in frame n (640x480), so neighbouring frames differ a lot.
 */
export const KNOWN_SCENE = "color=c=0x282828:s=640x480:r=15[bg];color=c=white:s=16x480:r=15[bar];" +
  "[bg][bar]overlay=x='mod(n*37\\,600)':y=0:eval=frame";

/** Writes the known scene (`seconds` long) to `path` as MJPEG in Matroska. */
export async function writeKnownScene(path: string, seconds: number): Promise<void> {
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    KNOWN_SCENE,
    "-t",
    String(seconds),
    "-c:v",
    "mjpeg",
    "-q:v",
    "3",
    "-y",
    path,
  ]);
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Input and encoder arguments for a live H.264 test stream (640x480, 15 fps, a keyframe every
 * second) at real-time pace; add the output (`-f rtsp URL`, `-f rtp …`) for {@link background}.
 */
export const LIVE_H264_ARGS: readonly string[] = [
  "-re",
  "-f",
  "lavfi",
  "-i",
  "testsrc2=s=640x480:r=15",
  "-c:v",
  "libx264",
  "-preset",
  "ultrafast",
  "-tune",
  "zerolatency",
  "-g",
  "15",
];

/** A background ffmpeg (a stream server); `stop()` kills it and waits. */
export function background(args: string[]): { stop(): Promise<void>; stderr: () => string } {
  const proc = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-nostdin", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of proc.stderr) text += new TextDecoder().decode(chunk);
  })();
  return {
    stderr: () => text,
    async stop() {
      try {
        proc.kill("SIGKILL");
      } catch {
        // already gone
      }
      await proc.status;
      await reading;
    },
  };
}

/**
 * A stand-in MJPEG camera: ffmpeg serves the lavfi `graph` in real time as multipart MJPEG
 * (JPEG quality `q`, 2 best … 31 worst) at `http://127.0.0.1:PORT/`, to one client.
 */
export function mjpegHttpServer(
  graph: string,
  port: number,
  q: number,
): ReturnType<typeof background> {
  return background([
    "-re",
    "-f",
    "lavfi",
    "-i",
    graph,
    "-c:v",
    "mjpeg",
    "-q:v",
    String(q),
    "-f",
    "mpjpeg",
    "-listen",
    "1",
    `http://127.0.0.1:${port}/`,
  ]);
}

/** States in order, with repeats collapsed. */
export function stateTrail(r: Recorder): string[] {
  const out: string[] = [];
  for (const s of r.states) if (out.at(-1) !== s.state) out.push(s.state);
  return out;
}

/**
 * A stand-in MJPEG camera that, unlike ffmpeg's one-client listener, serves any number of
 * clients and reconnections (a capture restarts once when it learns the source size): one ffmpeg
 * encodes the lavfi `graph` in real time (JPEG quality `q`), and each client of `url` gets the
 * frames from the next one on as multipart MJPEG.
 */
export function mjpegCamera(graph: string, q: number): { url: string; stop(): Promise<void> } {
  const proc = new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i", graph],
      ...["-c:v", "mjpeg", "-q:v", String(q), "-f", "image2pipe", "pipe:1"],
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const send = (jpeg: Uint8Array) => {
    const head = encoder.encode(
      `--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`,
    );
    for (const c of clients) {
      try {
        c.enqueue(head);
        c.enqueue(jpeg);
        c.enqueue(encoder.encode("\r\n"));
      } catch {
        clients.delete(c);
      }
    }
  };
  // ffmpeg's JPEGs carry no thumbnails, so the first FF D9 after FF D8 ends a frame.
  const splitting = (async () => {
    let buf = new Uint8Array(0);
    for await (const chunk of proc.stdout) {
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      buf = joined;
      let start = 0;
      for (let i = 1; i < buf.length; i++) {
        if (buf[i - 1] === 0xff && buf[i] === 0xd9) {
          send(buf.slice(start, i + 1));
          start = i + 1;
        }
      }
      buf = buf.slice(start);
    }
  })();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void clients.add(self = c),
      cancel: () => void clients.delete(self),
    });
    return new Response(body, {
      headers: { "content-type": "multipart/x-mixed-replace; boundary=frame" },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    async stop() {
      try {
        proc.kill("SIGKILL");
      } catch {
        // already gone
      }
      await proc.status;
      await splitting;
      for (const c of clients) {
        try {
          c.close();
        } catch {
          // closed
        }
      }
      clients.clear();
      await server.shutdown();
    },
  };
}
