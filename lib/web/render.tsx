import type { Context } from "hono";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AppEnv } from "../context.ts";
import { Layout } from "../../components/Layout.tsx";
import { _beginIslands, _endIslands } from "./island.tsx";
import { devReloadEnabled, devReloadScript } from "./dev_reload.ts";
import { assetUrl } from "./assets.ts";

export interface PageOptions {
  /** The page's name; the document title becomes "<title> · Vigil". */
  title: string;
  /** HTTP status (default 200). */
  status?: 200 | 400 | 403 | 404 | 500;
  /** Extra stylesheets (same-origin URLs), after /static/app.css. */
  styles?: string[];
}

/** The boot script: one nonce'd inline module that hydrates the page's islands. */
export function bootScript(): string {
  return `import{boot}from"${assetUrl("lib/web/client.js")}";boot();`;
}

/** The page's one inline script: island boot (if it has islands) and, under dev, the reloader. */
function inlineScript(hasIslands: boolean): string {
  return (hasIslands ? bootScript() : "") + (devReloadEnabled() ? devReloadScript() : "");
}

/**
 * Renders a full HTML page around `body`: doctype, viewport meta, the stylesheet, the header
 * (Live, History, Alarm, Admin for admins, and a logout form), and — only when the page holds
 * islands — one `<script type="module" nonce>` that hydrates them.
 */
export function renderPage(
  c: Context<AppEnv>,
  body: VNode,
  opts: PageOptions,
): Response {
  const user = c.get("user") ?? null;
  const nonce = c.get("nonce") as string | undefined;
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
  const script = inlineScript(islands.names.size > 0);
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
  return c.html(html, opts.status ?? 200);
}
