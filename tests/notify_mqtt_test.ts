/**
 * MQTT against a real Mosquitto and the real server on the demo scene: the order of an event's
 * messages, Home Assistant discovery, `detect/set`, a broker crash (retained state restored, no
 * stale `motion ON`), a webhook that never answers (MQTT not delayed), the last will on SIGKILL,
 * and a broker that refuses the login (Vigil keeps running and says so on /api/health).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startVigil } from "./helpers/server.ts";
import { record, startBroker } from "./helpers/mosquitto.ts";
import type { Received } from "./helpers/mosquitto.ts";
import { sleep, waitFor } from "./helpers/wait.ts";

const P = "vigil";
const isOn = (m: Received, t: string, v: string) => m.topic === t && m.text === v;

/** An HTTP server that takes requests and never answers them (until closed). */
function silentReceiver() {
  const hanging: (() => void)[] = [];
  let hits = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    hits++;
    return new Promise<Response>((resolve) => hanging.push(() => resolve(new Response("late"))));
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    hits: () => hits,
    close: async () => {
      for (const h of hanging) h();
      await server.shutdown();
    },
  };
}

Deno.test({
  name: "[e2e] MQTT: event order, discovery, detect/set, broker crash, dead webhook, last will",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker({ persistence: true });
    const silent = silentReceiver();
    const dir = await Deno.makeTempDir({ prefix: "vigil-mqtt-e2e-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        detector: { eventGapMs: 1000 },
        cameras: [{ id: "door", name: "Front door", source: "demo" }],
        mqtt: { url: broker.url, topicPrefix: P, homeAssistant: true },
        webhooks: [{ url: silent.url, secret: "s3cret", timeoutMs: 60_000, retries: 0 }],
        notify: { rules: [{ cooldownSeconds: 0 }] },
      }),
    );
    const sub = await record(broker.url);
    const vigil = await startVigil({ source: null, args: ["--config", config] });
    let killed = false;
    try {
      const t = (what: string) => `${P}/door/${what}`;
      // 1. one event, in order
      const online = await sub.waitFor(
        (m) => isOn(m, `${P}/availability`, "online"),
        15_000,
        "online",
      );
      const on = await sub.waitFor(
        (m) => isOn(m, t("motion"), "ON") && !m.retain,
        30_000,
        "motion ON",
        online,
      );
      const start = await sub.waitFor(
        (m) => m.topic === t("event") && JSON.parse(m.text).type === "start",
        5000,
        "start",
        on,
      );
      const snap = await sub.waitFor((m) => m.topic === t("snapshot"), 5000, "snapshot", start);
      const off = await sub.waitFor((m) => isOn(m, t("motion"), "OFF"), 20_000, "motion OFF", snap);
      const end = await sub.waitFor(
        (m) => m.topic === t("event") && JSON.parse(m.text).type === "end",
        5000,
        "end",
        off,
      );
      assert.ok(online < on && on < start && start < snap && snap < off && off < end);
      const jpeg = sub.messages[snap].payload;
      assert.deepEqual([...jpeg.slice(0, 2)], [0xff, 0xd8], "snapshot is a JPEG");
      assert.deepEqual([...jpeg.slice(-2)], [0xff, 0xd9]);
      const s = JSON.parse(sub.messages[start].text);
      const e = JSON.parse(sub.messages[end].text);
      assert.equal(s.camera, "door");
      assert.equal(s.id, e.id);
      assert.equal(s.end, null);
      assert.ok(e.end >= e.start && e.start === s.start);
      assert.ok(e.score > 0);
      assert.deepEqual(e.labels, []);
      assert.match(e.snapshot, /^\/frames\/door\/\d{4}-\d\d-\d\d\/\d+\/\d+\.jpg$/);
      // the webhook hangs (it got the start), and the MQTT messages were not delayed by it
      assert.ok(silent.hits() >= 1, "the silent webhook was called");
      // (an end is known only eventGapMs = 1 s after its last frame, its `ts`)
      for (const [i, limit] of [[start, 1000], [end, 2000]]) {
        const m = sub.messages[i];
        const lag = m.at - JSON.parse(m.text).ts;
        assert.ok(lag < limit, `event message ${lag} ms after its frame`);
      }

      // 2. discovery: retained, parseable, naming the topics above
      const fresh = await record(broker.url, ["homeassistant/#"]);
      await fresh.waitFor((m) => m.topic.endsWith("vigil_door_state/config"), 5000, "discovery");
      await sleep(200);
      const configs = new Map(fresh.messages.map((m) => [m.topic, JSON.parse(m.text)]));
      await fresh.close();
      const motionCfg = configs.get("homeassistant/binary_sensor/vigil_door_motion/config");
      assert.equal(motionCfg.state_topic, t("motion"));
      assert.equal(motionCfg.device_class, "motion");
      assert.equal(motionCfg.availability_topic, `${P}/availability`);
      assert.equal(motionCfg.device.name, "Front door");
      assert.equal(
        configs.get("homeassistant/image/vigil_door_snapshot/config").image_topic,
        t("snapshot"),
      );
      const sw = configs.get("homeassistant/switch/vigil_door_detect/config");
      assert.equal(sw.command_topic, t("detect/set"));
      assert.equal(sw.state_topic, t("detect"));
      assert.equal(
        configs.get("homeassistant/sensor/vigil_door_state/config").state_topic,
        t("state"),
      );
      assert.ok(fresh.messages.every((m) => m.retain));

      // 3. detect/set OFF: no event for a whole demo period (11 s); ON: events again
      let from = sub.messages.length;
      await sub.client.publishAsync(t("detect/set"), "OFF");
      await sub.waitFor((m) => isOn(m, t("detect"), "OFF"), 5000, "detect OFF", from);
      // an event open at this moment ends; then nothing may start
      await sleep(1500);
      from = sub.messages.length;
      await sleep(12_000);
      assert.ok(
        !sub.messages.slice(from).some((m) => isOn(m, t("motion"), "ON")),
        "no motion while detection is off",
      );
      await sub.client.publishAsync(t("detect/set"), "ON");
      const again = await sub.waitFor(
        (m) => isOn(m, t("motion"), "ON"),
        20_000,
        "motion ON after detect ON",
        from,
      );

      // 4. the broker crashes while motion is ON and comes back after the event ended: the
      //    retained motion is the truth again (not the broker's saved ON)
      assert.ok(again >= 0);
      await sleep(1200); // the broker saves its retained messages every second
      await broker.stop("SIGKILL");
      await sleep(7000); // the event ends (crossing 4 s + gap 1 s) while the broker is down
      const crashed = Date.now();
      await broker.restart();
      // subscribe once Vigil has reconnected (and so republished): the broker's saved retained
      // values from before the crash would otherwise be what this subscriber sees first
      await waitFor(
        async () => {
          const h = await (await fetch(`${vigil.url}/api/health`)).json();
          return h.mqtt?.state === "connected" && h.mqtt.since > crashed;
        },
        20_000,
        "Vigil reconnected to the broker",
      );
      const after = await record(broker.url, [`${P}/#`]);
      await after.waitFor(
        (m) => isOn(m, `${P}/availability`, "online"),
        20_000,
        "online after restart",
      );
      await after.waitFor((m) => m.topic === t("state") && m.text === "running", 5000, "state");
      await after.waitFor((m) => m.topic === t("snapshot"), 5000, "snapshot after restart");
      // the value after the reconnect, then the next change: they must differ
      const motion = after.on(t("motion"));
      const current = motion.at(-1)!.text;
      const n = after.messages.length;
      const next = await after.waitFor(
        (m) => m.topic === t("motion") && !m.retain,
        20_000,
        "next motion change",
        n,
      );
      assert.notEqual(
        after.messages[next].text,
        current,
        `stale motion ${current} after reconnect`,
      );
      await after.close();

      // 5. the last will: SIGKILL says offline
      const mark = sub.messages.length;
      Deno.kill(vigil.pid, "SIGKILL");
      killed = true;
      await sub.waitFor((m) => isOn(m, `${P}/availability`, "offline"), 10_000, "last will", mark);
    } finally {
      await sub.close();
      if (!killed) await vigil.close();
      else await vigil.close().catch(() => {});
      await silent.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "[e2e] MQTT: a broker refusing the login does not stop Vigil; /api/health says refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker({ users: { vigil: "right-password" } });
    const dir = await Deno.makeTempDir({ prefix: "vigil-mqtt-refused-" });
    const config = join(dir, "vigil.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        cameras: [{ id: "door", source: "demo" }],
        mqtt: { url: broker.url, username: "vigil", password: "wrong-password-xyz" },
      }),
    );
    const vigil = await startVigil({ source: null, args: ["--config", config] });
    try {
      await waitFor(
        async () => {
          const h = await (await fetch(`${vigil.url}/api/health`)).json();
          return h.mqtt?.state === "refused";
        },
        15_000,
        "mqtt refused on /api/health",
      );
      const h = await (await fetch(`${vigil.url}/api/health`)).json();
      assert.equal(h.cameras[0].id, "door");
      assert.ok(!JSON.stringify(h).includes("wrong-password-xyz"));
      assert.ok(!vigil.output().includes("wrong-password-xyz"), "the password is never logged");
      assert.match(vigil.output(), /mqtt refused/);
    } finally {
      await vigil.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
