/**
 * First start with an unusable VIGIL_ADMIN_PASSWORD: main.ts must stop with one line saying
 * what is wrong and what to do, and exit code 2 (as for a bad flag), never a stack trace, and
 * never echo the password.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

async function startWith(password: string): Promise<{ code: number; stderr: string }> {
  const data = await Deno.makeTempDir({ prefix: "vigil-startup-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "--port", "0", "--host", "127.0.0.1", "--data", data],
      cwd: ROOT,
      env: { VIGIL_ADMIN_PASSWORD: password, VIGIL_SOURCE: "demo" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // It must stop on its own; if it serves instead, stop it so the test fails cleanly.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const out = await child.output();
    clearTimeout(timer);
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(data, { recursive: true });
  }
}

Deno.test("[security] a too-short VIGIL_ADMIN_PASSWORD stops the first start with one line and exit code 2", async () => {
  const { code, stderr } = await startWith("abc1234");
  assert.equal(code, 2, stderr);
  assert.equal(
    stderr.trim(),
    "vigil: VIGIL_ADMIN_PASSWORD is too short: at least 8 characters " +
      "(choose another, or unset it to have one generated)",
  );
  assert.ok(!stderr.includes("abc1234"), "the password is not echoed");
});

/** Runs main.ts with `args` (and a fresh data folder) and returns its exit code and stderr. */
async function run(args: string[], files: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "vigil-startup-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "main.ts",
        "--data",
        `${dir}/data`,
        ...args.map((a) => a.replace("$DIR", dir)),
      ],
      cwd: ROOT,
      env: { VIGIL_ADMIN_PASSWORD: "a-good-password", VIGIL_SOURCE: "demo" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const out = await child.output();
    clearTimeout(timer);
    const created = await Deno.stat(`${dir}/data`).then(() => true, () => false);
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr), created };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("[security] a busy port, a bad address and bad config values stop the start with one line and exit code 2", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = String(busy.addr.port);
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ["--host", "127.0.0.1", "--port", port],
        {},
        /^vigil: Cannot listen on 127\.0\.0\.1 port \d+: the port is in use/,
      ],
      [
        ["--host", "999.1.1.1", "--port", "0"],
        {},
        /^vigil: Cannot listen on 999\.1\.1\.1 port 0: .*--host/,
      ],
      [
        ["--host", "192.0.2.123", "--port", "0"],
        {},
        /^vigil: Cannot listen on 192\.0\.2\.123 port 0: /,
      ],
      [
        ["--config", "$DIR/c.json"],
        { "c.json": '{"host": 127001}' },
        /^vigil: host: must be a non-empty string$/,
      ],
      [
        ["--config", "$DIR/c.json"],
        { "c.json": '{"retension": {}}' },
        /^vigil: retension: unknown setting "retension" \(did you mean "retention"\?\)$/,
      ],
      [
        ["--config", "$DIR/c.json"],
        { "c.json": '{"cameras": {}}' },
        /^vigil: cameras: must be a non-empty list/,
      ],
      [
        ["--config", "$DIR/c.json"],
        { "c.json": '{"data": {}}' },
        /^vigil: data: must be a non-empty string$/,
      ],
    ];
    for (const [args, files, message] of cases) {
      const { code, stderr, created } = await run(args, files);
      assert.equal(code, 2, `${args.join(" ")} ${JSON.stringify(files)}: ${stderr}`);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.match(stderr.trim(), message);
      assert.ok(!created, "nothing was created before the start failed");
    }
  } finally {
    busy.close();
  }
});

Deno.test("[security] an unhandled accept-type rejection is logged and the process keeps running", async () => {
  const script = (message: string) =>
    `import { keepAliveOnUnhandledRejections } from "./main.ts";
     keepAliveOnUnhandledRejections();
     Promise.reject(new Error(${JSON.stringify(message)}));
     await new Promise((r) => setTimeout(r, 200));
     console.log("still alive");`;
  const eval_ = async (message: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script(message)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  };
  const emfile = await eval_("Http: Too many open files (os error 24)");
  assert.equal(emfile.code, 0, emfile.stderr);
  assert.match(emfile.stdout, /still alive/);
  assert.match(emfile.stderr, /vigil: network error \(still serving\): .*Too many open files/);
  const bug = await eval_("a real bug");
  assert.equal(bug.code, 1, "any other unhandled rejection still ends the process");
  assert.match(bug.stderr, /a real bug/);
});
