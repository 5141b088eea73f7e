import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AppEnv } from "../context.ts";
import { Layout } from "./layout.tsx";
import { _beginIslands, _endIslands } from "./island.tsx";
import { devReloadEnabled, devReloadScript } from "./dev_reload.ts";
import { assetUrl } from "./assets.ts";

export interface PageOptions {
  /** The page's name; the document title becomes "<title> · Vigil". */
  title: string;
  /** HTTP status (default 200). */
  status?: ContentfulStatusCode;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
  /** Extra stylesheets (same-origin URLs), after /static/app.css. */
  styles?: string[];
}

/** The request's user and nonce, from any route's context (signed in or not). */
function vars<E extends AppEnv>(c: Context<E>): AppEnv["Variables"] {
  return (c as unknown as Context<AppEnv>).var;
}

/** The boot script: one nonce'd inline module that hydrates the page's islands. */
export function bootScript(): string {
  return `import{boot}from"${assetUrl("lib/web/client.js")}";boot();`;
}

/**
 * The page's one inline script: the runtime's boot (islands, and times shown in the viewer's
 * zone) when the page needs it, and under dev the reloader.
 */
function inlineScript(needsBoot: boolean): string {
  return (needsBoot ? bootScript() : "") + (devReloadEnabled() ? devReloadScript() : "");
}

/**
 * Renders a full HTML page around `body` through the one shell (lib/web/layout.tsx): doctype,
 * viewport meta, the stylesheet, the header, and — only when the page holds islands or times —
 * one `<script type="module" nonce>` that hydrates them and shows times in the browser's zone.
 */
export function renderPage<E extends AppEnv>(
  c: Context<E>,
  body: VNode,
  opts: PageOptions,
): Response {
  const { user, nonce } = vars(c);
  _beginIslands();
  let main: string;
  let islands;
  try {
    main = renderToString(
      <Layout path={c.req.path} user={user}>{body}</Layout>,
    );
  } finally {
    islands = _endIslands(); // reset even when a component throws
  }
  const head = renderToString(
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="dark" />
      <meta name="theme-color" content="#0d1117" />
      <meta name="referrer" content="same-origin" />
      <title>{`${opts.title} · Vigil`}</title>
      <link rel="icon" href="/static/icon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/app.css" />
      {(opts.styles ?? []).map((href) => <link key={href} rel="stylesheet" href={href} />)}
    </head>,
  );
  const script = inlineScript(islands.names.size > 0 || main.includes("data-ts="));
  const boot = script
    ? renderToString(
      <script
        type="module"
        nonce={nonce}
        // deno-lint-ignore react-no-danger
        dangerouslySetInnerHTML={{ __html: script }}
      />,
    )
    : "";
  const html = `<!DOCTYPE html><html lang="en">${head}<body>${main}${boot}</body></html>`;
  c.header("cache-control", "no-store");
  return c.html(html, opts.status ?? 200, opts.headers);
}

/** The shell's error page: a card with what went wrong and a way on. */
export function renderError<E extends AppEnv>(
  c: Context<E>,
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  const title = ERROR_TITLES[status] ??
    (status >= 500 ? "Something went wrong" : "Request refused");
  return renderPage(
    c,
    <section class="card message-card" data-status={status}>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a class="btn" href={vars(c).user ? "/" : "/login"}>
          {vars(c).user ? "Back to the live view" : "Log in"}
        </a>
      </p>
    </section>,
    { title, status, headers },
  );
}

const ERROR_TITLES: Partial<Record<number, string>> = {
  400: "Bad request",
  401: "Not signed in",
  403: "Forbidden",
  404: "Not found",
  409: "Not now",
  413: "Too large",
  415: "Not a form",
  421: "Wrong address",
  429: "Too many attempts",
  503: "Busy",
};
