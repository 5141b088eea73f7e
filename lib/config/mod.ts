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
export { dottedPath } from "./errors.ts";
export { checkFile, fileSchema } from "./schema.ts";
export type { ConfigFile } from "./schema.ts";
export { fieldDocs } from "./fields.ts";
export type { FieldDoc } from "./fields.ts";
export { maskSecrets, SECRET_MASK, unmaskSecrets } from "./secrets.ts";
export type {
  MqttConfig,
  NotifyConfig,
  NotifySettings,
  RuleConfig,
  ScheduleWindow,
  WebhookConfig,
  WebhookEvent,
} from "./notify.ts";
