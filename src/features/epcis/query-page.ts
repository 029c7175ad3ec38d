// Keyset pages of an EPCIS query: the position after the last event shown, in an opaque token.
import { and, asc, desc, eq, gt, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { events } from "../../db/schema";
import type { Db } from "../../db/types";
import { AppError } from "../../lib/errors";
import { exception, type ParsedQuery } from "./query";

interface PageToken {
  f: string;
  /** Sort value (ISO time) of the last event returned, when ordered by a time. */
  t: string | null;
  i: number;
  /** Events still allowed by eventCountLimit. */
  r: number | null;
}

const b64url = (text: string) =>
  btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

function encodeToken(token: PageToken): string {
  return b64url(JSON.stringify(token));
}

function decodeToken(value: string, fingerprint: string): PageToken {
  try {
    const token = JSON.parse(atob(value.replace(/-/g, "+").replace(/_/g, "/"))) as PageToken;
    if (typeof token.i === "number" && token.f === fingerprint) return token;
  } catch {
    // reported below
  }
  throw exception(
    "nextPageToken was not given out for this query (repeat the query's parameters unchanged with it)",
    "nextPageToken",
  );
}

export interface QueryPage {
  rows: { id: number; document: Record<string, unknown>; context: unknown[] }[];
  nextPageToken: string | null;
}

/** One page of a query's results, after the position in `nextPageToken` (keyset: stable under inserts). */
export async function runQuery(
  db: Db,
  query: ParsedQuery,
  options: { perPage: number; nextPageToken?: string; extra?: SQL },
): Promise<QueryPage> {
  const token = options.nextPageToken
    ? decodeToken(options.nextPageToken, query.fingerprint)
    : null;
  const remaining = token ? token.r : query.eventCountLimit;
  const size = Math.min(options.perPage, remaining ?? Number.POSITIVE_INFINITY);
  const column =
    query.orderBy === "eventTime"
      ? events.eventTime
      : query.orderBy === "recordTime"
        ? events.recordTime
        : null;
  const after = (a: typeof gt) => {
    if (!token) return undefined;
    if (!column || token.t === null) return a(events.id, token.i);
    const at = new Date(token.t);
    return or(a(column, at), and(eq(column, at), a(events.id, token.i)));
  };
  const position = after(query.direction === "asc" ? gt : lt);
  const where = and(query.where, options.extra, position);

  if (query.maxEventCount !== null && !token) {
    const [row] = await db
      .select({ n: sql<number>`count(*)` })
      .from(
        sql`(select 1 from ${events} where ${where ?? sql`true`} limit ${query.maxEventCount + 1}) as matching`,
      );
    if (Number(row?.n ?? 0) > query.maxEventCount) {
      throw new AppError(
        "query_too_large",
        `the query matches more than maxEventCount (${query.maxEventCount}) events`,
        { epcisException: "epcisException:QueryTooLargeException" },
      );
    }
  }
  if (size <= 0) return { rows: [], nextPageToken: null };
  const dir = query.direction === "asc" ? asc : desc;
  const order = column ? [dir(column), dir(events.id)] : [dir(events.id)];
  // Two steps: the page's positions from the indexes, then the documents of those events only
  // (sorting whole rows would read the document of every match, not of the 1,000 shown).
  const keys = await db
    .select({ id: events.id, eventTime: events.eventTime, recordTime: events.recordTime })
    .from(events)
    .where(where)
    .orderBy(...order)
    .limit(size + 1);
  const more = keys.length > size;
  const page = more ? keys.slice(0, size) : keys;
  const documents = new Map<number, { document: Record<string, unknown>; context: unknown[] }>();
  for (let i = 0; i < page.length; i += 5_000) {
    const rows = await documentsOf(db, page.slice(i, i + 5_000));
    for (const row of rows) documents.set(row.id, row);
  }
  const last = page[page.length - 1];
  const left = remaining === null ? null : remaining - page.length;
  const nextPageToken =
    more && last && (left === null || left > 0)
      ? encodeToken({
          f: query.fingerprint,
          t:
            query.orderBy === "eventTime"
              ? last.eventTime.toISOString()
              : query.orderBy === "recordTime"
                ? last.recordTime.toISOString()
                : null,
          i: last.id,
          r: left,
        })
      : null;
  return {
    rows: page.map((k) => ({ id: k.id, ...documents.get(k.id)! })),
    nextPageToken,
  };
}

/**
 * The documents of these events. Their record times name the months to read, so only those
 * partitions of the ledger are searched for the ids.
 */
export function documentsOf(db: Db, keys: { id: number; recordTime: Date }[]) {
  const times = [...new Set(keys.map((k) => k.recordTime.getTime()))].map((t) => new Date(t));
  return db
    .select({ id: events.id, document: events.document, context: events.context })
    .from(events)
    .where(
      and(
        inArray(
          events.id,
          keys.map((k) => k.id),
        ),
        inArray(events.recordTime, times),
      ),
    );
}
