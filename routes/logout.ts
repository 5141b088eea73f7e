/** `POST /logout`: ends the session (server side) and clears the cookie; 303 to /login. */
import type { Hono } from "hono";
import { bodyLimit, clearSessionCookie, sessionToken } from "../lib/auth/mod.ts";
import type { AppEnv, AuthRoutes } from "../lib/context.ts";

export function register(app: Hono<AppEnv>, ctx: AuthRoutes): void {
  app.post("/logout", bodyLimit(1024), (c) => {
    ctx.auth.revokeToken(sessionToken(c));
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  });
}
