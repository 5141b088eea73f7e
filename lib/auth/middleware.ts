/**
 * Hono middleware: sessions, access control, CSRF, WebSocket origin, security headers, body
 * limits. Order in the app: securityHeaders → sessionMiddleware → csrfGuard → requireUser/Admin.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { HTTPException } from "hono/http-exception";
import type { Auth, Session, User } from "./auth.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "vigil_session";

/**
 * The app's one Hono environment (lib/context.ts calls it AppEnv): the signed-in user and
 * session (null when signed out) and the response's CSP nonce, set by the middleware below.
 */
export interface AuthEnv {
  Variables: {
    user: User | null;
    session: Session | null;
    nonce: string;
  };
}

/** What a route behind requireUser/requireAdmin sees: the user is never null there. */
export interface SignedInEnv {
  Variables: {
    user: User;
    session: Session;
  };
}

/** The current request's session (set by sessionMiddleware), or null. */
export function currentSession<E extends AuthEnv>(c: Context<E>): Session | null {
  return (c as unknown as Context<AuthEnv>).var.session ?? null;
}

/** True when the request came over HTTPS (Deno.serve with cert/key gives https:// URLs). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** The peer address from Deno.serve's connection info (c.env.remoteAddr), else "unknown". */
export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: unknown } } | undefined;
  const host = env?.remoteAddr?.hostname;
  return typeof host === "string" && host !== "" ? host : "unknown";
}

/**
 * Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure under HTTPS. It lives as long
 * as the session can (its absolute expiry), so the server's idle and absolute expiry decide
 * when it ends: the idle window slides on the server, and an active user is never logged out
 * by the browser dropping a cookie that was never refreshed.
 */
export function setSessionCookie(c: Context, token: string, session: Session): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    path: "/",
    secure: isHttps(c),
    maxAge: Math.max(0, Math.floor((session.maxExpiresAt - session.lastSeen) / 1000)),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
  });
}

/** The raw session token from the request's cookie (undefined when absent). */
export function sessionToken(c: Context): string | undefined {
  try {
    return getCookie(c, SESSION_COOKIE);
  } catch {
    return undefined;
  }
}

/** Sets `c.get("user")` (User | null) and `c.get("session")` (Session | null) from the cookie. */
export function sessionMiddleware(auth: Auth): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const token = sessionToken(c);
    const found = token === undefined ? null : auth.sessionForToken(token);
    c.set("user", found?.user ?? null);
    c.set("session", found?.session ?? null);
    await next();
    // A stale or forged cookie is dropped so the browser stops sending it.
    if (token !== undefined && !found && !c.res.headers.has("set-cookie") && c.res.status !== 101) {
      try {
        clearSessionCookie(c);
      } catch { /* immutable headers (e.g. upgrade responses) */ }
    }
  };
}

function loginRedirect(c: Context): Response {
  const url = new URL(c.req.url);
  const here = url.pathname + url.search;
  const next = (c.req.method === "GET" || c.req.method === "HEAD") && here.length <= 2000 &&
      here !== "/"
    ? `?next=${encodeURIComponent(here)}`
    : "";
  return c.redirect(`/login${next}`, 303);
}

/**
 * Without a user: a page gets 303 to /login?next=…, an API a 401 (answered by app.onError).
 * Handlers after it see a non-null `c.var.user` (SignedInEnv).
 */
export function requireUser(
  kind: "page" | "api",
): MiddlewareHandler<AuthEnv & SignedInEnv> {
  return async (c, next) => {
    if (c.get("user")) return await next();
    if (kind === "api") {
      throw new HTTPException(401, { message: "authentication required: log in first" });
    }
    return loginRedirect(c);
  };
}

/** Like requireUser, and a signed-in non-admin gets 403. */
export function requireAdmin(
  kind: "page" | "api",
): MiddlewareHandler<AuthEnv & SignedInEnv> {
  const signedIn = requireUser(kind);
  return (c, next) =>
    signedIn(c, async () => {
      if (c.get("user")?.role !== "admin") {
        throw new HTTPException(403, {
          message: kind === "api" ? "forbidden: admins only" : "This page is for admins only.",
        });
      }
      await next();
    });
}

export interface OriginOptions {
  /**
   * Extra origins accepted besides the request's own (e.g. `https://vigil.example` behind a
   * TLS-terminating reverse proxy that forwards plain HTTP).
   */
  allowedOrigins?: string[];
}

type OriginVerdict = { ok: true } | { ok: false; reason: string };

function checkOrigin(c: Context, opts: OriginOptions, requireHeader: boolean): OriginVerdict {
  const site = c.req.header("sec-fetch-site");
  const origin = c.req.header("origin");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { ok: false, reason: `Sec-Fetch-Site is ${JSON.stringify(site.slice(0, 40))}` };
  }
  if (origin !== undefined) {
    const own = new URL(c.req.url).origin;
    if (origin !== own && !(opts.allowedOrigins ?? []).includes(origin)) {
      return { ok: false, reason: "the Origin header is not this server's origin" };
    }
  } else if (site === undefined && requireHeader) {
    return { ok: false, reason: "neither Origin nor Sec-Fetch-Site was sent" };
  }
  return { ok: true };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for every state-changing request (anything but GET/HEAD/OPTIONS): the browser's
 * Sec-Fetch-Site must be same-origin (or none) and Origin must be this server's own origin.
 * Requests with neither header are refused too (scripts must send `Origin: <server URL>`).
 */
export function csrfGuard(opts: OriginOptions = {}): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return await next();
    const v = checkOrigin(c, opts, true);
    if (!v.ok) {
      throw new HTTPException(403, {
        message:
          `Cross-site request refused: ${v.reason}. Submit the form from this server's own pages.`,
      });
    }
    return await next();
  };
}

/**
 * For routes/ws.ts before upgrading: false when the browser says the page is from a foreign
 * origin (Origin mismatch, Origin "null", Sec-Fetch-Site cross-site/same-site). Non-browser
 * clients without an Origin header pass (they still need the session cookie).
 */
export function checkWebSocketOrigin(c: Context, opts: OriginOptions = {}): boolean {
  return checkOrigin(c, opts, false).ok;
}

/** The Content-Security-Policy sent with every response. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "media-src 'self' data: blob:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
}

/** Strict-Transport-Security max-age under HTTPS: one year (no includeSubDomains: a LAN box). */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Sets a fresh CSP nonce in `c.get("nonce")` for the island boot script, and after the handler
 * adds CSP, nosniff, Referrer-Policy, X-Frame-Options and friends to the response (headers a
 * handler already set are kept), and Strict-Transport-Security when served over HTTPS. HTML responses without Cache-Control get `no-store`.
 */
export function securityHeaders(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const nonce = Buffer.from(randomBytes(16)).toString("base64");
    c.set("nonce", nonce);
    await next();
    if (c.res.status === 101) return;
    const headers: Record<string, string> = {
      "content-security-policy": contentSecurityPolicy(nonce),
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "x-frame-options": "DENY",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
      "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    };
    try {
      const h = c.res.headers;
      for (const [k, v] of Object.entries(headers)) if (!h.has(k)) h.set(k, v);
      // Only over HTTPS (RFC 6797: ignored over HTTP, and it would pin a plain-HTTP LAN box).
      if (isHttps(c) && !h.has("strict-transport-security")) {
        h.set("strict-transport-security", `max-age=${HSTS_MAX_AGE_SECONDS}`);
      }
      if (!h.has("cache-control") && (h.get("content-type") ?? "").startsWith("text/html")) {
        h.set("cache-control", "no-store");
      }
    } catch {
      // Some responses (WebSocket upgrades, fetched responses) have immutable headers.
    }
  };
}

/** Refuses bodies over `maxBytes` (by Content-Length or while streaming) with 413. */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AuthEnv> {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`bodyLimit(maxBytes): a non-negative integer is needed, got ${maxBytes}`);
  }
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HTTPException(413, {
        message: `Request body too large: at most ${maxBytes} bytes are accepted here.`,
      });
    },
  });
}
