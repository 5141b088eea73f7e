/**
 * @module
 * The registry of connected WebSocket clients (user, address, user agent, since, mode), shown
 * on the admin page, how long frames take from ffmpeg to their WebSocket send, and when a
 * client that stopped reading counts as stalled.
 */
export { ClientRegistry } from "./registry.ts";
export type { ClientInfo, ClientMode, ClientPatch } from "./registry.ts";
export { SendLatency } from "./send_latency.ts";
export type { LatencySummary } from "./send_latency.ts";
export { StallWatch } from "./stall.ts";
