/** Tests of the `deno task detect` command line (detect.ts) with a real ffmpeg. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { encodeGrayPng } from "./png.ts";
import { Scene } from "./_scene.ts";

const DETECT = fileURLToPath(new URL("../../detect.ts", import.meta.url));

interface Line {
  frame: number;
  name: string;
  motion: boolean;
  score: number;
  boxes: [number, number, number, number][];
}

async function detect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run=ffmpeg",
      "--allow-env",
      DETECT,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ffmpeg(args: string[]): Promise<void> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-loglevel", "error", "-y", ...args],
    stderr: "piped",
  })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/**
 * Writes a gray video (10 fps, FFV1) of `seconds` at `size` in which a white `square`×`square`
 * enters at 1 s at x = `x0`, moving `speed` px/s along y = `y`.
 */
async function squareVideo(
  path: string,
  v: { size: string; seconds: number; square: number; x0: number; speed: number; y: number },
): Promise<void> {
  const d = `r=10:d=${v.seconds}`;
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `color=c=0x606060:s=${v.size}:${d}[bg];color=c=white:s=${v.square}x${v.square}:${d}[sq];` +
    `[bg][sq]overlay=x='if(lt(t,1),-100,${v.x0}+${v.speed}*(t-1))':y=${v.y}:shortest=1,` +
    "format=gray",
    "-c:v",
    "ffv1",
    path,
  ]);
}

function pngSize(bytes: Uint8Array): [number, number] {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(String.fromCharCode(...bytes.subarray(12, 16)), "IHDR");
  return [v.getUint32(16), v.getUint32(20)];
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-detect-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("[cli] detect VIDEO writes one JSON line per frame and masks at the input size", async () => {
  await withTempDir(async (dir) => {
    // 640x360 gray scene, 10 fps, 3 s; a white 40x40 square enters at 1 s moving 60 px/s
    const video = `${dir}/scene.mkv`;
    await squareVideo(video, {
      size: "640x360",
      seconds: 3,
      square: 40,
      x0: 100,
      speed: 60,
      y: 150,
    });
    const r = await detect([video, "--out", `${dir}/out.jsonl`, "--masks", `${dir}/masks`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const lines: Line[] = (await Deno.readTextFile(`${dir}/out.jsonl`)).trim().split("\n").map((
      l,
    ) => JSON.parse(l));
    assert.equal(lines.length, 30);
    lines.forEach((l, i) => {
      assert.deepEqual(Object.keys(l), ["frame", "name", "motion", "score", "boxes"]);
      assert.equal(l.frame, i);
      assert.equal(l.name, `frame${String(i).padStart(6, "0")}.png`);
      assert.equal(l.motion, l.boxes.length > 0);
    });
    assert.ok(lines.slice(1, 10).every((l) => !l.motion), "motion before the square enters");
    for (let i = 12; i < 30; i++) {
      const l = lines[i];
      assert.ok(l.motion, `frame ${i}: square missed`);
      assert.equal(l.boxes.length, 1);
      const x = 100 + 6 * (i - 10);
      const [bx, by, bw, bh] = l.boxes[0];
      // detection runs at 320x180: boxes in input pixels within 2 detection pixels (4 input pixels)
      assert.ok(
        Math.abs(bx - x) <= 4 && Math.abs(by - 150) <= 4,
        `frame ${i}: box ${l.boxes[0]} vs x=${x}`,
      );
      assert.ok(
        Math.abs(bx + bw - (x + 40)) <= 4 && Math.abs(by + bh - 190) <= 4,
        `frame ${i}: box ${l.boxes[0]}`,
      );
    }
    const masks = [...Deno.readDirSync(`${dir}/masks`)].map((e) => e.name).sort();
    assert.equal(masks.length, 30);
    assert.equal(masks[0], "frame000000.png");
    const png = await Deno.readFile(`${dir}/masks/frame000020.png`);
    assert.deepEqual(pngSize(png), [640, 360]);
    // the mask has the square: decode with ffmpeg and count motion pixels
    const raw = await new Deno.Command("ffmpeg", {
      args: [
        "-loglevel",
        "error",
        "-i",
        `${dir}/masks/frame000020.png`,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
      ],
      stdout: "piped",
    }).output();
    const on = raw.stdout.filter((v) => v === 255).length;
    const off = raw.stdout.filter((v) => v === 0).length;
    assert.equal(on + off, 640 * 360, "mask values are only 0 and 255");
    assert.ok(
      on > 0.8 * 1600 && on < 1.3 * 1600,
      `mask has ${on} motion pixels for a 1600 px square`,
    );
  });
});

Deno.test("[cli] detect FOLDER takes images in name order and names lines and masks after them", async () => {
  await withTempDir(async (dir) => {
    const w = 200, h = 100;
    const scene = new Scene(w, h, 5);
    await Deno.mkdir(`${dir}/in`);
    for (let i = 0; i < 20; i++) {
      const objects = i >= 10 ? [{ x: 20 + 5 * i, y: 30, w: 20, h: 20, value: 250 }] : [];
      const png = encodeGrayPng(scene.render({ noise: 1, objects }), w, h);
      await Deno.writeFile(`${dir}/in/in${String(i + 1).padStart(6, "0")}.png`, png);
    }
    await Deno.writeTextFile(`${dir}/in/notes.txt`, "not an image");
    const r = await detect([`${dir}/in`, "--masks", `${dir}/masks`]);
    assert.equal(r.code, 0, r.stderr);
    const lines: Line[] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.name),
      Array.from({ length: 20 }, (_, i) => `in${String(i + 1).padStart(6, "0")}.png`),
    );
    assert.ok(lines.slice(0, 10).every((l) => !l.motion));
    assert.ok(lines.slice(11).every((l) => l.motion));
    const box = lines[15].boxes[0];
    assert.ok(
      Math.abs(box[0] - 95) <= 2 && Math.abs(box[1] - 30) <= 2 && Math.abs(box[2] - 20) <= 2,
      `${box}`,
    );
    assert.deepEqual(pngSize(await Deno.readFile(`${dir}/masks/in000016.png`)), [200, 100]);
  });
});

Deno.test("[cli] detect --config applies the file's detector settings, --bench prints the timing last", async () => {
  await withTempDir(async (dir) => {
    const video = `${dir}/scene.mkv`;
    await squareVideo(video, {
      size: "320x240",
      seconds: 2,
      square: 30,
      x0: 40,
      speed: 50,
      y: 100,
    });
    // the square moves in the left half only: masking it removes all motion
    await Deno.writeTextFile(
      `${dir}/vigil.json`,
      JSON.stringify({
        detector: { blur: 0 },
        cameras: [{
          id: "a",
          source: "x",
          detector: { masks: [[[0, 0], [160, 0], [160, 240], [0, 240]]] },
        }],
      }),
    );
    const masked = await detect([
      video,
      "--config",
      `${dir}/vigil.json`,
      "--bench",
      "--out",
      `${dir}/o.jsonl`,
    ]);
    assert.equal(masked.code, 0, masked.stderr);
    assert.match(masked.stdout.trim().split("\n").at(-1)!, /^frames=20 ms_per_frame=\d+\.\d{3}$/);
    const lines: Line[] = (await Deno.readTextFile(`${dir}/o.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(lines.length, 20);
    assert.ok(lines.every((l) => !l.motion));
    const plain = await detect([video]);
    assert.ok(
      plain.stdout.trim().split("\n").some((l) => JSON.parse(l).motion),
      "no motion without the mask",
    );
  });
});

Deno.test("[cli] detect rejects bad usage with exit code 2 and a clear message", async () => {
  const unknown = await detect(["x.mp4", "--frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /frobnicate/);
  assert.match(unknown.stderr, /Usage: deno task detect INPUT/);
  const none = await detect([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /missing INPUT/);
  const missing = await detect(["/nonexistent/video.mp4"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot open INPUT \/nonexistent\/video.mp4/);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify({ detector: { blur: 99 } }));
    const bad = await detect([dir, "--config", `${dir}/bad.json`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /detector\.blur: must be a whole number between 0 and 4/);
  });
});
