/**
 * A WebSocket client that stops reading: how long the real server keeps it, and what it holds.
 *
 *   deno run -A bench/stalled_client.ts [--mode live|detect] [--max 120]
 *
 * Starts Vigil on the demo scene, logs in, opens /ws over raw TCP, reads the `hello`, then
 * never reads again. Every 250 ms: the clients count (`/api/stats`), the server's RSS, and the
 * bytes queued in the kernel for this connection (rx/tx queues in /proc/net/tcp of every
 * socket of the server and of this process, less what they held before). Prints when the
 * client left the clients count, when the server stopped holding its TCP connection (closed
 * it), and the peaks. Stops after `max` seconds.
 */
import { parseArgs } from "node:util";
import { login, startVigil } from "../tests/helpers/server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { mode: { type: "string", default: "live" }, max: { type: "string", default: "120" } },
});
const maxS = Number(values.max);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const m = Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`).match(/^socket:\[(\d+)\]$/);
      if (m) out.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

interface Sock {
  localPort: number;
  remotePort: number;
  state: string;
  queued: number;
  inode: string;
}

function tcpSockets(): Sock[] {
  const out: Sock[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [tx, rx] = f[4].split(":").map((h) => parseInt(h, 16));
      out.push({
        localPort: parseInt(f[1].split(":")[1], 16),
        remotePort: parseInt(f[2].split(":")[1], 16),
        state: f[3],
        queued: tx + rx,
        inode: f[9],
      });
    }
  }
  return out;
}

function rssKiB(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : 0;
}

const vigil = await startVigil();
try {
  const { url } = vigil;
  const port = Number(new URL(url).port);
  const cookie = await login(url, vigil.password);
  const clients = async () =>
    (await (await fetch(`${url}/api/stats`, { headers: { cookie } })).json()).clients as number;
  await sleep(3000); // the camera running, the first event
  const queuedNow = () => {
    const inodes = new Set([...socketInodes(vigil.pid), ...socketInodes(Deno.pid)]);
    return tcpSockets().filter((s) => inodes.has(s.inode)).reduce((a, s) => a + s.queued, 0);
  };
  const queued0 = queuedNow();
  const rss0 = rssKiB(vigil.pid);

  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const localPort = (conn.localAddr as Deno.NetAddr).port;
  await conn.write(new TextEncoder().encode([
    `GET /ws?mode=${values.mode} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    `Origin: ${url}`,
    `Cookie: ${cookie}`,
    "",
    "",
  ].join("\r\n")));
  const buf = new Uint8Array(65536);
  let seen = "";
  while (!seen.includes('"hello"')) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("closed before hello");
    seen += new TextDecoder("latin1").decode(buf.subarray(0, n));
  }
  const t0 = performance.now();
  console.log(`stalled a ${values.mode}-mode client (it reads nothing from now on)`);
  let left: number | null = null, ended: number | null = null;
  let peakQueued = 0, peakRss = rss0;
  while ((left === null || ended === null) && performance.now() - t0 < maxS * 1000) {
    await sleep(250);
    const t = (performance.now() - t0) / 1000;
    const q = queuedNow() - queued0;
    peakQueued = Math.max(peakQueued, q);
    peakRss = Math.max(peakRss, rssKiB(vigil.pid));
    if (left === null && (await clients()) === 0) left = t;
    // the server's end of this client's TCP connection: closed by the server (or the kernel
    // still sending it as an orphan, no longer the server's)
    const server = socketInodes(vigil.pid);
    const held = tcpSockets().some((s) => s.remotePort === localPort && server.has(s.inode));
    if (ended === null && !held) ended = t;
    if (Math.round(t * 4) % 20 === 0) {
      console.log(
        `  t=${t.toFixed(1)} s clients=${left === null ? 1 : 0} queued=${
          (q / 1024).toFixed(0)
        } KiB rss=${((rssKiB(vigil.pid) - rss0) / 1024).toFixed(1)} MiB over start`,
      );
    }
  }
  try {
    conn.close();
  } catch { /* reset */ }
  const s = (v: number | null) => v === null ? `> ${maxS} s` : `${v.toFixed(1)} s`;
  console.log(
    `\nstalled ${values.mode} client: left the clients count after ${s(left)}, TCP ended by the ` +
      `server after ${s(ended)}; peak kernel queues ${(peakQueued / 1048576).toFixed(2)} MiB, ` +
      `server RSS peak +${((peakRss - rss0) / 1024).toFixed(1)} MiB`,
  );
} finally {
  await vigil.close();
}
