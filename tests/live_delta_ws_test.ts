/**
 * `/ws` live delta frames against the real server and its demo camera: opt-in (`delta=1` or the
 * mode message), a keyframe first for every client that joins, consecutive `seq`s after it, a
 * picture rebuilt from the deltas alone within 35 dB of the full frames a plain client gets at
 * the same time, and plain clients unchanged.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil, type VigilProcess } from "./helpers/server.ts";
import { type FrameHeader, parseFrame } from "../lib/protocol.ts";
import { decodeJpeg } from "../lib/objects/classify.ts";
import { applyAtlas, gridFor, psnr } from "../lib/live/tiles.ts";

interface Frame {
  header: FrameHeader;
  jpeg: Uint8Array;
}

/** A signed-in socket that collects binary frames and text messages. */
async function connect(vigil: VigilProcess, cookie: string, query: string) {
  const ws = openWebSocket(`${vigil.url.replace("http", "ws")}/ws?${query}`, {
    cookie,
    origin: vigil.url,
  });
  const frames: Frame[] = [];
  const texts: Record<string, unknown>[] = [];
  ws.onmessage = (e) => {
    if (typeof e.data === "string") texts.push(JSON.parse(e.data));
    else frames.push(parseFrame(new Uint8Array(e.data)));
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`could not open /ws?${query}`));
  });
  const closed = new Promise((r) => ws.onclose = r);
  return {
    ws,
    frames,
    texts,
    async close() {
      ws.close();
      await closed;
    },
  };
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("/ws delta=1: keyframe first, deltas in order, within 35 dB of the full frames", async () => {
  const vigil = await startVigil();
  try {
    const cookie = await login(vigil.url, vigil.password);
    const plain = await connect(vigil, cookie, "mode=live");
    const delta = await connect(vigil, cookie, "mode=live&delta=1");
    // 5 s of the demo (its block crosses every 11 s from 2 s on).
    await until("delta frames", () => delta.frames.length >= 70, 30_000);
    const late = await connect(vigil, cookie, "mode=live&delta=1");
    await until("the late client's frames", () => late.frames.length >= 5);
    const deltaFrames = [...delta.frames], plainFrames = [...plain.frames];
    await Promise.all([plain.close(), delta.close(), late.close()]);

    assert.ok(plainFrames.every((f) => f.header.delta === undefined), "plain clients get no delta");
    for (const stream of [deltaFrames, late.frames]) {
      assert.equal(stream[0].header.delta?.key, true, "a client's first frame is a keyframe");
      for (let i = 1; i < stream.length; i++) {
        assert.equal(stream[i].header.delta!.seq, stream[i - 1].header.delta!.seq + 1);
      }
    }
    // The late client's keyframe went to the first one too, at the same seq.
    const lateKey = late.frames[0].header.delta!.seq;
    assert.equal(deltaFrames.find((f) => f.header.delta!.seq === lateKey)?.header.delta?.key, true);

    // Rebuild the picture from the delta stream alone; compare with the plain client's frames.
    const full = new Map(plainFrames.map((f) => [f.header.ts, f.jpeg]));
    let shown: Uint8Array | null = null, compared = 0, deltas = 0, tiles = 0;
    for (const { header, jpeg } of deltaFrames) {
      const d = header.delta!;
      if (d.key) shown = new Uint8Array((await decodeJpeg(jpeg)).data);
      else if (d.tiles!.length) {
        applyAtlas(shown!, gridFor(d.width!, d.height!), d.tiles!, d.cols!, await decodeJpeg(jpeg));
        tiles += d.tiles!.length;
      }
      if (!d.key) deltas++;
      const real = full.get(header.ts);
      if (!real) continue;
      const p = psnr(shown!, (await decodeJpeg(real)).data);
      assert.ok(p >= 35, `frame ${header.ts}: PSNR ${p} dB`);
      compared++;
    }
    assert.ok(compared >= 50 && deltas >= 50 && tiles > 0, `${compared} ${deltas} ${tiles}`);
  } finally {
    await vigil.close();
  }
});

Deno.test("/ws: the mode message switches deltas on; a bad delta parameter gets 400", async () => {
  const vigil = await startVigil();
  try {
    const cookie = await login(vigil.url, vigil.password);
    const res = await fetch(`${vigil.url}/ws?mode=live&delta=yes`, {
      headers: { cookie, origin: vigil.url, upgrade: "websocket" },
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /delta must be 1 or 0/);

    const sock = await connect(vigil, cookie, "mode=detect");
    sock.ws.send(JSON.stringify({ type: "mode", mode: "live", delta: true }));
    await until("delta frames", () => sock.frames.length >= 3);
    assert.equal(sock.frames[0].header.delta?.key, true);
    sock.ws.send(JSON.stringify({ type: "mode", mode: "live", delta: false }));
    await until("the ack", () => sock.texts.filter((t) => t.type === "mode").length === 2);
    const n = sock.frames.length;
    await until("plain frames", () => sock.frames.length >= n + 3);
    assert.equal(sock.frames.at(-1)!.header.delta, undefined);
    sock.ws.send(JSON.stringify({ type: "mode", mode: "live", delta: "on" }));
    await until("the error", () => sock.texts.some((t) => t.type === "error"));
    await sock.close();
  } finally {
    await vigil.close();
  }
});
