/** The demo scene's object seen from outside: a WebSocket client, box and JPEG checks. */
import assert from "node:assert/strict";
import { openWebSocket } from "./server.ts";
import { ffmpeg } from "../capture_helpers.ts";

export interface Received {
  texts: Record<string, unknown>[];
  frames: {
    header: { camera: string; ts: number; boxes: number[][] };
    jpeg: Uint8Array;
  }[];
}

export function openSocket(url: string, cookie: string, mode = "detect", camera?: string) {
  const query = new URLSearchParams({ mode, ...(camera ? { camera } : {}) });
  const ws = openWebSocket(`${url.replace(/^http/, "ws")}/ws?${query}`, {
    cookie,
    origin: url,
  });
  const got: Received = { texts: [], frames: [] };
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      got.texts.push(JSON.parse(e.data));
      return;
    }
    const buf = new Uint8Array(e.data as ArrayBuffer);
    const n = new DataView(buf.buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    got.frames.push({ header, jpeg: buf.subarray(4 + n) });
  };
  const opened = new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("WebSocket failed to open"));
  });
  const closed = new Promise((resolve) => ws.onclose = resolve);
  return { ws, got, opened, closed };
}

/** The demo's object, at its default 640×480: 51 px wide, 144 px tall, top at y 221. */
export function assertDemoObjectBox([x, y, w, h]: number[]) {
  assert.ok(
    Math.abs(y - 221) <= 4 && Math.abs(h - 144) <= 6 && Math.abs(w - 51) <= 8 && x >= 0,
    `box [${x},${y},${w},${h}] is not the demo object's (≈[x,221,51,144])`,
  );
}

/**
 * Decodes a JPEG with ffmpeg and finds the demo object (much brighter than wall and floor) on
 * the row through its middle: its columns must match the box within 4 px. The object moves
 * about 12 px a frame, so the JPEG of a neighbouring frame would be off.
 */
export async function assertObjectInJpeg(jpeg: Uint8Array, box: number[], what: string) {
  const gray = await ffmpeg([
    "-f",
    "mjpeg",
    "-i",
    "pipe:0",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "gray",
    "pipe:1",
  ], jpeg);
  assert.equal(gray.length, 640 * 480, `${what}: a 640×480 JPEG`);
  const row = (box[1] + (box[3] >> 1)) * 640;
  let left = -1, right = -1;
  for (let x = 0; x < 640; x++) {
    if (gray[row + x] > 165) {
      if (left < 0) left = x;
      right = x;
    }
  }
  assert.ok(left >= 0, `${what}: the object is not in the JPEG`);
  assert.ok(
    Math.abs(left - box[0]) <= 4 && Math.abs(right + 1 - (box[0] + box[2])) <= 4,
    `${what}: object at columns ${left}..${right}, box at ${box[0]}..${box[0] + box[2] - 1}`,
  );
}

export async function until(
  what: string,
  ok: () => boolean,
  ms = 20_000,
  poll?: () => Promise<void>,
) {
  const end = Date.now() + ms;
  await poll?.();
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, poll ? 200 : 50));
    await poll?.();
  }
}
