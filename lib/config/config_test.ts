import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./mod.ts";
import type { LoadDeps, VigilConfig } from "./mod.ts";

function deps(
  files: Record<string, string> = {},
  devices: string[] = [],
): LoadDeps {
  return {
    readTextFile(path) {
      if (!(path in files)) {
        throw new Deno.errors.NotFound(`no such file ${path}`);
      }
      return files[path];
    },
    exists: (path) => path in files || devices.includes(path),
  };
}

function load(args: string[], env = {}, d = deps()): VigilConfig {
  const config = loadConfig(args, env, d);
  assert.notEqual(config, "help");
  return config as VigilConfig;
}

Deno.test("loadConfig() uses the contract's defaults", () => {
  const config = load([]);
  assert.equal(config.port, 8000);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.data, "./frames");
  assert.equal(config.cameras.length, 1);
  assert.equal(config.cameras[0].source, "demo");
  assert.equal(config.cameras[0].id, "cam1");
});

Deno.test("loadConfig() prefers /dev/video0 when it exists", () => {
  assert.equal(
    load([], {}, deps({}, ["/dev/video0"])).cameras[0].source,
    "/dev/video0",
  );
});

Deno.test("loadConfig() takes flags over env over the file", () => {
  const file = JSON.stringify({ port: 1, host: "h-file", data: "d-file" });
  const d = deps({ "v.json": file });
  const env = { PORT: "2", HOST: "h-env", VIGIL_CONFIG: "v.json" };
  const config = load(["--port", "3"], env, d);
  assert.equal(config.port, 3);
  assert.equal(config.host, "h-env");
  assert.equal(config.data, "d-file");
});

Deno.test("loadConfig() reads several cameras from the file", () => {
  const file = JSON.stringify({
    cameras: [
      { id: "door", name: "Front door", source: "rtsp://x/y", fps: 10 },
      { id: "garage", source: "/dev/video1", inputFormat: "mjpeg" },
    ],
  });
  const config = load(["--config", "v.json"], {}, deps({ "v.json": file }));
  assert.deepEqual(config.cameras.map((c) => c.id), ["door", "garage"]);
  assert.equal(config.cameras[0].name, "Front door");
  assert.equal(config.cameras[0].fps, 10);
  assert.equal(config.cameras[1].name, "garage");
  assert.deepEqual(config.cameras[1].capture, { inputFormat: "mjpeg" });
});

Deno.test("loadConfig() --source replaces the file's cameras with one", () => {
  const file = JSON.stringify({
    cameras: [{ id: "a", source: "demo" }, { id: "b", source: "demo" }],
  });
  const config = load(
    ["--config", "v.json", "--source", "x.mp4"],
    {},
    deps({ "v.json": file }),
  );
  assert.equal(config.cameras.length, 1);
  assert.equal(config.cameras[0].source, "x.mp4");
});

Deno.test("loadConfig() accepts the '--' that `deno task start -- FLAGS` passes on", () => {
  assert.equal(load(["--", "--port", "9"]).port, 9);
});

Deno.test("loadConfig() returns 'help' for --help", () => {
  assert.equal(loadConfig(["--help"], {}, deps()), "help");
});

Deno.test("loadConfig() rejects bad input with a clear ConfigError", () => {
  const cases: [
    string[],
    Record<string, string>,
    Record<string, string>,
    RegExp,
  ][] = [
    [["--frobnicate"], {}, {}, /frobnicate/],
    [["--port", "http"], {}, {}, /--port must be a whole number/],
    [["--port", "70000"], {}, {}, /--port/],
    [["stray"], {}, {}, /stray|positional/i],
    [
      ["--config", "missing.json"],
      {},
      {},
      /Cannot read config file missing.json/,
    ],
    [["--config", "bad.json"], {}, { "bad.json": "{" }, /not valid JSON/],
    [
      ["--config", "arr.json"],
      {},
      { "arr.json": "[]" },
      /must hold a JSON object/,
    ],
    [["--config", "c.json"], {}, {
      "c.json": JSON.stringify({ cameras: [{ id: "Bad Id", source: "demo" }] }),
    }, /cameras\[0\]\.id: must be 1-32 characters/],
    [["--config", "c.json"], {}, {
      "c.json": JSON.stringify({ cameras: [{ id: "a" }] }),
    }, /cameras\[0\]\.source: must be a string/],
    [["--config", "c.json"], {}, {
      "c.json": JSON.stringify({
        cameras: [{ id: "a", source: "demo" }, { id: "a", source: "demo" }],
      }),
    }, /cameras\[1\]\.id: camera id "a" is used twice/],
    [["--config", "c.json"], {}, {
      "c.json": JSON.stringify({
        cameras: [{ id: "a", source: "demo", fps: "fast" }],
      }),
    }, /cameras\[0\]\.fps: must be a whole number between 1 and 120/],
    [["--config", "c.json"], {}, {
      "c.json": JSON.stringify({ cameras: [{ id: "a", source: "demo", fsp: 10 }] }),
    }, /cameras\[0\]\.fsp: unknown setting "fsp" \(did you mean "fps"\?\)$/],
  ];
  for (const [args, env, files, message] of cases) {
    assert.throws(() => loadConfig(args, env, deps(files)), (err: Error) => {
      assert.ok(err instanceof ConfigError, `${args.join(" ")}: ${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
});

Deno.test("loadConfig() refuses unknown keys, bad cameras, data and host in the file", () => {
  const cases: [unknown, RegExp][] = [
    [
      { retension: { maxAgeDays: 1 } },
      /^retension: unknown setting "retension" \(did you mean "retention"\?\)$/,
    ],
    [{ frobnicate: 1 }, /^frobnicate: unknown setting "frobnicate" \(known: port, /],
    [
      { retention: { maxAgeDay: 1 } },
      /^retention\.maxAgeDay: unknown setting "maxAgeDay" \(did you mean "maxAgeDays"\?\)$/,
    ],
    [{ retention: [] }, /^retention: must be an object/],
    [{ cameras: { id: "a", source: "demo" } }, /^cameras: must be a non-empty list/],
    [{ cameras: [] }, /^cameras: must be a non-empty list/],
    [{ cameras: "demo" }, /^cameras: must be a non-empty list/],
    [{ data: {} }, /^data: must be a non-empty string$/],
    [{ data: "" }, /^data: must be a non-empty string$/],
    [{ data: 7 }, /^data: must be a non-empty string$/],
    [{ host: 127001 }, /^host: must be a non-empty string$/],
    [{ host: "" }, /^host: must be a non-empty string$/],
    [{ allowedHosts: "vigil.lan" }, /^allowedHosts: must be a list of host names/],
    [
      { allowedHosts: ["ok.lan", "bad host/"] },
      /^allowedHosts\[1\]: "bad host\/" is not a host name/,
    ],
  ];
  for (const [file, message] of cases) {
    assert.throws(
      () => loadConfig(["--config", "c.json"], {}, deps({ "c.json": JSON.stringify(file) })),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, `${JSON.stringify(file)}: ${err}`);
        assert.match(err.message, message);
        return true;
      },
      JSON.stringify(file),
    );
  }
  // A source on the command line does not hide a broken cameras list either.
  assert.throws(
    () =>
      loadConfig(
        ["--config", "c.json", "--source", "demo"],
        {},
        deps({ "c.json": JSON.stringify({ cameras: {} }) }),
      ),
    /cameras: must be a non-empty list/,
  );
  assert.throws(() => loadConfig(["--data", ""], {}, deps()), /--data must be a folder/);
  assert.throws(() => loadConfig([], { HOST: "" }, deps()), /--host must be an address/);
  const ok = load(
    ["--config", "c.json"],
    {},
    deps({
      "c.json": JSON.stringify({
        allowedHosts: ["Vigil.Example.com"],
        record: { mode: "off" },
        mqtt: { url: "mqtt://broker:1883" },
      }),
    }),
  );
  assert.deepEqual(ok.allowedHosts, ["vigil.example.com"]);
});

Deno.test("loadConfig() reads the connection limits from the environment", () => {
  const c = load([], {
    VIGIL_MAX_CONNECTIONS: "40",
    VIGIL_MAX_CONNECTIONS_PER_ADDRESS: "8",
    VIGIL_HEADER_TIMEOUT_MS: "500",
    VIGIL_IDLE_TIMEOUT_MS: "1000",
  });
  assert.deepEqual(c.connections, {
    maxConnections: 40,
    maxPerAddress: 8,
    headerTimeoutMs: 500,
    idleTimeoutMs: 1000,
  });
  assert.throws(() => load([], { VIGIL_MAX_CONNECTIONS: "lots" }), /VIGIL_MAX_CONNECTIONS must/);
  assert.throws(() => load([], { VIGIL_IDLE_TIMEOUT_MS: "0" }), /VIGIL_IDLE_TIMEOUT_MS must/);
});

Deno.test("loadConfig() reads objects at the top level, merged with each camera's own", () => {
  const file = JSON.stringify({
    objects: { fps: 1, alertOn: ["person"], model: "/m/nanodet.json" },
    cameras: [
      { id: "door", source: "demo" },
      { id: "yard", source: "demo", objects: { enabled: false, minScore: { dog: 0.7 } } },
    ],
  });
  const config = load(["--config", "v.json"], {}, deps({ "v.json": file }));
  assert.equal(config.objectModel, "/m/nanodet.json");
  const [door, yard] = config.cameras;
  assert.equal(door.objects?.enabled, true);
  assert.equal(door.objects?.fps, 1);
  assert.deepEqual(door.objects?.alertOn, ["person"]);
  assert.equal(yard.objects?.enabled, false);
  assert.equal(yard.objects?.fps, 1);
  assert.equal(yard.objects?.minScore.dog, 0.7);
  assert.equal(load([]).cameras[0].objects?.fps, 2);
  const bad = (json: unknown, re: RegExp) =>
    assert.throws(
      () => load(["--config", "v.json"], {}, deps({ "v.json": JSON.stringify(json) })),
      (err: Error) => err instanceof ConfigError && re.test(err.message),
    );
  bad({ objects: { fps: -1 } }, /^objects\.fps: must be a number above 0/);
  bad(
    { objects: { alertOn: ["ghost"] } },
    /^objects\.alertOn\[0\]: "ghost" is not one of person, /,
  );
  bad(
    { cameras: [{ id: "a", source: "demo", objects: { model: "x.json" } }] },
    /^cameras\[0\]\.objects\.model: unknown key "model"/,
  );
  bad(
    { cameras: [{ id: "a", source: "demo", objects: { enable: true } }] },
    /unknown key "enable"/,
  );
});

Deno.test("loadConfig() reads DATA/vigil.json without --config and names what the flags override", () => {
  const file = JSON.stringify({ port: 9000, retention: { maxAgeDays: 7 } });
  const config = load(["--data", "/d", "--port", "8100"], {}, deps({ "/d/vigil.json": file }));
  assert.equal(config.startup.configPath, "/d/vigil.json");
  assert.equal(config.startup.configGiven, false);
  assert.equal(config.port, 8100, "the flag wins");
  assert.equal(config.retention.maxAgeDays, 7);
  assert.deepEqual(config.file, { port: 9000, retention: { maxAgeDays: 7 } });
  assert.deepEqual(config.overrides, [{ path: "port", by: "--port / PORT" }, {
    path: "data",
    by: "--data / VIGIL_DATA",
  }]);
  // no file there: defaults, and it is where settings will be written
  assert.equal(load(["--data", "/e"]).startup.configPath, "/e/vigil.json");
});

Deno.test("a bad key's ConfigError carries its path", () => {
  try {
    load(["--config", "c.json"], {}, deps({ "c.json": '{"retention":{"maxAge":1}}' }));
    assert.fail("no error");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.path, ["retention", "maxAge"]);
  }
});
