/**
 * @module
 * The registry of connected WebSocket clients (user, address, user agent, since, mode), shown
 * on the admin page, and how long frames take from ffmpeg to their WebSocket send.
 */
export { ClientRegistry } from "./registry.ts";
export type { ClientInfo, ClientMode, ClientPatch } from "./registry.ts";
export { SendLatency } from "./send_latency.ts";
export type { LatencySummary } from "./send_latency.ts";
