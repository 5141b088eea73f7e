import assert from "node:assert/strict";
import { ClientRegistry } from "./mod.ts";
import type { ClientInfo } from "./mod.ts";

function client(id: string, since: number): ClientInfo {
  return {
    id,
    user: "alice",
    address: "192.0.2.1",
    userAgent: "test",
    since,
    mode: "detect",
    camera: "cam1",
  };
}

Deno.test("ClientRegistry adds, updates, lists (oldest first) and removes clients", () => {
  const reg = new ClientRegistry();
  reg.add(client("b", 20));
  reg.add(client("a", 10));
  assert.deepEqual(reg.list().map((c) => c.id), ["a", "b"]);
  reg.update("b", { mode: "live", camera: "cam2" });
  assert.equal(reg.get("b")?.mode, "live");
  assert.equal(reg.get("b")?.camera, "cam2");
  reg.update("gone", { mode: "off" }); // a client that just left: ignored
  reg.remove("a");
  reg.remove("a");
  assert.deepEqual(reg.list().map((c) => c.id), ["b"]);
  assert.equal(reg.size, 1);
});

Deno.test("ClientRegistry refuses duplicate ids and hands out copies", () => {
  const reg = new ClientRegistry();
  const info = client("x", 1);
  reg.add(info);
  assert.throws(() => reg.add(client("x", 2)), RangeError);
  assert.throws(() => reg.add(client("", 2)), RangeError);
  info.mode = "off"; // the caller's object is not the stored one
  reg.list()[0].mode = "live"; // nor is a listed one
  assert.equal(reg.get("x")?.mode, "detect");
});
