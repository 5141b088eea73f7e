/** A bad flag, environment variable or config file: the message says what to fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
  /**
   * The bad key's path in the config file, e.g. `["cameras", 0, "detector", "minArea"]`
   * (empty for the whole file; undefined when it is not the file's fault: a flag, a variable).
   */
  path?: (string | number)[];
  constructor(message: string, path?: (string | number)[]) {
    super(message);
    this.path = path;
  }
}

/** `["cameras", 1, "detector", "minArea"]` → `cameras[1].detector.minArea`. */
export function dottedPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}
