/**
 * The TCP front of Vigil's web server. `Deno.serve` has no header or idle timeout, no
 * connection cap, and its accept loop ends for good on the first `Too many open files` (the
 * rejection also ends the process), so a flood of plain connections could stop Vigil without a
 * login. Here Vigil accepts the connections itself:
 *
 * - its own accept loop on `Deno.listen` survives accept errors (out of file descriptors: back
 *   off 5 ms … 1 s and keep going);
 * - connections past `maxConnections` (all addresses) or `maxPerAddress` (one address) are
 *   closed as soon as they are accepted;
 * - a connection whose first request's headers are not complete after `headerTimeoutMs`, and
 *   any connection with no bytes either way for `idleTimeoutMs`, is closed;
 * - each admitted connection is piped to the real server, a `Deno.serve` on a private
 *   127.0.0.1 port, which serves the app (WebSocket upgrades included) unchanged; the app sees
 *   the client's real address (the front maps its own port on that link back to the client).
 *
 * Under TLS the bytes are passed through untouched and the inner server does the TLS (so the
 * app sees `https:` URLs as before); the header timeout then ends connections that have had no
 * answer from the server (no TLS handshake) after `headerTimeoutMs`.
 */

/** Limits; unset ones get the defaults below. */
export interface ConnectionLimits {
  /** Connections open at once, all addresses together (default from the fd limit, ≤ 1024). */
  maxConnections?: number;
  /** Connections open at once from one address (default a quarter of maxConnections, ≤ 64). */
  maxPerAddress?: number;
  /** First request's headers must be complete within this (ms; default 10 000). */
  headerTimeoutMs?: number;
  /** A connection with no bytes either way for this long is closed (ms; default 60 000). */
  idleTimeoutMs?: number;
}

export interface GuardedServeOptions extends ConnectionLimits {
  hostname: string;
  port: number;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  onListen?: (addr: Deno.NetAddr) => void;
  /** Where the front's warnings go (default console.error); at most one line a minute each. */
  log?: (line: string) => void;
}

/** What the handler gets besides the request: the client's own address, and its connection. */
export interface GuardedInfo {
  remoteAddr: Deno.NetAddr;
  /**
   * How long (ms) the front has been waiting to write to the client, 0 when it is not: a
   * client that stopped reading leaves a write pending once the kernel's buffers are full.
   */
  stalledMs(): number;
  /** Ends the client's TCP connection at once (and the link to the inner server). */
  abort(): void;
}

export type GuardedHandler = (
  request: Request,
  info: GuardedInfo,
) => Response | Promise<Response>;

/** Counters since start, and the connections open now. */
export interface ConnectionStats {
  open: number;
  accepted: number;
  refused: number;
  headerTimeouts: number;
  idleTimeouts: number;
  acceptErrors: number;
  limits: Required<ConnectionLimits>;
}

export interface GuardedServer {
  readonly addr: Deno.NetAddr;
  /** The inner server's private address (127.0.0.1); requests sent there directly get 403. */
  readonly innerAddr: Deno.NetAddr;
  stats(): ConnectionStats;
  /** Stops accepting, closes every connection and the inner server. */
  shutdown(): Promise<void>;
}

/** File descriptors one admitted connection holds: the client's, the link's two ends. */
const FDS_PER_CONNECTION = 3;
/** Descriptors kept free for everything else (SQLite, frames, ffmpeg pipes, accepting). */
const FD_RESERVE = 128;
const WARN_EVERY_MS = 60_000;
const BUFFER_BYTES = 16 * 1024;

/** The soft limit on open files (Linux /proc), or null when it cannot be read. */
function fdLimit(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/self/limits").match(/Max open files\s+(\d+)/);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The limits with defaults filled in. */
export function connectionLimits(limits: ConnectionLimits = {}): Required<ConnectionLimits> {
  const fds = fdLimit();
  const fromFds = fds === null ? 256 : Math.floor((fds - FD_RESERVE) / FDS_PER_CONNECTION);
  const maxConnections = limits.maxConnections ?? Math.max(8, Math.min(1024, fromFds));
  return {
    maxConnections,
    maxPerAddress: limits.maxPerAddress ??
      Math.max(1, Math.min(64, Math.floor(maxConnections / 4))),
    headerTimeoutMs: limits.headerTimeoutMs ?? 10_000,
    idleTimeoutMs: limits.idleTimeoutMs ?? 60_000,
  };
}

interface Link {
  client: Deno.Conn;
  upstream: Deno.Conn | null;
  address: string;
  openedAt: number;
  lastActive: number;
  headersDone: boolean;
  /** When the pending write to the client started (0: none pending). */
  writingSince: number;
  /** The last bytes of the request so far, to find "\r\n\r\n" across reads. */
  tail: Uint8Array;
  closed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function closeQuietly(c: Deno.Conn | null): void {
  try {
    c?.close();
  } catch { /* already closed */ }
}

/** True when `bytes` (after `tail`) hold the blank line that ends a request's headers. */
function headersEnd(tail: Uint8Array, bytes: Uint8Array): { done: boolean; tail: Uint8Array } {
  const all = new Uint8Array(tail.length + bytes.length);
  all.set(tail);
  all.set(bytes, tail.length);
  for (let i = 1; i < all.length; i++) {
    if (all[i] !== 0x0a) continue;
    if (all[i - 1] === 0x0a) return { done: true, tail: all.subarray(0, 0) };
    if (i >= 3 && all[i - 1] === 0x0d && all[i - 2] === 0x0a && all[i - 3] === 0x0d) {
      return { done: true, tail: all.subarray(0, 0) };
    }
  }
  return { done: false, tail: all.slice(Math.max(0, all.length - 3)) };
}

async function writeAll(to: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await to.write(bytes.subarray(off));
}

/**
 * Serves `handler` on `hostname:port` behind the guarded front. Throws (synchronously, like
 * Deno.listen) when the address cannot be bound: a bad address, a port in use.
 */
export function serveGuarded(opts: GuardedServeOptions, handler: GuardedHandler): GuardedServer {
  const limits = connectionLimits(opts);
  const log = opts.log ?? ((line: string) => console.error(line));
  const listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  const addr = listener.addr as Deno.NetAddr;
  const tls = opts.tls !== undefined;

  /** Inner-link port (the front's end) → the client's link. */
  const peers = new Map<number, Link>();
  const links = new Set<Link>();
  const perAddress = new Map<string, number>();
  const counts = { accepted: 0, refused: 0, headerTimeouts: 0, idleTimeouts: 0, acceptErrors: 0 };
  const warnedAt: Record<string, number> = {};
  const warn = (kind: string, line: string) => {
    const now = Date.now();
    if (now - (warnedAt[kind] ?? -Infinity) < WARN_EVERY_MS) return;
    warnedAt[kind] = now;
    log(line);
  };
  let closed = false;

  const inner = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...(opts.tls ?? {}),
    onListen() {},
  }, (req, info) => {
    const link = peers.get(info.remoteAddr.port);
    if (!link) {
      // Someone on this machine connected to the private port directly, around the limits.
      return new Response("Connect to Vigil's own port.", { status: 403 });
    }
    return handler(req, {
      remoteAddr: link.client.remoteAddr as Deno.NetAddr,
      stalledMs: () => link.writingSince === 0 ? 0 : Date.now() - link.writingSince,
      abort: () => release(link),
    });
  });
  const innerPort = inner.addr.port;

  const release = (link: Link) => {
    if (link.closed) return;
    link.closed = true;
    links.delete(link);
    closeQuietly(link.client);
    closeQuietly(link.upstream);
    if (link.upstream) peers.delete((link.upstream.localAddr as Deno.NetAddr).port);
    const n = (perAddress.get(link.address) ?? 1) - 1;
    if (n <= 0) perAddress.delete(link.address);
    else perAddress.set(link.address, n);
  };

  const pipe = async (link: Link) => {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: innerPort });
    } catch (err) {
      warn("link", `vigil: cannot reach the inner server: ${(err as Error).message}`);
      return release(link);
    }
    if (link.closed) return closeQuietly(upstream);
    link.upstream = upstream;
    peers.set((upstream.localAddr as Deno.NetAddr).port, link);

    const up = async () => { // client → server; watches for the end of the first headers
      const buf = new Uint8Array(BUFFER_BYTES);
      while (true) {
        const n = await link.client.read(buf);
        if (n === null) break;
        link.lastActive = Date.now();
        const chunk = buf.subarray(0, n);
        if (!link.headersDone && !tls) {
          const r = headersEnd(link.tail, chunk);
          link.headersDone = r.done;
          link.tail = r.tail;
        }
        await writeAll(upstream, chunk);
      }
      // The client finished sending; let the answer still come back.
      await upstream.closeWrite().catch(() => {});
    };
    const down = async () => { // server → client
      const buf = new Uint8Array(BUFFER_BYTES);
      while (true) {
        const n = await upstream.read(buf);
        if (n === null) break;
        link.lastActive = Date.now();
        if (tls) link.headersDone = true;
        for (let off = 0; off < n;) {
          link.writingSince = Date.now();
          off += await link.client.write(buf.subarray(off, n));
          link.writingSince = 0;
        }
      }
    };
    const upDone = up().catch(() => release(link));
    await down().catch(() => {});
    release(link);
    await upDone;
  };

  const admit = (client: Deno.Conn) => {
    const remote = client.remoteAddr as Deno.NetAddr;
    const address = remote.hostname.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
    const fromHere = perAddress.get(address) ?? 0;
    if (links.size >= limits.maxConnections || fromHere >= limits.maxPerAddress) {
      counts.refused++;
      closeQuietly(client);
      warn(
        "refused",
        `vigil: refusing connections over the limits (${links.size} open, at most ` +
          `${limits.maxConnections}; ${fromHere} from ${address}, at most ` +
          `${limits.maxPerAddress}); ${counts.refused} refused so far`,
      );
      return;
    }
    counts.accepted++;
    perAddress.set(address, fromHere + 1);
    const now = Date.now();
    const link: Link = {
      client,
      upstream: null,
      address,
      openedAt: now,
      lastActive: now,
      headersDone: false,
      writingSince: 0,
      tail: new Uint8Array(0),
      closed: false,
    };
    links.add(link);
    pipe(link).catch(() => release(link));
  };

  const acceptLoop = async () => {
    let backoff = 0;
    while (!closed) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
        backoff = 0;
      } catch (err) {
        if (closed || err instanceof Deno.errors.BadResource) break;
        // Out of file descriptors (EMFILE/ENFILE) or a connection reset while queued:
        // never fatal. Wait a little so a full table does not spin the CPU.
        counts.acceptErrors++;
        warn(
          "accept",
          `vigil: accepting a connection failed: ${(err as Error).message} ` +
            `(${links.size} open; ${counts.acceptErrors} accept errors so far); retrying`,
        );
        backoff = backoff === 0 ? 5 : Math.min(1000, backoff * 2);
        await sleep(backoff);
        continue;
      }
      admit(client);
    }
  };

  const sweepEvery = Math.max(
    20,
    Math.min(1000, Math.floor(Math.min(limits.headerTimeoutMs, limits.idleTimeoutMs) / 4)),
  );
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const link of links) {
      if (!link.headersDone && now - link.openedAt >= limits.headerTimeoutMs) {
        counts.headerTimeouts++;
        release(link);
      } else if (now - link.lastActive >= limits.idleTimeoutMs) {
        counts.idleTimeouts++;
        release(link);
      }
    }
  }, sweepEvery);

  const loop = acceptLoop();
  opts.onListen?.(addr);

  return {
    addr,
    innerAddr: inner.addr,
    stats: () => ({ open: links.size, ...counts, limits }),
    async shutdown() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      try {
        listener.close();
      } catch { /* already closed */ }
      await loop;
      for (const link of [...links]) release(link);
      await inner.shutdown();
    },
  };
}
