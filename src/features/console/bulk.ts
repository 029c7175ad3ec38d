// Bulk uploads of the desks (a day's orders, a depot's waybills): rows of a CSV or Excel file become
// lifecycle events, checked row by row by the very service that records one event, and written in
// one transaction or not at all. A preview is the same run rolled back, so what it promises holds.
import type { z } from "zod";
import type { Db } from "../../db/types";
import { AppError } from "../../lib/errors";
import type { TableRow } from "../../lib/tabular";
import type { LifecycleBody, LifecycleInput } from "../events/schemas";
import { type LifecycleContext, type Recorded, recordLifecycleIn } from "../events/service";

/** The most rows one file may carry (a busy shop's day, a depot's shift). */
export const MAX_BULK_ROWS = 20_000;
/** Problems shown on a page; the rest are counted. */
export const PROBLEMS_SHOWN = 200;

export interface Problem {
  line: number;
  message: string;
}

/** Rows that make one event, with the lines of the file they came from. */
export interface Group {
  lines: number[];
  input: LifecycleInput;
}

/** A column found under any of its names (English or Chinese, any case). */
export function column(row: TableRow, names: readonly string[]): string {
  for (const [header, value] of Object.entries(row.cells)) {
    if (names.includes(header.toLowerCase())) return value;
  }
  return "";
}

export function missingColumns(columns: string[], wanted: Record<string, readonly string[]>) {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  return Object.entries(wanted)
    .filter(([, names]) => !names.some((n) => have.has(n)))
    .map(([name]) => name);
}

/** A group's body checked by the API's schema; its problems are its lines'. */
export function checkedGroup(
  schema: typeof LifecycleBody,
  lines: number[],
  body: unknown,
  problems: Problem[],
): Group | null {
  const result = schema.safeParse(body);
  if (result.success) return { lines, input: result.data };
  const message = result.error.issues
    .map((i: z.core.$ZodIssue) => `${i.path.join(".")}: ${i.message}`)
    .join("; ");
  for (const line of lines) problems.push({ line, message });
  return null;
}

class PreviewOnly extends Error {}

export interface BulkOutcome {
  problems: Problem[];
  recorded: Recorded[];
  committed: boolean;
}

/**
 * Records every group in one transaction and goes on after a refusal, so every bad row is named.
 * Commits only when asked and nothing was refused; `also` then runs in the same transaction (the
 * member's activity row).
 *
 * No savepoint per group: PostgreSQL gives each savepoint that writes a subtransaction id, and
 * past 64 of them in one transaction every later statement slows down (the subtransaction cache
 * overflows). Measured: 10,000 rows took over 300 s on PostgreSQL that way. None is needed either:
 * the lifecycle rules refuse (AppError) before their event writes anything, so a refused group
 * leaves the transaction as it found it. Any other error ends the whole upload.
 */
export async function runBulk(
  db: Db,
  ctx: LifecycleContext,
  groups: Group[],
  options: { commit: boolean; also?: (tx: Db, recorded: Recorded[]) => Promise<void> },
  problems: Problem[] = [],
): Promise<BulkOutcome> {
  const recorded: Recorded[] = [];
  const found = [...problems];
  try {
    await db.transaction(async (tx) => {
      for (const group of groups) {
        try {
          recorded.push(await recordLifecycleIn(tx, ctx, group.input));
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          for (const line of group.lines) found.push({ line, message: error.detail });
        }
      }
      if (found.length > 0 || !options.commit) throw new PreviewOnly();
      await options.also?.(tx, recorded);
    });
  } catch (error) {
    if (!(error instanceof PreviewOnly)) throw error;
    found.sort((a, b) => a.line - b.line);
    return { problems: found, recorded: [], committed: false };
  }
  return { problems: [], recorded, committed: true };
}
