import assert from "node:assert/strict";
import { configurationMarkdown, DOC_PATH, formatMarkdown, referenceMarkdown } from "./docs.ts";
import { fieldDocs } from "./fields.ts";

Deno.test("docs/configuration.md is what `deno task docs` generates from the schema", async () => {
  const want = await formatMarkdown(configurationMarkdown());
  const have = Deno.readTextFileSync(DOC_PATH);
  if (have !== want) {
    const a = have.split("\n"), b = want.split("\n");
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(
      `docs/configuration.md is stale (first difference at line ${line + 1}: ` +
        `${JSON.stringify(a[line])} vs ${JSON.stringify(b[line])}); run \`deno task docs\``,
    );
  }
});

Deno.test("the generated reference names every key of the schema, with its default", () => {
  const text = referenceMarkdown();
  for (const f of fieldDocs()) {
    const name = f.path.slice(f.path.lastIndexOf(".") + 1);
    assert.ok(text.includes(`| \`${name}\` |`), `${f.path} is in the reference`);
  }
  assert.match(text, /\| `minArea` \| number \| `0\.03` \| 0 – 100 \|/);
  assert.match(text, /### `notify\.rules\[\]\.schedule\[\]`/);
  assert.match(text, /\| `maxAgeDays` \| number \| `30` \| above 0, ≤ 36500 \|/);
  // a template without the marker is refused rather than silently losing the reference
  assert.throws(() => configurationMarkdown("# no marker\n"), /no <!-- reference --> line/);
});
