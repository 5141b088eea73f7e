/**
 * @module
 * Vigil's settings: command-line flags, environment variables and the JSON config file.
 */
export { ConfigError, loadConfig, USAGE } from "./config.ts";
export type {
  CameraConfig,
  ConnectionLimits,
  LoadDeps,
  RetentionConfig,
  VigilConfig,
} from "./config.ts";
