// Rows read raw (to_jsonb of a row, or `returning *` of plain SQL) turned back into what Drizzle returns.
import { getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import { rowsOf } from "./rows";

const columnsOf = new WeakMap<Table, [string, string, (v: unknown) => unknown][]>();

/**
 * One row of `table` from its `to_jsonb` form: snake_case keys become the schema's names and each
 * value goes through its column's own decoder (timestamps become Dates, as Drizzle gives them).
 */
export function rowFromJson<T extends Table>(table: T, json: unknown): InferSelectModel<T> {
  let columns = columnsOf.get(table);
  if (!columns) {
    columns = Object.entries(getTableColumns(table)).map(([key, column]) => [
      key,
      column.keyAsName ? toSnakeCase(key) : column.name,
      (v: unknown) => column.mapFromDriverValue(v),
    ]);
    columnsOf.set(table, columns);
  }
  const source = json as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [key, name, decode] of columns) {
    const value = source[name];
    row[key] = value === null || value === undefined ? null : decode(value);
  }
  return row as InferSelectModel<T>;
}

/** The single JSON value `v` of a one-row answer, whichever driver read it. */
export function jsonValue<T>(result: unknown): T | undefined {
  const [row] = rowsOf<{ v: unknown }>(result);
  if (!row) return undefined;
  // postgres.js and PGlite both parse json; a driver that does not would hand back the text.
  return (typeof row.v === "string" ? JSON.parse(row.v) : row.v) as T;
}

/** A timestamp as JSON renders it (any offset), as the Date Drizzle would have read. */
export const jsonDate = (v: unknown): Date => new Date(String(v));
export const jsonDateOrNull = (v: unknown): Date | null =>
  v === null || v === undefined ? null : jsonDate(v);
