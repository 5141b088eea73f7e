/**
 * Whether motion rings an alarm under `alertOn` (browser-safe: the alarm island imports it).
 * Returns the label that rang, "" for any motion (no `alertOn`), or null when it does not ring:
 * with `alertOn`, only motion in which one of those labels was seen rings.
 */
export function alertMatch(
  alertOn: readonly string[] | undefined,
  labels: readonly string[] | undefined,
): string | null {
  if (!alertOn?.length) return "";
  return labels?.find((l) => alertOn.includes(l)) ?? null;
}
