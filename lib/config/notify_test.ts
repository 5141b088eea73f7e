import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./mod.ts";
import type { VigilConfig } from "./mod.ts";

function load(file: Record<string, unknown>): VigilConfig {
  const config = loadConfig(["--config", "v.json"], {}, {
    readTextFile: () => JSON.stringify({ cameras: [{ id: "door", source: "demo" }], ...file }),
    exists: () => false,
  });
  return config as VigilConfig;
}

function fails(file: Record<string, unknown>, message: RegExp) {
  assert.throws(() => load(file), (err: Error) => {
    assert.ok(err instanceof ConfigError, `${err}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes("\n"), "one line");
    assert.ok(!err.message.includes("hunter2"), "no secret in the message");
    return true;
  });
}

Deno.test("loadConfig() reads mqtt, webhooks and notify with their defaults", () => {
  const c = load({
    mqtt: { url: "mqtt://broker:1883", username: "v", password: "hunter2" },
    webhooks: [{ url: "https://example.com/hook", secret: "hunter2" }],
    notify: {
      rules: [{
        cameras: ["door"],
        schedule: [{ days: ["fri", "sat"], from: "22:00", to: "06:00" }],
      }],
    },
  }).notifications!;
  assert.deepEqual(c.mqtt, {
    url: "mqtt://broker:1883",
    username: "v",
    password: "hunter2",
    topicPrefix: "vigil",
    homeAssistant: true,
    discoveryPrefix: "homeassistant",
  });
  assert.deepEqual(c.webhooks[0].events, ["start", "end", "offline", "online"]);
  assert.equal(c.webhooks[0].retries, 5);
  assert.equal(c.webhooks[0].maxQueue, 50);
  assert.deepEqual(c.notify.rules[0].schedule, [{ days: [5, 6], from: 1320, to: 360 }]);
  assert.equal(c.notify.rules[0].cooldownSeconds, 60);
  assert.equal(c.notify.offlineSeconds, 60);
  assert.equal(c.notify.armed, true);
  const none = load({}).notifications!;
  assert.equal(none.mqtt, null);
  assert.deepEqual(none.webhooks, []);
  assert.equal(none.notify.rules.length, 1, "one default rule: every camera, 60 s cooldown");
});

Deno.test("loadConfig() names the bad notification setting in one line", () => {
  fails({ mqtt: { url: "http://broker" } }, /^mqtt\.url: must start with mqtt:\/\//);
  fails({ mqtt: { url: "mqtt://u:hunter2@broker" } }, /must not hold the login/);
  fails({ mqtt: { url: "mqtt://b", topicPrefix: "a/#" } }, /mqtt\.topicPrefix/);
  fails(
    { mqtt: { url: "mqtt://b", pasword: "hunter2" } },
    /^mqtt\.pasword: unknown setting "pasword" \(did you mean "password"\?\)$/,
  );
  fails({ webhooks: { url: "https://x" } }, /^webhooks: must be a list/);
  fails({ webhooks: [{ url: "ftp://x" }] }, /^webhooks\[0\]\.url: must be an http/);
  fails(
    { webhooks: [{ url: "https://x", events: ["begin"] }] },
    /^webhooks\[0\]\.events\[0\]: "begin" is not one of start, end, offline, online$/,
  );
  fails(
    { webhooks: [{ url: "https://x", cameras: ["garage"] }] },
    /^webhooks\[0\]\.cameras\[0\]: no camera has the id "garage"$/,
  );
  fails({ webhooks: [{ url: "https://x", secret: 5 }] }, /^webhooks\[0\]\.secret: must be/);
  fails(
    { notify: { rules: [{ schedule: [{ from: "25:00", to: "06:00" }] }] } },
    /^notify\.rules\[0\]\.schedule\[0\]\.from: must be a time/,
  );
  fails(
    { notify: { rules: [{ schedule: [{ from: "22:00", to: "06:00", days: ["fry"] }] }] } },
    /^notify\.rules\[0\]\.schedule\[0\]\.days\[0\]: "fry" is not one of/,
  );
  fails(
    { notify: { rules: [{ cooldownSeconds: -1 }] } },
    /^notify\.rules\[0\]\.cooldownSeconds: must be a whole number/,
  );
  fails(
    { notify: { timeZone: "Mars/Base" } },
    /^notify\.timeZone: "Mars\/Base" is not a time zone/,
  );
  fails({ notify: { push: { subject: "me" } } }, /^notify\.push\.subject: must start with mailto:/);
});
