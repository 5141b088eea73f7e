/**
 * A minimal, script-free page layout for the login and admin pages (plain HTML forms that work
 * without JavaScript). The integration can swap `authPage` for lib/web's shared layout.
 */
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { User } from "./auth.ts";

function Layout(
  props: { title: string; user: User | null; children: ComponentChildren },
) {
  const { title, user } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · Vigil`}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body class="auth-page">
        <header class="topbar">
          <a class="brand" href="/">Vigil</a>
          {user && (
            <nav>
              <a href="/">Viewer</a> <a href="/history">History</a>
              {user.role === "admin" && (
                <>
                  {" "}
                  <a href="/admin/users">Users</a> <a href="/admin/sessions">Sessions</a>{" "}
                  <a href="/admin/audit">Audit log</a>
                </>
              )}{" "}
              <form method="post" action="/logout" class="inline">
                <button type="submit">Log out {user.username}</button>
              </form>
            </nav>
          )}
        </header>
        <main>
          <h1>{title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Renders a full page through the local layout. */
export function authPage(
  c: Context,
  title: string,
  body: ComponentChildren,
  status: 200 | 400 | 401 | 403 | 404 | 413 | 429 | 503 = 200,
  headers: Record<string, string> = {},
): Response {
  const user = (c.get("user") as User | null | undefined) ?? null;
  const html = "<!DOCTYPE html>" +
    renderToString(<Layout title={title} user={user}>{body}</Layout>);
  return c.html(html, status, { "cache-control": "no-store", ...headers });
}

/** A page with one message (errors, forbidden). */
export function messagePage(
  c: Context,
  title: string,
  message: string,
  status: 200 | 400 | 401 | 403 | 404 | 413 | 429 | 503 = 200,
): Response {
  return authPage(c, title, <p class="message">{message}</p>, status);
}

/** The admin pages' table: a scrolling wrapper, one header row of `head`, the rows as children. */
export function AdminTable(props: { head: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.head.map((h, i) => <th key={i}>{h}</th>)}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** The flash line after a change ("User added."), when there is one. */
export function Notice(props: { text?: string }) {
  return props.text ? <p class="notice" role="status">{props.text}</p> : null;
}

/** A Retry-After wait in words: "45 seconds", "15 minutes". */
export function waitText(s: number): string {
  return s >= 120 ? `${Math.ceil(s / 60)} minutes` : `${s} seconds`;
}

/** Formats epoch ms for tables (UTC, ISO-like, readable on a phone). */
export function fmtTime(ts: number): string {
  return new Date(ts).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}
