/**
 * Objects end to end (issue 12), on the real server (`main.ts`) with the real model: motion
 * messages, events, frames and the history gain labels; a broken model file is one line at
 * start and motion goes on without labels.
 */
import assert from "node:assert/strict";
import { login, openWebSocket, startVigil } from "./helpers/server.ts";

const VTEST = new URL("../../shared/data/vtest.avi", import.meta.url);

/** Messages of one WebSocket until `until` says stop (or `ms` passes). */
async function collect(
  url: string,
  cookie: string,
  until: (msgs: Record<string, unknown>[], frames: Record<string, unknown>[]) => boolean,
  ms: number,
): Promise<{ msgs: Record<string, unknown>[]; frames: Record<string, unknown>[] }> {
  const ws = openWebSocket(`${url.replace(/^http/, "ws")}/ws?mode=detect`, {
    cookie,
    origin: url,
  });
  const msgs: Record<string, unknown>[] = [];
  const frames: Record<string, unknown>[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const timer = setTimeout(resolve, ms);
  ws.onmessage = (e) => {
    if (typeof e.data === "string") msgs.push(JSON.parse(e.data));
    else {
      const buf = new Uint8Array(e.data as ArrayBuffer);
      const n = new DataView(buf.buffer).getUint32(0);
      frames.push(JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n))));
    }
    if (until(msgs, frames)) resolve();
  };
  await promise;
  clearTimeout(timer);
  const closed = new Promise((r) => ws.onclose = r);
  ws.close();
  await closed;
  return { msgs, frames };
}

Deno.test({
  name: "[e2e] a broken model file is one line at start; motion events still arrive",
  ignore: !(await Deno.stat("/usr/bin/ffmpeg").catch(() => null)),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vigil-objects-" });
    await Deno.writeTextFile(`${dir}/model.json`, '{"modelTopology": {}, "weightsManifest": [');
    await Deno.writeTextFile(
      `${dir}/vigil.json`,
      JSON.stringify({
        objects: { model: `${dir}/model.json`, alertOn: ["person"] },
        cameras: [{ id: "cam1", source: "demo" }],
      }),
    );
    const vigil = await startVigil({ source: null, args: ["--config", `${dir}/vigil.json`] });
    try {
      const cookie = await login(vigil.url, vigil.password);
      const { msgs } = await collect(
        vigil.url,
        cookie,
        (m) => m.some((x) => x.type === "motion"),
        20_000,
      );
      const motion = msgs.find((m) => m.type === "motion");
      assert.ok(motion, `no motion message: ${JSON.stringify(msgs.map((m) => m.type))}`);
      assert.deepEqual(motion.labels, []);
      const lines = vigil.output().split("\n").filter((l) => l.includes("objects off"));
      assert.equal(lines.length, 1, vigil.output());
      assert.match(
        lines[0],
        /^vigil: objects off: cannot load the object model .*model\.json: not valid JSON \(motion detection goes on\)$/,
      );
      const stats = await (await fetch(`${vigil.url}/api/stats`, { headers: { cookie } })).json();
      assert.equal(stats.objects.state, "off");
      assert.match(stats.objects.error, /not valid JSON/);
      // Without a model the alarm page rings on any motion (alertOn needs labels).
      const alarm = await (await fetch(`${vigil.url}/alarm`, { headers: { cookie } })).text();
      assert.ok(alarm.includes('"name":"cam1"') && !alarm.includes("alertOn"), "alertOn ignored");
    } finally {
      await vigil.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "[e2e] people walking: motion messages, events, frames and the history carry person",
  ignore: !(await Deno.stat(VTEST).catch(() => null)),
  async fn() {
    const vigil = await startVigil({ source: VTEST.pathname });
    try {
      const cookie = await login(vigil.url, vigil.password);
      const { msgs, frames } = await collect(
        vigil.url,
        cookie,
        (m, f) =>
          m.some((x) => x.type === "motion" && (x.labels as string[])?.includes("person")) &&
          f.some((x) => Array.isArray(x.objects) && x.objects.length > 0),
        30_000,
      );
      const labelled = msgs.find((m) =>
        m.type === "motion" && (m.labels as string[])?.includes("person")
      );
      assert.ok(labelled, vigil.output());
      // A frame may carry `objects: []` (classified, nothing found yet): find one with a label.
      const framed = frames.find((f) => Array.isArray(f.objects) && f.objects.length > 0);
      assert.ok(framed, "no frame carried objects");
      const obj = (framed.objects as { label: string; score: number; box: number[] }[])[0];
      assert.equal(obj.label, "person");
      assert.ok(obj.score >= 0.5 && obj.box.length === 4);

      const api = (path: string) =>
        fetch(`${vigil.url}${path}`, { headers: { cookie } }).then((r) => r.json());
      const events = await api("/api/events?label=person");
      assert.ok(events.length >= 1, JSON.stringify(events));
      assert.ok(events[0].labels.includes("person"));
      assert.equal(events[0].alert, true);
      assert.deepEqual(await api("/api/events?label=cat"), []);
      const bad = await fetch(`${vigil.url}/api/events?label=unicorn`, { headers: { cookie } });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /label must be one of person/);
      const stored = await api(`/api/events/${events[0].id}/frames`);
      assert.ok(stored.some((f: { objects?: unknown[] }) => f.objects?.length), "no objects");
      const page = await (await fetch(`${vigil.url}/history?label=person`, { headers: { cookie } }))
        .text();
      assert.ok(page.includes('class="tag tag-label">person</span>'), "no label tag");
      assert.ok(page.includes(`/history/${events[0].id}`));
      const none = await (await fetch(`${vigil.url}/history?label=bird`, { headers: { cookie } }))
        .text();
      assert.ok(none.includes("No events with a bird stored"));
      const { objects } = await api("/api/stats");
      assert.equal(objects.state, "on");
      assert.equal(objects.model, "nanodet-416");
      assert.ok(objects.counters.classified >= 1 && objects.counters.failed === 0);
    } finally {
      await vigil.close();
    }
  },
});
