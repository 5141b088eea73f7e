/**
 * @module
 * The in-process message bus between cameras, storage and browsers: frames are latest-wins
 * per subscriber, other messages are queued up to a bound past which the subscriber is dropped.
 * `latestFrames(bus)` keeps each camera's most recent JPEG for snapshots.
 */
export { Bus, Subscription } from "./bus.ts";
export type { CloseReason, SubscribeOptions } from "./bus.ts";
export { LatestFrames, latestFrames } from "./latest_frames.ts";
export type { LatestFrame } from "./latest_frames.ts";
export type * from "./messages.ts";
