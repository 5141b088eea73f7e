/**
 * Random JSON through resolveConfig: it either returns a configuration or throws a ConfigError
 * whose `path` is an array and whose message starts with that path. Never another exception.
 * The PRNG is seeded (FUZZ_SEED overrides), so a failure names the case that reproduces it.
 */
import assert from "node:assert/strict";
import { ConfigError, resolveConfig, startupOptions } from "./mod.ts";
import type { StartupOptions } from "./mod.ts";
import { dottedPath } from "./errors.ts";
import { rng } from "../../tests/helpers/rng.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261203);
const SECRETS = ["hunter2-mqtt", "hunter2-hook", "hunter2-cam"];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  2.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  5e-324,
  65536,
  8000,
  100,
  101,
  3.14159,
];
const STRINGS = [
  "",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e400",
  "0x10",
  "demo",
  "rtsp://u:p@h/s",
  "mqtt://b",
  "https://x",
  "22:00",
  "person",
  "events",
  "auto",
  "__proto__",
  "constructor",
  "😀".repeat(3),
  "a".repeat(5000),
  "door",
  "\u0000",
];
const KEYS = [
  "port",
  "cameras",
  "detector",
  "minArea",
  "id",
  "source",
  "zones",
  "masks",
  "record",
  "mqtt",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "x",
  "",
];

class Fuzzer {
  constructor(readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** A random JSON value, nested up to `depth`. */
  value(depth = 4): Json {
    const kind = this.int(depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.rand() < 0.5;
      case 2:
        return this.rand() < 0.5 ? this.pick(NUMBERS) : (this.rand() - 0.5) * 10 ** this.int(12);
      case 3:
      case 4:
        return this.pick(STRINGS);
      case 5:
      case 6: {
        const obj: { [k: string]: Json } = {};
        for (let i = this.int(5); i > 0; i--) {
          Object.defineProperty(obj, this.pick(KEYS), {
            value: this.value(depth - 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return obj;
      }
      default:
        return Array.from({ length: this.int(5) }, () => this.value(depth - 1));
    }
  }

  /** A value of another JSON type than `v`. */
  otherType(v: Json): Json {
    for (;;) {
      const w = this.value(2);
      if (typeName(w) !== typeName(v)) return w;
    }
  }
}

function typeName(v: Json): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/** A valid file touching most keys (with secrets that must never show in a message). */
function validFile(): { [k: string]: Json } {
  return {
    port: 8080,
    host: "127.0.0.1",
    data: "./frames",
    retention: { maxAgeDays: 14, maxDiskMB: 1024 },
    allowedHosts: ["vigil.lan"],
    detector: {
      minArea: 0.05,
      blur: 2,
      masks: [[[0, 0], [100, 0], [100, 50]]],
      zones: [{ name: "door", polygon: [[10, 10], [50, 10], [50, 60]] }],
    },
    record: { mode: "events", preCapture: 3, width: 640, height: 360 },
    objects: { fps: 1, minScore: { person: 0.6 }, alertOn: ["person"] },
    cameras: [
      {
        id: "door",
        name: "Front door",
        source: `rtsp://admin:${SECRETS[2]}@192.168.1.20/stream`,
        width: 640,
        height: 480,
        fps: 10,
        rtspTransport: "tcp",
        inputArgs: ["-rtsp_flags", "prefer_tcp"],
        detector: { lightswitch: 40, zones: [{ name: "path", polygon: [[0, 0], [9, 0], [9, 9]] }] },
        record: { mode: "continuous" },
        objects: { enabled: true },
      },
      { id: "yard", source: "demo", passthrough: "auto", jpegQuality: 4 },
    ],
    mqtt: { url: "mqtt://broker:1883", username: "v", password: SECRETS[0] },
    webhooks: [{ url: "https://example.com/h", secret: SECRETS[1], cameras: ["door"] }],
    notify: {
      armed: true,
      timeZone: "Europe/Berlin",
      rules: [{
        cameras: ["door"],
        zones: ["door"],
        labels: ["person"],
        schedule: [{ days: ["sat", "sun"], from: "22:00", to: "06:00" }],
        cooldownSeconds: 30,
      }],
      push: { enabled: true, subject: "mailto:me@example.com" },
    },
  };
}

/** Every [container, key] in `v`, so a mutation can pick one. */
function slots(v: Json, out: [Json[] | { [k: string]: Json }, string | number][] = []) {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      out.push([v, i]);
      slots(item, out);
    });
  } else if (v !== null && typeof v === "object") {
    for (const [k, item] of Object.entries(v)) {
      out.push([v, k]);
      slots(item, out);
    }
  }
  return out;
}

function mutate(f: Fuzzer, file: { [k: string]: Json }): Json {
  const all = slots(file);
  for (let n = 1 + f.int(3); n > 0; n--) {
    const [parent, key] = f.pick(all);
    const kind = f.int(4);
    if (kind === 0) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (kind === 1) {
      (parent as Record<string | number, Json>)[key] = f.otherType(
        (parent as Record<string | number, Json>)[key],
      );
    } else if (kind === 2) {
      (parent as Record<string | number, Json>)[key] = f.value(3);
    } else {
      const target = (parent as Record<string | number, Json>)[key];
      if (Array.isArray(target)) target.push(f.value(2));
      else if (target !== null && typeof target === "object") target[f.pick(KEYS)] = f.value(2);
    }
  }
  return file;
}

const startup = startupOptions([], {}, {
  exists: () => false,
  readTextFile: () => "",
}) as StartupOptions;

/** Runs one case; returns "ok" or "error", and fails the test on anything else. */
function runCase(label: string, json: unknown): "ok" | "error" {
  const text = JSON.stringify(json) ?? String(json);
  try {
    resolveConfig(json, startup);
    return "ok";
  } catch (err) {
    const where = `${label}: ${text.slice(0, 300)}`;
    assert.ok(err instanceof ConfigError, `${where}\n  threw ${(err as Error)?.stack ?? err}`);
    assert.ok(Array.isArray(err.path), `${where}\n  no path: ${err.message}`);
    const dotted = dottedPath(err.path);
    if (dotted) {
      assert.ok(err.message.startsWith(`${dotted}: `), `${where}\n  "${err.message}" vs ${dotted}`);
    }
    assert.ok(!err.message.includes("\n"), `${where}\n  not one line: ${err.message}`);
    for (const s of SECRETS) assert.ok(!err.message.includes(s), `${where}\n  leaked ${s}`);
    return "error";
  }
}

Deno.test(`fuzz: random JSON values never crash resolveConfig (seed ${SEED})`, () => {
  const f = new Fuzzer(rng(SEED));
  const seen = { ok: 0, error: 0 };
  for (let i = 0; i < 400; i++) {
    // as it comes off the wire: through JSON text (own "__proto__" keys stay plain keys)
    const value = JSON.parse(JSON.stringify(f.value(5)));
    seen[runCase(`random case ${i}`, value)]++;
  }
  // top-level values that are no object at all
  for (const v of [null, 1, "x", [], true]) runCase("scalar", v);
  assert.ok(seen.error > 300, `most random values are refused (${JSON.stringify(seen)})`);
});

Deno.test(`fuzz: mutations of a valid config return or name the bad key (seed ${SEED})`, () => {
  assert.equal(runCase("the valid file", validFile()), "ok");
  const f = new Fuzzer(rng(SEED + 1));
  const seen = { ok: 0, error: 0 };
  for (let i = 0; i < 600; i++) {
    const json = JSON.parse(JSON.stringify(mutate(f, validFile())));
    seen[runCase(`mutation ${i}`, json)]++;
  }
  assert.ok(seen.ok > 20 && seen.error > 200, `both outcomes happen (${JSON.stringify(seen)})`);
});
