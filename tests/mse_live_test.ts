import assert from "node:assert/strict";
import { login } from "./helpers/server.ts";
import { childCommands } from "./helpers/procs.ts";
import { waitFor } from "./helpers/wait.ts";
import { Mp4Segmenter } from "../lib/live/mp4_boxes.ts";
import { startH264Vigil, textData, VideoClient } from "./mse_fixtures.ts";

/** The server's video relay ffmpegs (the ones muxing fragmented MP4 to a pipe), by pid. */
function relayProcesses(parent: number): Map<number, string[]> {
  return new Map(
    [...childCommands(parent)].filter(([, argv]) =>
      argv.some((a) => a.includes("frag_every_frame"))
    ),
  );
}

Deno.test("/ws?video=mse relays an H.264 camera's own video as fragmented MP4, not re-encoded", async () => {
  const { vigil, dir } = await startH264Vigil();
  try {
    const cookie = await login(vigil.url, vigil.password);
    const ws = vigil.url.replace(/^http/, "ws");
    const c = await VideoClient.open(`${ws}/ws?camera=h264&mode=live&video=mse`, cookie, vigil.url);
    const { msg: ready, index } = await c.take(
      (m) => m.kind === "text" && m.data.type === "video",
      "the video message",
    );
    const info = textData(ready);
    assert.equal(info.state, "ready", JSON.stringify(info));
    // the file is H.264 Main (4d): a re-encode with x264's defaults would say High (64)
    assert.match(String(info.codec), /^avc1\.4d[0-9a-f]{4}$/);
    assert.equal(info.mime, `video/mp4; codecs="${info.codec}"`);
    assert.deepEqual([info.width, info.height], [640, 360]);
    // the init segment comes right after it, then media fragments starting at a keyframe
    const init = c.received[index + 1];
    assert.ok(init?.kind === "video" && init.header.video === "init", "init segment follows");
    await waitFor(
      () => c.received.filter((m) => m.kind === "video" && m.header.video === "media").length >= 20,
      30_000,
      "20 media fragments",
    );
    const media = c.received.filter((m) => m.kind === "video" && m.header.video === "media");
    const first = media[0];
    assert.ok(first.kind === "video" && first.header.key === true, "starts at a keyframe");
    // the bytes are playable MP4: our segmenter reads them back as init + fragments
    const seg = new Mp4Segmenter();
    const parsed = [init, ...media].flatMap((m) => m.kind === "video" ? seg.push(m.bytes) : []);
    assert.equal(parsed[0].kind, "init");
    assert.equal(parsed.length, media.length + 1);
    // fragments' times go forward; JPEG frames stopped once the video was ready
    const times = media.map((m) => m.kind === "video" ? m.header.t! : NaN);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], `${times}`);
    assert.equal(c.received.slice(index).filter((m) => m.kind === "jpeg").length, 0);
    // a video client wants no JPEG of every frame: the capture stays on demand (a JPEG live
    // client switches it to every frame after 2 s)
    await new Promise((r) => setTimeout(r, 4000));
    const stats = await (await fetch(`${vigil.url}/api/stats`, { headers: { cookie } })).json();
    const h264 = stats.cameras.find((cam: { id: string }) => cam.id === "h264");
    assert.equal(h264.jpegMode, "on-demand");
    // ffmpeg copies the stream: -c:v copy, no encoder
    const relays = relayProcesses(vigil.pid);
    assert.equal(relays.size, 1, "one relay ffmpeg");
    const [argv] = relays.values();
    const i = argv.indexOf("-c:v");
    assert.equal(argv[i + 1], "copy");
    assert.ok(!argv.some((a) => /libx264|scale|-vf/.test(a)), argv.join(" "));
    // the relay stops a few seconds after its last client leaves
    await c.close();
    await waitFor(() => relayProcesses(vigil.pid).size === 0, 20_000, "the relay to stop");
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("/ws video=mse for the demo camera says unavailable and keeps JPEG frames; bad values are refused", async () => {
  const { vigil, dir } = await startH264Vigil();
  try {
    const cookie = await login(vigil.url, vigil.password);
    const ws = vigil.url.replace(/^http/, "ws");
    const res = await fetch(`${vigil.url}/ws?camera=demo&mode=live&video=webm`, {
      headers: { cookie, origin: vigil.url, upgrade: "websocket" },
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /video must be jpeg or mse/);

    // asked for with the mode message on a live JPEG connection
    const c = await VideoClient.open(`${ws}/ws?camera=demo&mode=live`, cookie, vigil.url);
    await c.take((m) => m.kind === "jpeg", "a JPEG frame");
    c.ws.send(JSON.stringify({ type: "mode", mode: "live", video: "vp9" }));
    const { index: e } = await c.take(
      (m) => m.kind === "text" && m.data.type === "error",
      "an error for video vp9",
    );
    assert.match(
      String(textData(c.received[e]).message),
      /jpeg or mse/,
    );
    c.ws.send(JSON.stringify({ type: "mode", mode: "live", video: "mse" }));
    const { msg: ack, index: a } = await c.take(
      (m) => m.kind === "text" && m.data.type === "mode",
      "the mode ack",
    );
    assert.equal(textData(ack).video, "mse");
    const { msg } = await c.take(
      (m) => m.kind === "text" && m.data.type === "video",
      "the video message",
      a,
    );
    const v = textData(msg);
    assert.equal(v.state, "unavailable");
    assert.match(String(v.message), /demo scene is not H\.264/);
    // JPEG frames go on
    await c.take((m) => m.kind === "jpeg", "a JPEG frame after the answer", a + 1);
    assert.equal(c.received.filter((m) => m.kind === "video").length, 0);
    assert.equal(relayProcesses(vigil.pid).size, 0, "no relay for the demo");
    await c.close();
  } finally {
    await vigil.close();
    await Deno.remove(dir, { recursive: true });
  }
});
