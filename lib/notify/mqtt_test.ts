import assert from "node:assert/strict";
import { parseNotifySettings } from "../config/mod.ts";
import { record, startBroker } from "../../tests/helpers/mosquitto.ts";
import { ArmedSwitch } from "./armed.ts";
import { discoveryConfigs, MqttChannel } from "./mqtt.ts";

Deno.test({
  name:
    "MqttChannel: a camera gone from the config loses its discovery and topics; armed and detect/set both ways",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const sub = await record(broker.url);
    const { mqtt } = parseNotifySettings({ mqtt: { url: broker.url } }, ["door"]);
    const armed = new ArmedSwitch(true);
    const detect = new Map([["door", true]]);
    let remembered: string[] = [];
    const ch = new MqttChannel(mqtt!, {
      cameras: [{ id: "door", name: "Door" }],
      armed,
      setDetect: (id, on) => detect.set(id, on),
      detecting: (id) => detect.get(id) ?? false,
      openCameras: () => new Set(),
      cameraState: () => "running",
      previousCameras: ["door", "garage"],
      rememberCameras: (ids) => remembered = ids,
      log: () => {},
    });
    try {
      await sub.waitFor(
        (m) => m.topic === "vigil/availability" && m.text === "online",
        5000,
        "online",
      );
      // garage: each of its four configs and its retained topics emptied
      for (const [topic] of discoveryConfigs(mqtt!, { id: "garage", name: "" })) {
        await sub.waitFor(
          (m) => m.topic === topic && m.payload.length === 0,
          5000,
          `${topic} removed`,
        );
      }
      await sub.waitFor(
        (m) => m.topic === "vigil/garage/motion" && m.payload.length === 0,
        5000,
        "garage motion",
      );
      await sub.waitFor(
        (m) => m.topic.endsWith("vigil_door_motion/config") && m.payload.length > 0,
        5000,
        "door",
      );
      await sub.waitFor(
        (m) => m.topic === "vigil/door/motion" && m.text === "OFF",
        5000,
        "door motion OFF",
      );
      assert.deepEqual(remembered, ["door"]);

      // detect/set from MQTT reaches the pipeline hook and is confirmed on P/C/detect
      let from = sub.messages.length;
      await sub.client.publishAsync("vigil/door/detect/set", "OFF");
      await sub.waitFor(
        (m) => m.topic === "vigil/door/detect" && m.text === "OFF",
        5000,
        "detect OFF",
        from,
      );
      assert.equal(detect.get("door"), false);
      await sub.client.publishAsync("vigil/nosuch/detect/set", "OFF"); // ignored

      // armed: from MQTT to the switch, and from the switch (API) to MQTT
      await sub.client.publishAsync("vigil/armed", "OFF");
      const deadline = Date.now() + 5000;
      while (armed.value && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(armed.value, false);
      from = sub.messages.length;
      armed.set(true, "api:admin");
      await sub.waitFor(
        (m) => m.topic === "vigil/armed" && m.text === "ON" && m.retain === false,
        5000,
        "armed ON",
        from,
      );
      assert.equal(ch.status().state, "connected");
    } finally {
      await ch.close();
      await sub.close();
      await broker.close();
    }
  },
});
