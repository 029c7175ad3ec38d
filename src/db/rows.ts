// Raw SQL results differ by driver (PGlite: {rows}, postgres.js: an array); this reads both.
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
