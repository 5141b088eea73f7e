/**
 * DNS rebinding defence: the server answers only to host names it knows to be its own. A page
 * on `http://evil.example` whose name is re-pointed at the Vigil box would otherwise be
 * same-origin with it in the browser (its Origin and Host both say evil.example), so CSRF and
 * WebSocket origin checks alone cannot tell it apart.
 *
 * Allowed: any IP address literal (a rebinding attack needs a name: a browser that connects to
 * an address it was given literally reached that address), `localhost` and `*.localhost`, the
 * address Vigil is bound to, the machine's host name (`Deno.hostname()`, also with `.local`
 * for mDNS and without its domain), and the config file's `allowedHosts` (`"*"` turns the check
 * off). The port is ignored. Anything else gets `421 Misdirected Request` on every route.
 */
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

export interface HostOptions {
  /** The config file's `allowedHosts`. */
  allowedHosts?: string[];
  /** The address or name Vigil binds to (`--host`). */
  boundHost?: string;
  /** The machine's host name; default Deno.hostname() (needs --allow-sys=hostname). */
  machineName?: string | null;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const WILDCARD_BINDS = new Set(["", "0.0.0.0", "::", "[::]"]);

/** Lower case, without IPv6 brackets and without a trailing dot. */
function normalise(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

function machineName(): string | null {
  try {
    return Deno.hostname();
  } catch (err) {
    // No --allow-sys=hostname: the name is not allowed; say so once, at start.
    console.error(
      `vigil: cannot read the machine's host name (${(err as Error).message}); requests for ` +
        "it will get 421: run with --allow-sys=hostname, or add it to allowedHosts",
    );
    return null;
  }
}

/** The exact names allowed besides IP literals and localhost. */
export function allowedHostNames(opts: HostOptions = {}): Set<string> {
  const names = new Set<string>();
  const machine = opts.machineName === undefined ? machineName() : opts.machineName;
  if (machine) {
    const full = normalise(machine);
    const short = full.split(".")[0];
    for (const n of [full, short, `${short}.local`]) if (n) names.add(n);
  }
  const bound = normalise(opts.boundHost ?? "");
  if (!WILDCARD_BINDS.has(bound)) names.add(bound);
  for (const h of opts.allowedHosts ?? []) names.add(normalise(h));
  return names;
}

/** True when a request for `hostname` (a URL's hostname, port excluded) may be answered. */
export function isAllowedHost(hostname: string, names: Set<string>): boolean {
  const h = normalise(hostname);
  if (names.has("*") || names.has(h)) return true;
  if (IPV4.test(h) || h.includes(":")) return true; // an address literal, v4 or v6
  return h === "localhost" || h.endsWith(".localhost");
}

/**
 * Refuses with `421` (thrown: app.onError answers JSON for the API and /ws, the error page
 * otherwise) a request whose Host is not one of the server's own names, before any other
 * middleware reads its cookie or form.
 */
export function hostGuard(opts: HostOptions = {}): MiddlewareHandler {
  const names = allowedHostNames(opts);
  return async (c, next) => {
    const host = new URL(c.req.url).hostname;
    if (isAllowedHost(host, names)) return await next();
    const message = `This server does not answer to the host name ${
      JSON.stringify(host.slice(0, 100))
    }. If it is Vigil's, add it to "allowedHosts" in the config file.`;
    throw new HTTPException(421, { message });
  };
}
