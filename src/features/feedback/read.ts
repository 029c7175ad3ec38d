// Reading feedback: what a receipt still allows, and a product's visible reviews with their mean.
import { and, avg, count, desc, eq, lt, or } from "drizzle-orm";
import { orgs, type Receipt, reviews } from "../../db/schema";
import type { Db } from "../../db/types";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import type { ReviewViewT } from "./schemas";

/** Which reviews, follow-ups and confirmation a receipt still allows (for the page's forms). */
export async function receiptProgress(db: Db, receipt: Receipt) {
  const rows = await db
    .select({ kind: reviews.kind })
    .from(reviews)
    .where(eq(reviews.receiptId, receipt.id));
  return {
    confirmed: receipt.confirmedAt !== null,
    reviewed: rows.some((r) => r.kind === "review"),
    followedUp: rows.some((r) => r.kind === "follow_up"),
  };
}

/** Visible reviews of a product, newest first, keyset-paginated. */
export async function listProductReviews(
  db: Db,
  gtin: string,
  page: { limit: number; cursor?: string },
): Promise<{ items: ReviewViewT[]; next: string | null }> {
  const after = decodeCursor(page.cursor);
  const rows = await db
    .select({ review: reviews, sellerName: orgs.nameZh })
    .from(reviews)
    .innerJoin(orgs, eq(orgs.id, reviews.sellerOrgId))
    .where(
      and(
        eq(reviews.gtin, gtin),
        eq(reviews.hidden, false),
        after
          ? or(
              lt(reviews.createdAt, new Date(after.at)),
              and(eq(reviews.createdAt, new Date(after.at)), lt(reviews.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown.map(({ review: r, sellerName }) => ({
      id: r.id,
      kind: r.kind,
      rating: r.rating,
      text: r.text,
      createdAt: r.createdAt.toISOString(),
      verifiedPurchase: true as const,
      seller: { id: r.sellerOrgId, nameZh: sellerName },
      sellerReply: r.sellerReply,
      eventId: r.eventId,
    })),
    next:
      rows.length > page.limit && last
        ? encodeCursor({ at: last.review.createdAt.toISOString(), id: last.review.id })
        : null,
  };
}

export async function reviewSummary(
  db: Db,
  gtin: string,
): Promise<{ count: number; average: number | null }> {
  const [row] = await db
    .select({ n: count(), mean: avg(reviews.rating) })
    .from(reviews)
    .where(and(eq(reviews.gtin, gtin), eq(reviews.kind, "review"), eq(reviews.hidden, false)));
  const mean = row?.mean === null || row?.mean === undefined ? null : Number(row.mean);
  return { count: Number(row?.n ?? 0), average: mean === null ? null : Math.round(mean * 10) / 10 };
}
