/**
 * @module
 * Accounts, sessions and the server's defences: users with roles in SQLite (scrypt hashes),
 * hashed session tokens with idle/absolute expiry, login throttling, a cap on password hashes
 * in flight, an audit log, and Hono middleware for sessions, roles, CSRF, WebSocket origins,
 * security headers (CSP nonce), body limits and the host-name allow-list (DNS rebinding); plus safe path joining and TLS file loading.
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
export type { AuthContext, AuthEnv, OriginOptions } from "./middleware.ts";
export { badRequest, intParam, readForm } from "./form.ts";
export { allowedHostNames, hostGuard, isAllowedHost } from "./hosts.ts";
export type { HostOptions } from "./hosts.ts";
export { resolveInside, safeJoin } from "./paths.ts";
export { loadTls } from "./tls.ts";
export type { TlsFiles } from "./tls.ts";
export {
  DEFAULT_KDF,
  generatePassword,
  hashPassword,
  hashPasswordSync,
  kdfLoad,
  verifyPassword,
} from "./password.ts";
export type { KdfParams } from "./password.ts";
export type { ThrottleOptions } from "./throttle.ts";
export { DEFAULT_KDF_GATE, KdfGate } from "./kdf_gate.ts";
export type { KdfGateOptions, KdfGateStats } from "./kdf_gate.ts";
export { AdminTable, authPage, fmtTime, messagePage, Notice, waitText } from "./pages.tsx";
