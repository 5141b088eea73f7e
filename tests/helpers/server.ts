/**
 * @module
 * Starts the real Vigil server (`main.ts`, as `deno task start` does) in a subprocess on a free
 * port with its own temporary data folder, for end-to-end and browser tests.
 */
import { buildIslands } from "../../lib/web/build.ts";

export interface VigilProcess {
  url: string;
  pid: number;
  password: string;
  dataDir: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** `--source` (default "demo"); null gives none, for a `--config` file's cameras. */
  source?: string | null;
  args?: string[];
  env?: Record<string, string>;
  /** Set to false to start without VIGIL_ADMIN_PASSWORD (the server then generates one). */
  password?: string | false;
  /** An existing data folder to use (and leave in place); default a new temporary one. */
  dataDir?: string;
  /** `--host` (default 127.0.0.1). */
  host?: string;
  /** A command that runs Deno, e.g. `["prlimit", "--nofile=256:256", "--"]`. */
  prefix?: string[];
}

const ROOT = new URL("../../", import.meta.url);
let built: Promise<void> | null = null;

export async function startVigil(
  opts: StartOptions = {},
): Promise<VigilProcess> {
  await (built ??= buildIslands());
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "vigil-test-" });
  const password = opts.password ?? crypto.randomUUID();
  const env: Record<string, string> = { ...opts.env };
  if (password) env.VIGIL_ADMIN_PASSWORD = password;
  const [command, ...prefixArgs] = [...(opts.prefix ?? []), Deno.execPath()];
  const child = new Deno.Command(command, {
    args: [
      ...prefixArgs,
      "run",
      "-A",
      "main.ts",
      "--port",
      "0",
      "--host",
      opts.host ?? "127.0.0.1",
      "--data",
      dataDir,
      ...(opts.source === null ? [] : ["--source", opts.source ?? "demo"]),
      ...(opts.args ?? []),
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let text = "";
  const { promise: listening, resolve, reject } = Promise.withResolvers<
    string
  >();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const m = text.match(/vigil listening on (\S+)/);
      if (m) resolve(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status;
  status.then((s) => reject(new Error(`vigil exited with ${s.code} before listening:\n${text}`)));
  const timer = setTimeout(
    () => reject(new Error(`vigil did not start in 30 s:\n${text}`)),
    30_000,
  );

  const close = async () => {
    clearTimeout(timer);
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await status;
    await pumps;
    if (!opts.dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  let url: string;
  try {
    url = await listening;
  } catch (err) {
    await close();
    throw err;
  }
  clearTimeout(timer);
  return {
    url,
    pid: child.pid,
    password: password || "",
    dataDir,
    output: () => text,
    close,
  };
}

/** Logs in through the real form and returns the session cookie (`name=value`). */
export async function login(
  url: string,
  password: string,
  username = "admin",
): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: url,
    },
    body: new URLSearchParams({ username, password }),
    redirect: "manual",
  });
  await res.body?.cancel();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (res.status !== 303 || !cookie) {
    throw new Error(`login failed: ${res.status}`);
  }
  return cookie;
}

/**
 * `fetch` on the server as a signed-in user from the app's own Origin, with a JSON body type
 * (what the admin API wants): `api(path, init)`.
 */
export function signedInApi(vigil: VigilProcess, cookie: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${vigil.url}${path}`, {
      ...init,
      headers: {
        cookie,
        origin: vigil.url,
        "content-type": "application/json",
        ...(init.headers as Record<string, string> | undefined),
      },
    });
}

/**
 * A WebSocket with request headers (cookie, Origin), as Deno allows; the DOM typings the
 * islands need do not know that constructor, hence the cast.
 */
export function openWebSocket(url: string, headers: Record<string, string>): WebSocket {
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  ws.binaryType = "arraybuffer";
  return ws;
}
