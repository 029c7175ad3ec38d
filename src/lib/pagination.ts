// Keyset pagination: opaque cursors over (time, id), stable while rows are added.
import { z } from "@hono/zod-openapi";
import { and, eq, gt, or, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { AppError } from "./errors";

export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: "page size (1-200)" }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "the `next` cursor of the previous page" }),
});

export interface CursorPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return btoa(JSON.stringify([position.at, position.id]))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export function decodeCursor(cursor: string | undefined): CursorPosition | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as [
      unknown,
      unknown,
    ];
    if (typeof at === "string" && typeof id === "string" && !Number.isNaN(Date.parse(at)))
      return { at, id };
  } catch {
    // fall through to the error below
  }
  throw new AppError("validation_failed", "cursor: not a cursor this service gave out", {
    errors: [{ path: "query.cursor", message: "not a cursor this service gave out" }],
  });
}

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ items: z.array(item), next: z.string().nullable() }).openapi(name);

/** Rows after `position` in (time, id) order: the WHERE clause of the next page. */
export function afterPosition(
  at: AnyPgColumn,
  id: AnyPgColumn,
  position: CursorPosition | null,
): SQL | undefined {
  if (!position) return undefined;
  const time = new Date(position.at);
  return or(gt(at, time), and(eq(at, time), gt(id, position.id)));
}

/** A page from `limit + 1` fetched rows: the extra row only says that there is a next page. */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => CursorPosition) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeCursor(positionOf(last)) : null };
}
