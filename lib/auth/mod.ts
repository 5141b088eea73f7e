/**
 * @module
 * Accounts, sessions and the server's defences: users with roles in SQLite (scrypt hashes),
 * hashed session tokens with idle/absolute expiry, login throttling, a cap on password hashes
 * in flight, an audit log, and Hono middleware for sessions, roles, CSRF, WebSocket origins,
 * security headers (CSP nonce), body limits and the host-name allow-list (DNS rebinding).
 * Auth only: pages live in routes/ and lib/web, form parsing and safe paths in lib/http.
 */
export {
  AdminPasswordError,
  Auth,
  AuthInputError,
  MIN_PASSWORD_LENGTH,
  ROLES,
  validateNewPassword,
  validateRole,
  validateUsername,
} from "./auth.ts";
export type {
  AuditEntry,
  AuditEvent,
  AuthOptions,
  ClientMeta,
  LoginResult,
  PasswordCheck,
  Role,
  Session,
  User,
  UserRecord,
} from "./auth.ts";
export {
  bodyLimit,
  checkWebSocketOrigin,
  clearSessionCookie,
  clientAddress,
  contentSecurityPolicy,
  csrfGuard,
  currentSession,
  isHttps,
  requireAdmin,
  requireUser,
  securityHeaders,
  SESSION_COOKIE,
  sessionMiddleware,
  sessionToken,
  setSessionCookie,
} from "./middleware.ts";
export type { AuthEnv, OriginOptions, SignedInEnv } from "./middleware.ts";
export { allowedHostNames, hostGuard, isAllowedHost } from "./hosts.ts";
export type { HostOptions } from "./hosts.ts";
export {
  DEFAULT_KDF,
  generatePassword,
  hashPassword,
  hashPasswordSync,
  kdfLoad,
  MAX_PASSWORD_LENGTH,
  verifyPassword,
} from "./password.ts";
export type { KdfParams } from "./password.ts";
export type { ThrottleOptions } from "./throttle.ts";
export { DEFAULT_KDF_GATE, KdfGate } from "./kdf_gate.ts";
export type { KdfGateOptions, KdfGateStats } from "./kdf_gate.ts";
