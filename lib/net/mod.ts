/**
 * @module
 * The web server's TCP front: its own accept loop (survives running out of file descriptors),
 * caps on connections (all together and per address), header and idle timeouts, in front of
 * an inner `Deno.serve` on a private port.
 */
export { connectionLimits, serveGuarded } from "./guarded_server.ts";
export type {
  ConnectionLimits,
  ConnectionStats,
  GuardedHandler,
  GuardedInfo,
  GuardedServeOptions,
  GuardedServer,
} from "./guarded_server.ts";
