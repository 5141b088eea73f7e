/**
 * @module
 * Notifications for people who are away: the notifier core (bus → notices, rules: armed switch,
 * schedules, zones, cooldown, camera offline) and its channels: MQTT with Home Assistant
 * discovery, signed webhooks, Web Push (VAPID, RFC 8291) on WebCrypto. Channels queue with a
 * bound and deliver on their own; nothing here can slow detection.
 */
export { ArmedSwitch } from "./armed.ts";
export { DeliveryLog, publicTarget } from "./delivery_log.ts";
export type { Delivery } from "./delivery_log.ts";
export { discoveryConfigs, MqttChannel, topics } from "./mqtt.ts";
export type { MqttState, MqttStatus } from "./mqtt.ts";
export { Notifier } from "./notifier.ts";
export type { Clock, NotifierOptions } from "./notifier.ts";
export { NotifyDb } from "./notify_db.ts";
export type { PushSubscriptionRecord } from "./notify_db.ts";
export { PushChannel, pushMessage } from "./push.ts";
export type { PushMessage } from "./push.ts";
export { BoundedQueue } from "./queue.ts";
export { inWindow, localTime, Rules } from "./rules.ts";
export { Notifications } from "./service.ts";
export type { NotificationsOptions } from "./service.ts";
export { cameraJson, eventJson } from "./types.ts";
export type { CameraNotice, Channel, EventNotice, Notice } from "./types.ts";
export { signBody, WebhookChannel } from "./webhook.ts";
export {
  b64url,
  decryptPush,
  encryptPush,
  fromB64url,
  loadOrCreateVapidKeys,
  vapidAuthorization,
} from "./webpush.ts";
export type { VapidKeys } from "./webpush.ts";
