/**
 * @module
 * The registry of connected WebSocket clients (user, address, user agent, since, mode), shown
 * on the admin page.
 */
export { ClientRegistry } from "./registry.ts";
export type { ClientInfo, ClientMode, ClientPatch } from "./registry.ts";
