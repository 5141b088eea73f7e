/**
 * What a browser downloads for `/history` with 100 stored events: the HTML, and every static
 * file the page pulls (stylesheets, the island runtime, the islands, their chunks, uPlot), as
 * they are and as sent with gzip and with brotli, counted on the wire (a raw HTTP/1.1 client, so
 * nothing is decompressed behind our back), plus each file's Cache-Control.
 *
 *     deno run -A bench/page_weight.ts [--events 100]
 *
 * A real server (`Deno.serve` on a free port) over the page fixture of the tests, with the real
 * static route; events are stored in a real Store with real JPEGs made by ffmpeg.
 */
import { makeFixture, makeJpeg, storeEvent } from "../tests/browser_fixtures.ts";
import { register as registerStatic } from "../routes/static.ts";
import { buildIslands } from "../lib/web/build.ts";
import { brotliCompressSync, gzipSync } from "node:zlib";

interface Got {
  status: number;
  headers: Map<string, string>;
  body: Uint8Array;
}

/** One GET over a fresh connection; the body as sent (chunked encoding undone, nothing else). */
export async function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<Got> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) parts.push(buf.slice(0, n));
  conn.close();
  const all = concat(parts);
  const text = new TextDecoder("latin1").decode(all);
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...headerLines] = text.slice(0, end).split("\r\n");
  const h = new Map(headerLines.map((l) => {
    const i = l.indexOf(":");
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  }));
  let body = all.subarray(end + 4);
  if (h.get("transfer-encoding") === "chunked") {
    const out: Uint8Array[] = [];
    let i = 0;
    const dec = new TextDecoder("latin1");
    while (i < body.length) {
      let nl = i;
      while (body[nl] !== 0x0d) nl++;
      const size = parseInt(dec.decode(body.subarray(i, nl)), 16);
      if (!size) break;
      out.push(body.subarray(nl + 2, nl + 2 + size));
      i = nl + 2 + size + 2;
    }
    body = concat(out);
  }
  return { status: Number(statusLine.split(" ")[1]), headers: h, body };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Every same-origin static URL the page (and the modules it loads) asks for. */
function pageAssets(html: string): string[] {
  const urls = new Set<string>();
  for (const m of html.matchAll(/<link[^>]+href="(\/static\/[^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/import\{boot\}from"([^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/data-island="(\w+)"[^>]*?(?:data-src="([^"]+)")?>/g)) {
    urls.add(m[2] ?? `/static/islands/islands/${m[1]}.js`); // before content hashing
  }
  return [...urls];
}

function moduleImports(url: string, js: string): string[] {
  const out: string[] = [];
  for (const m of js.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
    out.push(new URL(m[1], `http://x${url}`).pathname);
  }
  return out;
}

function kb(n: number): string {
  return (n / 1024).toFixed(1);
}

if (import.meta.main) {
  const nEvents = Number(Deno.args[Deno.args.indexOf("--events") + 1]) || 100;
  await buildIslands();
  const fx = await makeFixture({
    cameras: [{ id: "front", name: "Front door", width: 640, height: 480 }],
    extra: (app, ctx) => registerStatic(app, ctx),
  });
  const jpeg = await makeJpeg(640, 480, "gray");
  const t0 = Date.now() - nEvents * 60_000;
  for (let i = 0; i < nEvents; i++) {
    await storeEvent(fx.ctx.store, "front", t0 + i * 60_000, 3, jpeg);
  }
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, fx.app.fetch);
  const port = server.addr.port;
  try {
    const page = await rawGet(port, "/history");
    const html = new TextDecoder().decode(page.body);
    const gz = await rawGet(port, "/history", { "accept-encoding": "gzip" });
    const br = await rawGet(port, "/history", { "accept-encoding": "gzip, deflate, br" });
    const imgs = [...html.matchAll(/<img[^>]*class="thumb"[^>]*>/g)].map((m) => m[0]);
    console.log(`/history with ${nEvents} events (${imgs.length} listed per page):`);
    console.log(
      `  HTML ${kb(page.body.length)} KB; on the wire: gzip ${kb(gz.body.length)} KB ` +
        `(${gz.headers.get("content-encoding") ?? "not compressed"}), br ${
          kb(br.body.length)
        } KB (${br.headers.get("content-encoding") ?? "not compressed"}); ` +
        `compressed it would be gzip ${kb(gzipSync(page.body).length)} KB, br ${
          kb(brotliCompressSync(page.body).length)
        } KB`,
    );
    console.log(
      `  thumbnails: ${imgs.length} <img>, ${
        imgs.filter((i) => /loading="lazy"/.test(i)).length
      } loading="lazy", ${
        imgs.filter((i) => /width=/.test(i) && /height=/.test(i)).length
      } with width/height; ${jpeg.length} B each here (a real 640×480 frame is ~13 KB)`,
    );

    const queue = pageAssets(html);
    const seen = new Set<string>();
    const rows: string[][] = [];
    const total = { raw: 0, gzip: 0, br: 0 };
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const raw = await rawGet(port, url);
      if (raw.status !== 200) {
        rows.push([url, String(raw.status), "", "", ""]);
        continue;
      }
      const g = await rawGet(port, url, { "accept-encoding": "gzip" });
      const b = await rawGet(port, url, { "accept-encoding": "br, gzip" });
      total.raw += raw.body.length;
      total.gzip += g.body.length;
      total.br += b.body.length;
      rows.push([
        url,
        String(raw.body.length),
        String(g.body.length),
        String(b.body.length),
        raw.headers.get("cache-control") ?? "-",
      ]);
      if (url.endsWith(".js")) {
        queue.push(...moduleImports(url, new TextDecoder().decode(raw.body)));
      }
    }
    console.log(`static files the page loads (bytes on the wire):`);
    console.log(["file", "identity", "gzip", "br", "cache-control"].join("\t"));
    for (const r of rows) console.log(r.join("\t"));
    console.log(["total", total.raw, total.gzip, total.br].join("\t"));
  } finally {
    await server.shutdown();
    await fx.close();
  }
}
