/**
 * The one error convention: handlers throw `HTTPException(status, { message })`; programs
 * (`/api/…`, `/frames/…`, `/ws`) get `{"error": message}`, people the shell's error page.
 * Unexpected errors are logged (only they are) and answered 500 without details.
 */
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../context.ts";
import { renderError } from "./render.tsx";

/** Programs (API, WebSocket, images) get JSON and 401s; people get pages and the login page. */
export function isApiPath(path: string): boolean {
  return path.startsWith("/api/") || path.startsWith("/frames/") || path === "/ws";
}

/** Installs the 404 and error handlers on `app`. */
export function answerErrors(app: Hono<AppEnv>): void {
  app.notFound((c) => {
    if (isApiPath(c.req.path)) return c.json({ error: "not found" }, 404);
    return renderError(c, 404, "There is no page at this address.");
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      if (err.res) return err.getResponse(); // a handler's own complete response
      const message = err.message || "request refused";
      return isApiPath(c.req.path)
        ? c.json({ error: message }, err.status)
        : renderError(c, err.status, message);
    }
    console.error(`${c.req.method} ${c.req.path} failed:`, err);
    return isApiPath(c.req.path)
      ? c.json({ error: "internal error" }, 500)
      : renderError(c, 500, "Something went wrong on the server. Please try again.");
  });
}
