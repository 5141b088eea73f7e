import assert from "node:assert/strict";
import { maskSecrets, SECRET_MASK, unmaskSecrets } from "./secrets.ts";

const stored = {
  port: 8000,
  mqtt: { url: "mqtt://broker:1883", username: "v", password: "hunter2" },
  webhooks: [
    { url: "https://a.example/hook", secret: "s3cret-a" },
    { url: "https://b.example/hook" },
    { url: "https://c.example/hook", secret: "s3cret-c" },
  ],
  cameras: [
    { id: "door", source: "rtsp://admin:p@ss:w0rd@192.168.1.20:554/stream?x=1" },
    { id: "yard", source: "rtsp://192.168.1.21:554/stream" },
    { id: "demo", source: "demo" },
    { id: "web", source: "http://viewer:pw@cam.lan/mjpg/video.mjpg" },
  ],
};

Deno.test("maskSecrets() hides the mqtt password, webhook secrets and source passwords", () => {
  const masked = maskSecrets(stored);
  assert.equal(masked.mqtt.password, SECRET_MASK);
  assert.equal(masked.mqtt.username, "v");
  assert.equal(masked.webhooks[0].secret, SECRET_MASK);
  assert.equal("secret" in masked.webhooks[1], false, "no secret: nothing is added");
  assert.equal(masked.cameras[0].source, `rtsp://admin:${SECRET_MASK}@192.168.1.20:554/stream?x=1`);
  assert.equal(masked.cameras[1].source, "rtsp://192.168.1.21:554/stream", "a port is no password");
  assert.equal(masked.cameras[2].source, "demo");
  assert.equal(masked.cameras[3].source, `http://viewer:${SECRET_MASK}@cam.lan/mjpg/video.mjpg`);
  const text = JSON.stringify(masked);
  for (const secret of ["hunter2", "s3cret-a", "s3cret-c", "p@ss:w0rd", ":pw@"]) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.equal(stored.mqtt.password, "hunter2", "the stored file is not changed");
  assert.deepEqual(maskSecrets({}), {});
  assert.equal(maskSecrets(null), null);
});

Deno.test("unmaskSecrets() restores masked values sent back, and only those", () => {
  const back = unmaskSecrets(maskSecrets(stored), stored);
  assert.deepEqual(back, stored, "a masked file sent back unchanged is the stored file");

  const edited = maskSecrets(stored);
  edited.mqtt.password = "new-password";
  edited.webhooks[2].url = "https://d.example/hook"; // another url: the secret is not carried over
  edited.cameras[3].source = `http://viewer:${SECRET_MASK}@other.lan/mjpg/video.mjpg`;
  const out = unmaskSecrets(edited, stored);
  assert.equal(out.mqtt.password, "new-password");
  assert.equal(out.webhooks[0].secret, "s3cret-a");
  assert.equal(out.webhooks[2].secret, SECRET_MASK);
  assert.equal(out.cameras[0].source, stored.cameras[0].source);
  assert.equal(out.cameras[3].source, `http://viewer:${SECRET_MASK}@other.lan/mjpg/video.mjpg`);
});

Deno.test("unmaskSecrets() matches cameras by id, webhooks by url", () => {
  const sent = maskSecrets(stored);
  sent.cameras.reverse(); // order changed: still matched by id
  sent.webhooks.reverse(); // order changed (one above removed, …): matched by url
  const out = unmaskSecrets(sent, stored);
  assert.equal(out.cameras.find((c) => c.id === "door")!.source, stored.cameras[0].source);
  assert.equal(out.webhooks[0].secret, "s3cret-c");
  assert.equal(out.webhooks[2].secret, "s3cret-a");
  // a secret never moves to another url
  const moved = unmaskSecrets(
    { webhooks: [{ url: "https://evil.example/", secret: SECRET_MASK }] },
    stored,
  );
  assert.equal(moved.webhooks[0].secret, SECRET_MASK);
  // a new camera with a masked password gets nothing
  const added = unmaskSecrets({
    cameras: [{ id: "new", source: `rtsp://admin:${SECRET_MASK}@192.168.1.20:554/stream?x=1` }],
  }, stored);
  assert.equal(added.cameras[0].source, `rtsp://admin:${SECRET_MASK}@192.168.1.20:554/stream?x=1`);
  // garbage in, no exception
  assert.deepEqual(unmaskSecrets({ cameras: "x", webhooks: {}, mqtt: 5 }, { cameras: [1] }), {
    cameras: "x",
    webhooks: {},
    mqtt: 5,
  });
  assert.equal(unmaskSecrets("x", stored), "x");
});
