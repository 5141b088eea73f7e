/**
 * `deno task detect INPUT --objects` (issue 12): the offline path classifies motion frames with
 * the server's code and settings and adds `objects` to their JSON lines.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const PEDESTRIANS = new URL("../../shared/data/pedestrians/input/", import.meta.url);

async function detect(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    // the permissions of `deno task detect`
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run=ffmpeg",
      "--allow-env",
      "detect.ts",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output(); // deno-fmt-ignore
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "[e2e] detect --objects labels the people of a pedestrians clip, at objects.fps",
  ignore: !(await Deno.stat(PEDESTRIANS).catch(() => null)),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vigil-detect-objects-" });
    try {
      // 2 s of the sequence (25 fps) while people walk through
      for (let i = 460; i < 510; i++) {
        const name = `in${String(i).padStart(6, "0")}.jpg`;
        await Deno.copyFile(new URL(name, PEDESTRIANS), `${dir}/${name}`);
      }
      await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ objects: { fps: 2 } }));
      const r = await detect([dir, "--objects", "--config", `${dir}/c.json`]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, 50);
      const classified = lines.filter((l) => l.objects);
      // 2 s at 2 crops per second, plus the 2 a camera may spend at once: at most 6 frames
      assert.ok(classified.length >= 3 && classified.length <= 6, JSON.stringify(classified));
      assert.ok(classified.every((l) => l.motion));
      const person = classified.flatMap((l) => l.objects).find((o) => o.label === "person");
      assert.ok(person, JSON.stringify(classified));
      assert.ok(person.score >= 0.5 && person.box.length === 4);
      assert.match(
        r.stderr,
        /detect: objects: \d+ frames classified \(\d+ crops, \d+ ms per crop\), 0 failed/,
      );
      assert.ok(!lines.some((l) => !l.motion && l.objects));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("[e2e] detect --objects with a broken model is one line and exit code 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vigil-detect-objects-" });
  try {
    await Deno.writeTextFile(`${dir}/m.json`, "{}");
    await Deno.writeTextFile(
      `${dir}/c.json`,
      JSON.stringify({ objects: { model: `${dir}/m.json` } }),
    );
    const r = await detect([dir, "--objects", "--config", `${dir}/c.json`]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^detect: cannot load the object model .*m\.json: not a TensorFlow\.js graph model/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
