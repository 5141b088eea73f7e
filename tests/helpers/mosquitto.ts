/**
 * @module
 * A real Mosquitto broker for tests, on a free port of 127.0.0.1 with its own config (and, on
 * request, a password file and a persistence folder), plus a recording MQTT subscriber.
 */
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import { join } from "node:path";
import { waitFor } from "./wait.ts";

export const MOSQUITTO = "/usr/sbin/mosquitto";

export interface Broker {
  port: number;
  url: string;
  dir: string;
  /** Stops the broker; `signal` SIGKILL simulates a crash. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts it again on the same port (with the same persistence folder). */
  restart(): Promise<void>;
  output(): string;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the listener is closed before returning). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startBroker(
  opts: { users?: Record<string, string>; persistence?: boolean } = {},
): Promise<Broker> {
  const dir = await Deno.makeTempDir({ prefix: "vigil-mosquitto-" });
  const port = freePort();
  const lines = [`listener ${port} 127.0.0.1`];
  // as root, mosquitto would switch to user "mosquitto", who cannot read this 0700 folder
  if (Deno.uid() === 0) lines.push("user root");
  if (opts.users) {
    const pw = join(dir, "passwd");
    await Deno.writeTextFile(pw, "", { mode: 0o600 });
    for (const [user, pass] of Object.entries(opts.users)) {
      const p = new Deno.Command("/usr/bin/mosquitto_passwd", { args: ["-b", pw, user, pass] });
      const { code, stderr } = await p.output();
      if (code !== 0) throw new Error(`mosquitto_passwd: ${new TextDecoder().decode(stderr)}`);
    }
    lines.push("allow_anonymous false", `password_file ${pw}`);
  } else {
    lines.push("allow_anonymous true");
  }
  if (opts.persistence) {
    lines.push("persistence true", `persistence_location ${dir}/`, "autosave_interval 1");
  }
  const conf = join(dir, "mosquitto.conf");
  await Deno.writeTextFile(conf, lines.join("\n") + "\n");
  let text = "";
  let child: Deno.ChildProcess | null = null;
  let pumps: Promise<unknown> = Promise.resolve();

  const launch = async () => {
    child = new Deno.Command(MOSQUITTO, { args: ["-c", conf], stdout: "piped", stderr: "piped" })
      .spawn();
    const pump = async (s: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of s) text += decoder.decode(chunk, { stream: true });
    };
    pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
    await waitFor(
      async () => {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      `mosquitto listening on ${port}:\n${text}`,
    );
  };
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    const c = child as Deno.ChildProcess | null;
    if (!c) return;
    child = null;
    try {
      c.kill(signal);
    } catch { /* gone */ }
    await c.status;
    await pumps;
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    stop,
    restart: launch,
    output: () => text,
    close: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export interface Received {
  topic: string;
  payload: Uint8Array;
  text: string;
  retain: boolean;
  at: number;
}

/** An MQTT client that records every message on `topics` (default `#`). */
export interface Recorder {
  client: MqttClient;
  messages: Received[];
  /** The messages on `topic`, in order. */
  on(topic: string): Received[];
  /** Waits for a message matching `match` at index ≥ `from`; returns its index. */
  waitFor(
    match: (m: Received) => boolean,
    timeoutMs: number,
    what: string,
    from?: number,
  ): Promise<number>;
  close(): Promise<void>;
}

export async function record(
  url: string,
  topics = ["#"],
  opts: mqtt.IClientOptions = {},
): Promise<Recorder> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, ...opts });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({
      topic,
      payload: new Uint8Array(payload),
      text: new TextDecoder().decode(payload),
      retain: packet.retain,
      at: Date.now(),
    });
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    messages,
    on: (topic) => messages.filter((m) => m.topic === topic),
    async waitFor(match, timeoutMs, what, from = 0) {
      let index = -1;
      await waitFor(
        () => {
          index = messages.findIndex((m, i) => i >= from && match(m));
          return index >= 0;
        },
        timeoutMs,
        what,
      );
      return index;
    },
    close: async () => {
      await client.endAsync(true);
    },
  };
}
