import assert from "node:assert/strict";
import { join } from "node:path";
import { runUserCli } from "./user.ts";

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      readPassword: () => Promise.resolve("never-asked-for"),
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env: (name: string) => env[name],
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("runUserCli() refuses a --data folder without vigil.db (exit 2, one line) and creates nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-user-" });
  try {
    for (
      const args of [
        ["list", "--data", dir],
        ["add", "alice", "--data", dir],
        ["remove", "bob", `--data=${dir}`],
        ["list", "--data", join(dir, "missing")],
      ]
    ) {
      const t = io();
      assert.equal(await runUserCli(args, t.io), 2, args.join(" "));
      const d = args.includes("--data") ? args[args.indexOf("--data") + 1] : dir;
      assert.deepEqual(t.err, [
        `no Vigil database in ${d} (start Vigil once with --data ${d} first)`,
      ]);
      assert.deepEqual(t.out, []);
    }
    // VIGIL_DATA is checked the same way
    const t = io({ VIGIL_DATA: dir });
    assert.equal(await runUserCli(["list"], t.io), 2);
    assert.match(t.err[0], /^no Vigil database in /);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no database was created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[e2e] deno task user list --data DIR without a database says so and exits 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-user-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "user", "list", "--data", dir],
      cwd: new URL("./", import.meta.url),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2, stderr);
    assert.equal(stderr, `no Vigil database in ${dir} (start Vigil once with --data ${dir} first)`);
    assert.equal(new TextDecoder().decode(out.stdout), "");
    assert.equal(await exists(join(dir, "vigil.db")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
