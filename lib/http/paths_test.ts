import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { resolveInside, safeJoin } from "./paths.ts";

const ROOT = "/srv/vigil/frames";

Deno.test("safeJoin() accepts plain relative paths inside the root", () => {
  assert.equal(
    safeJoin(ROOT, "cam1/2026-11-22/7/1700.jpg"),
    join(ROOT, "cam1/2026-11-22/7/1700.jpg"),
  );
  assert.equal(safeJoin(ROOT, "a%20b.jpg"), join(ROOT, "a b.jpg"));
  assert.equal(safeJoin(ROOT + "/", "x.jpg"), join(ROOT, "x.jpg"));
  assert.equal(safeJoin("rel/root", "x.jpg"), resolve("rel/root", "x.jpg"));
});

Deno.test("safeJoin() refuses every traversal and odd-path variant", () => {
  const hostile = [
    "",
    "..",
    "../etc/passwd",
    "cam/../../etc/passwd",
    "cam/./x.jpg",
    "./x.jpg",
    "%2e%2e/etc/passwd",
    "%2E%2E%2Fetc%2Fpasswd",
    "..%2fetc%2fpasswd",
    ".%2e/x",
    "%252e%252e/etc/passwd", // double encoding
    "%25",
    "..%5cetc%5cpasswd",
    "..\\etc\\passwd",
    "cam\\..\\..\\x",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "//etc/passwd",
    "cam//x.jpg",
    "cam/",
    "x.jpg%00.png",
    "x\u0000.jpg",
    "x\n.jpg",
    "C:/Windows/win.ini",
    "C:%5cWindows",
    "cam/x.jpg:stream",
    ".env",
    "cam/.git/config",
    "%c0%ae%c0%ae/etc/passwd", // overlong UTF-8: malformed → refused
    "%e0%80%ae%e0%80%ae/x",
    "%ZZ",
    "%",
    "...",
    "cam/.. ",
    "cam/x.",
    "a".repeat(256),
    ("a/".repeat(600)) + "x",
  ];
  for (const h of hostile) assert.equal(safeJoin(ROOT, h), null, JSON.stringify(h));
});

Deno.test("safeJoin() with decoded: true does not decode again", () => {
  assert.equal(safeJoin(ROOT, "%2e%2e/x", { decoded: true }), null);
  assert.equal(safeJoin(ROOT, "a%20b", { decoded: true }), null);
  assert.equal(safeJoin(ROOT, "cam/1.jpg", { decoded: true }), join(ROOT, "cam/1.jpg"));
});

Deno.test("resolveInside() follows symlinks and refuses ones that leave the root", async () => {
  const base = await Deno.makeTempDir({ prefix: "vigil-paths-" });
  try {
    const root = join(base, "root");
    await Deno.mkdir(join(root, "cam"), { recursive: true });
    await Deno.writeTextFile(join(root, "cam", "ok.jpg"), "ok");
    await Deno.writeTextFile(join(base, "secret.txt"), "secret");
    await Deno.symlink(join(base, "secret.txt"), join(root, "cam", "link.jpg"));
    await Deno.symlink(base, join(root, "up"));
    assert.equal(
      await resolveInside(root, "cam/ok.jpg"),
      await Deno.realPath(join(root, "cam/ok.jpg")),
    );
    assert.equal(await resolveInside(root, "cam/link.jpg"), null);
    assert.equal(await resolveInside(root, "up/secret.txt"), null);
    assert.equal(await resolveInside(root, "cam/missing.jpg"), null);
    assert.equal(await resolveInside(root, "../secret.txt"), null);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
