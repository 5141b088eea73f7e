/**
 * Notifications follow a settings change without a restart (real server, real Mosquitto):
 * a camera added through PUT /api/config gets its Home Assistant discovery, a removed one has
 * it cleared, and the MQTT password sent back masked still logs in.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, startVigil } from "./helpers/server.ts";
import { record, startBroker } from "./helpers/mosquitto.ts";

const DISCOVERY = (id: string) => `homeassistant/binary_sensor/vigil_${id}_motion/config`;

Deno.test({
  name:
    "[e2e] PUT /api/config: MQTT discovery follows added and removed cameras, masked password kept",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker({ users: { vigil: "mqtt-secret-1" } });
    const dir = await Deno.makeTempDir({ prefix: "vigil-config-notify-" });
    const path = join(dir, "vigil.json");
    const mqtt = {
      url: broker.url,
      username: "vigil",
      password: "mqtt-secret-1",
      homeAssistant: true,
    };
    await Deno.writeTextFile(
      path,
      JSON.stringify({ cameras: [{ id: "door", source: "demo" }], mqtt }),
    );
    const sub = await record(broker.url, ["homeassistant/#", "vigil/#"], {
      username: "vigil",
      password: "mqtt-secret-1",
    });
    const vigil = await startVigil({ source: null, args: ["--config", path] });
    try {
      await sub.waitFor((m) => m.topic === DISCOVERY("door") && m.text !== "", 15_000, "door");
      const cookie = await login(vigil.url, vigil.password);
      const put = async (file: unknown) => {
        const res = await fetch(`${vigil.url}/api/config`, {
          method: "PUT",
          headers: { cookie, origin: vigil.url, "content-type": "application/json" },
          body: JSON.stringify(file),
        });
        assert.equal(res.status, 200, await res.clone().text());
        return await res.json();
      };
      const current = await (await fetch(`${vigil.url}/api/config`, {
        headers: { cookie },
      })).json();
      assert.equal(current.mqtt.password, "********");

      // Added: discovered (the masked password still logged in to the broker).
      const mark = sub.messages.length;
      const added = await put({
        ...current,
        cameras: [...current.cameras, { id: "yard", name: "Yard", source: "demo" }],
      });
      const yard = await sub.waitFor(
        (m) => m.topic === DISCOVERY("yard") && m.text !== "",
        15_000,
        "yard's discovery",
        mark,
      );
      assert.equal(JSON.parse(sub.messages[yard].text).device_class, "motion");

      // Removed: its retained discovery is cleared, door's stays.
      const mark2 = sub.messages.length;
      await put({ ...added, cameras: [added.cameras[0]] });
      await sub.waitFor(
        (m) => m.topic === DISCOVERY("yard") && m.text === "" && m.retain === false,
        15_000,
        "yard's discovery cleared",
        mark2,
      );
      await sub.waitFor(
        (m) => m.topic === DISCOVERY("door") && m.text !== "",
        15_000,
        "door's discovery again",
        mark2,
      );
      assert.equal(JSON.parse(await Deno.readTextFile(path)).mqtt.password, "mqtt-secret-1");
      assert.doesNotMatch(vigil.output(), /mqtt-secret-1/);
    } finally {
      await vigil.close();
      await sub.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
