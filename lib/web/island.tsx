import type { ComponentType, JSX } from "preact";
import { assetUrl } from "./assets.ts";

/** What one page render collected: the islands it holds, in document order. */
export interface IslandCollector {
  next: number;
  names: Set<string>;
}

let collector: IslandCollector | null = null;

/** Starts collecting islands for one (synchronous) page render. */
export function _beginIslands(): IslandCollector {
  collector = { next: 0, names: new Set() };
  return collector;
}

/** Stops collecting; returns what the render held. */
export function _endIslands(): IslandCollector {
  const c = collector ?? { next: 0, names: new Set<string>() };
  collector = null;
  return c;
}

/**
 * JSON for a `<script type="application/json">` data block: `<` is escaped so no string in the
 * props can close the tag (`</script>`) or open a comment, and U+2028/9 are escaped too.
 */
export function serializeProps(props: unknown): string {
  const json = JSON.stringify(props ?? {});
  if (json === undefined) throw new TypeError("Island props must be JSON-serializable");
  return json
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const NAME = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Wraps an island component for server rendering: `const Viewer = island(ViewerIsland, "Viewer")`,
 * then `<Viewer … />` in a page. The HTML is the component rendered inside
 * `<div class="island" data-island="Name" id="island-N" data-src="…">`, followed by its props as
 * a JSON data block `<script type="application/json" id="island-N-props">`. In the browser the
 * boot script imports `data-src`, the content-hashed bundle built from `islands/Name.tsx`
 * (`/static/islands/islands/Name-HASH.js`), and hydrates the div.
 * Props must be JSON-serializable (no functions, no `Date`; use epoch ms).
 */
export function island<P extends object>(
  Component: ComponentType<P>,
  name: string,
): (props: P) => JSX.Element {
  if (!NAME.test(name)) {
    throw new RangeError(
      `Island name "${name}" must be PascalCase, like its file islands/${name}.tsx`,
    );
  }
  function Island(props: P): JSX.Element {
    const c = collector;
    const id = `island-${c ? c.next++ : 0}`;
    c?.names.add(name);
    return (
      <>
        <div class="island" data-island={name} id={id} data-src={assetUrl(`islands/${name}.js`)}>
          <Component {...props} />
        </div>
        <script
          type="application/json"
          id={`${id}-props`}
          // deno-lint-ignore react-no-danger
          dangerouslySetInnerHTML={{ __html: serializeProps(props) }}
        />
      </>
    );
  }
  Island.displayName = `Island(${name})`;
  return Island;
}
