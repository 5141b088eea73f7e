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
