/**
 * A tiny RTSP server for tests, speaking RTSP over TCP with interleaved RTP (what Vigil asks
 * for with `-rtsp_transport tcp`): ffmpeg encodes a test scene to H.264 and sends RTP over UDP
 * to this server, which hands it to RTSP clients after DESCRIBE / SETUP / PLAY.
 * With `user` and `password`, DESCRIBE needs HTTP Basic credentials (else 401).
 */
import dgram from "node:dgram";
import { background, LIVE_H264_ARGS } from "./capture_helpers.ts";

export interface TestRtspServer {
  url: string;
  /** RTSP requests seen, e.g. "DESCRIBE 401". */
  log: string[];
  close(): Promise<void>;
}

/** A running encoder: `stop()` ends it. */
export interface RtspEncoder {
  stop(): Promise<void>;
}

export async function startRtspServer(
  opts: {
    user?: string;
    password?: string;
    /** Starts the encoder given its RTP output arguments (default: LIVE_H264_ARGS + them). */
    encoder?: (rtpOutput: string[]) => RtspEncoder;
  } = {},
): Promise<TestRtspServer> {
  const dir = await Deno.makeTempDir();
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((res) => udp.bind(0, "127.0.0.1", () => res()));
  const udpPort = udp.address().port;
  const rtpOutput = [
    "-f",
    "rtp",
    "-sdp_file",
    `${dir}/stream.sdp`,
    `rtp://127.0.0.1:${udpPort}?pkt_size=1200`,
  ];
  const encoder = opts.encoder
    ? opts.encoder(rtpOutput)
    : background([...LIVE_H264_ARGS, ...rtpOutput]);
  let sdp = "";
  for (let i = 0; i < 100 && !sdp; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      sdp = await Deno.readTextFile(`${dir}/stream.sdp`);
    } catch {
      // not yet written
    }
  }
  const media = sdp.split(/\r?\n/).filter((l) => l && !/^(c=|o=|s=|t=|v=)/.test(l))
    .map((l) => l.startsWith("m=video") ? "m=video 0 RTP/AVP 96" : l);
  const body = ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=vigil test", "c=IN IP4 0.0.0.0", "t=0 0"]
    .concat(media, ["a=control:trackID=0", ""]).join("\r\n");

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const players = new Set<Deno.Conn>();
  const conns = new Set<Deno.Conn>();
  const log: string[] = [];
  udp.on("message", (packet: Uint8Array) => {
    const frame = new Uint8Array(4 + packet.length);
    frame[0] = 0x24; // '$'
    frame[1] = 0;
    frame[2] = packet.length >> 8;
    frame[3] = packet.length & 0xff;
    frame.set(packet, 4);
    for (const c of players) c.write(frame).catch(() => players.delete(c));
  });
  const expected = opts.user !== undefined
    ? "Basic " + btoa(`${opts.user}:${opts.password ?? ""}`)
    : null;

  async function serve(conn: Deno.Conn) {
    conns.add(conn);
    const buf = new Uint8Array(8192);
    let text = "";
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
        let end;
        while ((end = text.indexOf("\r\n\r\n")) >= 0) {
          const req = text.slice(0, end);
          text = text.slice(end + 4);
          const [method, url] = req.split(" ");
          const headers = new Map<string, string>();
          for (const line of req.split("\r\n").slice(1)) {
            const i = line.indexOf(":");
            if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
          }
          const cseq = headers.get("cseq") ?? "0";
          let status = "200 OK";
          const extra: string[] = [];
          let content = "";
          if (method === "OPTIONS") {
            extra.push("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN");
          } else if (method === "DESCRIBE") {
            if (expected && headers.get("authorization") !== expected) {
              status = "401 Unauthorized";
              extra.push('WWW-Authenticate: Basic realm="vigil-test"');
            } else {
              extra.push("Content-Type: application/sdp", `Content-Base: ${url}/`);
              content = body;
            }
          } else if (method === "SETUP") {
            if (!(headers.get("transport") ?? "").includes("TCP")) {
              status = "461 Unsupported Transport";
            } else {
              extra.push("Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 12345678");
            }
          } else if (method === "PLAY") {
            extra.push("Session: 12345678");
          } else if (method === "TEARDOWN") {
            players.delete(conn);
          } else {
            status = "405 Method Not Allowed";
          }
          log.push(`${method} ${status.split(" ")[0]}`);
          const bytes = new TextEncoder().encode(content);
          const head = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, ...extra];
          if (bytes.length) head.push(`Content-Length: ${bytes.length}`);
          await conn.write(new TextEncoder().encode(head.join("\r\n") + "\r\n\r\n"));
          if (bytes.length) await conn.write(bytes);
          if (method === "PLAY") players.add(conn);
        }
      }
    } catch {
      // client went away
    } finally {
      players.delete(conn);
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed
      }
    }
  }
  const serving: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) serving.push(serve(conn));
    } catch {
      // listener closed
    }
  })();

  return {
    url: `rtsp://127.0.0.1:${port}/cam`,
    log,
    async close() {
      listener.close();
      await accepting;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed
        }
      }
      await Promise.all(serving);
      await encoder.stop();
      await new Promise<void>((res) => udp.close(() => res()));
      await Deno.remove(dir, { recursive: true });
    },
  };
}
