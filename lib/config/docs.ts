/**
 * docs/configuration.md, generated: the hand-written prose of lib/config/docs_template.md with
 * the reference tables (every key of the schema) in place of its `<!-- reference -->` line.
 * `deno task docs` writes it; lib/config/docs_test.ts fails when the file is stale.
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { documentedFields } from "./fields.ts";
import type { FieldDoc } from "./fields.ts";

export const TEMPLATE_PATH = fromFileUrl(new URL("./docs_template.md", import.meta.url));
export const DOC_PATH = fromFileUrl(new URL("../../docs/configuration.md", import.meta.url));
const MARKER = "<!-- reference -->";

/** The reference section: one table per object (the top level, `detector`, `cameras[]`, …). */
export function referenceMarkdown(): string {
  const fields = documentedFields();
  const groups = new Map<string, typeof fields>();
  for (const f of fields) {
    const parent = parentOf(f.path);
    if (!groups.has(parent)) groups.set(parent, []);
    groups.get(parent)!.push(f);
  }
  const byPath = new Map(fields.map((f) => [f.path, f]));
  const out = [
    "## Reference",
    "",
    "Every key of the file, generated from `lib/config/schema.ts`. Keys left out take the default;",
    "a key without a default is unset unless given.",
    "",
  ];
  for (const [parent, rows] of groups) {
    const title = parent === "" ? "Top level" : `\`${parent}\``;
    out.push(`### ${title}`, "");
    const self = byPath.get(parent.replace(/\[\]$/, ""));
    if (self) out.push(escapeText(self.details ?? self.help), "");
    if (parent === "cameras[]") {
      out.push(
        "A camera's `detector`, `objects` and `record` take the keys of the top-level ones, and " +
          "override them key by key.",
        "",
      );
    }
    out.push("| key | type | default | range | meaning |", "| --- | --- | --- | --- | --- |");
    for (const f of rows) {
      const name = f.path.slice(parent === "" ? 0 : parent.length + 1);
      out.push(
        `| \`${name}\` | ${f.type} | ${defaultCell(f)} | ${rangeCell(f)} | ${
          escapeText(f.details ?? f.help)
        } |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

/** docs/configuration.md's text (before `deno fmt`, which aligns the tables). */
export function configurationMarkdown(template = Deno.readTextFileSync(TEMPLATE_PATH)): string {
  if (!template.includes(MARKER)) throw new Error(`${TEMPLATE_PATH} has no ${MARKER} line`);
  return template.replace(MARKER, referenceMarkdown().trimEnd());
}

/** `text` as `deno fmt` formats it (markdown; the repository's deno.json settings). */
export async function formatMarkdown(text: string): Promise<string> {
  const cwd = fromFileUrl(new URL("../../", import.meta.url));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}

function parentOf(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? "" : path.slice(0, dot);
}

function defaultCell(f: FieldDoc): string {
  return f.default === undefined ? "" : code(JSON.stringify(f.default));
}

function rangeCell(f: FieldDoc & { minExclusive?: boolean }): string {
  if (f.options) return f.options.map(code).join(", ");
  if (f.minExclusive && f.max !== undefined) return `above ${f.min}, ≤ ${f.max}`;
  if (f.min !== undefined && f.max !== undefined) return `${f.min} – ${f.max}`;
  if (f.min !== undefined) return `≥ ${f.min}`;
  if (f.max !== undefined) return `≤ ${f.max}`;
  return "";
}

function code(s: string): string {
  return `\`${s.replaceAll("|", "\\|")}\``;
}

function escapeText(s: string): string {
  return s.replaceAll("|", "\\|").replace(/\s+/g, " ");
}

if (import.meta.main) {
  const text = await formatMarkdown(configurationMarkdown());
  Deno.writeTextFileSync(DOC_PATH, text);
  console.log(`wrote ${DOC_PATH}`);
}
