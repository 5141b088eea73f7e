/**
 * @module
 * Vigil's settings: command-line flags, environment variables and the JSON config file.
 */
export { ConfigError, loadConfig, resolveConfig, startupOptions, USAGE } from "./config.ts";
export type {
  CameraConfig,
  ConnectionLimits,
  LoadDeps,
  Override,
  RetentionConfig,
  StartupOptions,
  VigilConfig,
} from "./config.ts";
export { DEFAULT_RULE, parseNotifySettings, WEBHOOK_EVENTS } from "./notify.ts";
export type {
  MqttConfig,
  NotifyConfig,
  NotifySettings,
  RuleConfig,
  ScheduleWindow,
  WebhookConfig,
  WebhookEvent,
} from "./notify.ts";
