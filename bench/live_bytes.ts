/**
 * Live mode's bytes: full JPEGs (plain `/ws?mode=live`) vs the delta stream (`&delta=1`), on the
 * real server, with the delta picture's PSNR against the full frames and the server's CPU.
 *
 *   deno run -A bench/live_bytes.ts [--seconds 30] [--vtest PATH]
 *
 * For each source (vtest.avi, default ../shared/data/vtest.avi, as a file camera at its own
 * size and rate; and the demo scene) Vigil runs with that one camera, and two phases of
 * `seconds` each follow: (1) one plain live client alone: its bytes/s and the server's CPU;
 * (2) a plain and a delta client together: the delta client's bytes/s, the server's CPU (the
 * difference is what delta mode costs), and, for every delta frame whose capture time the plain
 * client also got, the PSNR (R, G, B) of the picture rebuilt from the deltas alone against that
 * full frame (both decoded here, after the run). Bytes are the binary frame messages' bytes.
 */
import { parseArgs } from "node:util";
import { login, openWebSocket, startVigil, type VigilProcess } from "../tests/helpers/server.ts";
import { parseFrame } from "../lib/protocol.ts";
import { decodeJpeg } from "../lib/objects/classify.ts";
import { applyAtlas, gridFor, psnr } from "../lib/live/tiles.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "30" },
    vtest: {
      type: "string",
      default: new URL("../../shared/data/vtest.avi", import.meta.url).pathname,
    },
  },
});
const seconds = Number(values.seconds);
const CLK_TCK = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

interface Received {
  bytes: number;
  frames: Uint8Array[];
}

/** A live client for `ms`: what it received (binary frame messages). */
function client(vigil: VigilProcess, cookie: string, query: string): {
  done: (ms: number) => Promise<Received>;
} {
  const ws = openWebSocket(`${vigil.url.replace("http", "ws")}/ws?${query}`, {
    cookie,
    origin: vigil.url,
  });
  const got: Received = { bytes: 0, frames: [] };
  ws.onmessage = (e) => {
    if (typeof e.data === "string") return;
    const bytes = new Uint8Array(e.data);
    got.bytes += bytes.length;
    got.frames.push(bytes);
  };
  return {
    async done(ms) {
      await new Promise((r) => setTimeout(r, ms));
      const closed = new Promise((r) => ws.onclose = r);
      ws.close();
      await closed;
      return got;
    },
  };
}

/** PSNRs of the picture rebuilt from `delta` against the plain frames of the same time. */
async function psnrs(delta: Uint8Array[], plain: Uint8Array[]): Promise<number[]> {
  const full = new Map(plain.map((m) => {
    const f = parseFrame(m);
    return [f.header.ts, f.jpeg];
  }));
  const out: number[] = [];
  let shown: Uint8Array | null = null;
  for (const m of delta) {
    const { header, jpeg } = parseFrame(m);
    const d = header.delta!;
    if (d.key) shown = new Uint8Array((await decodeJpeg(jpeg)).data);
    else if (!shown) continue;
    else if (d.tiles!.length) {
      applyAtlas(shown, gridFor(d.width!, d.height!), d.tiles!, d.cols!, await decodeJpeg(jpeg));
    }
    const real = full.get(header.ts);
    if (real) out.push(psnr(shown, (await decodeJpeg(real)).data));
  }
  return out;
}

async function measure(label: string, source: string): Promise<void> {
  const vigil = await startVigil({ source });
  try {
    const cookie = await login(vigil.url, vigil.password);
    await new Promise((r) => setTimeout(r, 3000)); // the camera starts
    const ms = seconds * 1000;
    let cpu0 = cpuMs(vigil.pid), t0 = performance.now();
    const plainAlone = await client(vigil, cookie, "mode=live").done(ms);
    const cpuPlain = (cpuMs(vigil.pid) - cpu0) / (performance.now() - t0) * 100;

    cpu0 = cpuMs(vigil.pid), t0 = performance.now();
    const plain = client(vigil, cookie, "mode=live");
    const delta = client(vigil, cookie, "mode=live&delta=1");
    const [p, d] = await Promise.all([plain.done(ms), delta.done(ms)]);
    const cpuBoth = (cpuMs(vigil.pid) - cpu0) / (performance.now() - t0) * 100;

    const values = await psnrs(d.frames, p.frames);
    const keys = d.frames.filter((m) => parseFrame(m).header.delta?.key).length;
    const fullRate = plainAlone.bytes / seconds / 1000, deltaRate = d.bytes / seconds / 1000;
    // Keyframes (the full frame itself) and unchanged frames have an infinite PSNR: left out.
    const finite = values.filter(Number.isFinite);
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    console.log(
      `${label}: full ${fullRate.toFixed(1)} kB/s (${plainAlone.frames.length} frames), ` +
        `delta ${deltaRate.toFixed(1)} kB/s (${d.frames.length} frames, ${keys} keyframes) = ` +
        `${(deltaRate / fullRate).toFixed(3)}×; PSNR min ${Math.min(...values).toFixed(1)} dB, ` +
        `mean ${
          mean.toFixed(1)
        } dB over ${values.length} frames (${finite.length} not identical); ` +
        `server CPU ` +
        `${cpuPlain.toFixed(1)} % (full) → ${cpuBoth.toFixed(1)} % (full + delta), ` +
        `delta costs ${(cpuBoth - cpuPlain).toFixed(1)} % of a core`,
    );
  } finally {
    await vigil.close();
  }
}

if (await Deno.stat(values.vtest).catch(() => null)) await measure("vtest.avi", values.vtest);
else console.log(`vtest.avi: skipped (${values.vtest} not found; --vtest PATH)`);
await measure("demo", "demo");
