/**
 * @module
 * HTTP plumbing shared by every route, independent of accounts: strict form and parameter
 * parsing (failures are `HTTPException`s that `app.onError` answers), joining untrusted paths
 * under a root (`/frames`, `/static`), and loading TLS files.
 */
export { badRequest, intParam, readForm } from "./form.ts";
export { resolveInside, safeJoin } from "./paths.ts";
export { loadTls } from "./tls.ts";
export type { TlsFiles } from "./tls.ts";
