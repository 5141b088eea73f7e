/**
 * @module
 * Vigil's settings: command-line flags, environment variables and the JSON config file.
 */
export { ConfigError, loadConfig, USAGE } from "./config.ts";
export type { CameraConfig, LoadDeps, RetentionConfig, VigilConfig } from "./config.ts";
