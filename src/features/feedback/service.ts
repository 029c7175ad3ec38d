// Verified reviews: one and one follow-up per receipt, after delivery, each recorded in the ledger; the item lookup feedback shares.
import { and, eq } from "drizzle-orm";
import { parseCode } from "../../codes";
import { items, lots, products, type Receipt, reviews } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvent, type SubjectRef } from "../../ledger/append";
import { epcOf, objectEvent, orgUri, ZS_NS } from "../../ledger/epcis";
import type { Clock } from "../../lib/clock";
import { sha256Hex } from "../../lib/crypto";
import { AppError } from "../../lib/errors";
import { newId } from "../orgs/service";
import { checkReceipt, type GuardContext } from "./receipt-guard";
import type { FollowUpInput, ReviewInput } from "./schemas";

export interface FeedbackContext {
  clock: Clock;
  hashSecret: string;
  fingerprint: string;
}

export interface ItemFacts {
  id: number;
  key: string;
  gtin: string;
  serial: string;
  state: string;
  sellerOrgId: string | null;
  lot: string;
  ownerOrgId: string;
}

function invalidItem(path: string, message: string, code?: string): AppError {
  return new AppError("validation_failed", `${path}: ${message}`, {
    errors: [{ path, message, ...(code ? { code } : {}) }],
  });
}

/** Parses an item code; null when it is well formed but names no registered item. */
export async function findItemByCode(
  db: Db,
  code: string,
  path = "json.item",
): Promise<{ key: string; gtin: string; serial: string; item: ItemFacts | null }> {
  const parsed = parseCode(code, { gbt33993: false });
  if (!parsed.ok) throw invalidItem(path, parsed.error.message, parsed.error.code);
  const value = parsed.value;
  if (value.kind !== "gs1" || value.level !== "item" || !value.gtin || value.serial === undefined) {
    throw invalidItem(path, "must name one item (GTIN + serial)", "not_an_item");
  }
  const [row] = await db
    .select({
      id: items.id,
      state: items.state,
      sellerOrgId: items.sellerOrgId,
      lot: lots.lot,
      ownerOrgId: products.ownerOrgId,
    })
    .from(items)
    .innerJoin(lots, eq(lots.id, items.lotId))
    .innerJoin(products, eq(products.gtin, items.gtin))
    .where(and(eq(items.gtin, value.gtin), eq(items.serial, value.serial)));
  const base = { key: value.key, gtin: value.gtin, serial: value.serial };
  return { ...base, item: row ? { ...base, ...row } : null };
}

async function requireItem(db: Db, code: string): Promise<ItemFacts> {
  const found = await findItemByCode(db, code);
  if (!found.item) {
    throw new AppError("not_found", `item ${found.key} is not registered with this service`, {
      registered: false,
    });
  }
  return found.item;
}

export const guard = (ctx: FeedbackContext): GuardContext => ({
  hashSecret: ctx.hashSecret,
  now: ctx.clock.now(),
  fingerprint: ctx.fingerprint,
});

/** The ledger subjects of an event about one item: the item, and its lot and product as context. */
export function feedbackSubjects(item: ItemFacts): SubjectRef[] {
  return [
    { key: item.key, level: "item" },
    { key: `/01/${item.gtin}/10/${encodeURIComponent(item.lot)}`, level: "lot", role: "context" },
    { key: `/01/${item.gtin}`, level: "product", role: "context" },
  ];
}

function usableForReview(item: ItemFacts, receipt: Receipt): void {
  if (receipt.closedAt) {
    throw new AppError(
      "conflict",
      `the sale of item ${item.key} under this receipt was returned; it can no longer be reviewed`,
      { reason: "sale_returned" },
    );
  }
  if (item.state !== "delivered") {
    throw new AppError(
      "conflict",
      `item ${item.key} is ${item.state}, not delivered yet: confirm receipt first, then review`,
      { state: item.state, reason: "not_delivered" },
    );
  }
}

export interface StoredReview {
  id: string;
  kind: "review" | "follow_up";
  rating: number | null;
  eventId: number;
  createdAt: Date;
}

async function storeReview(
  db: Db,
  ctx: FeedbackContext,
  item: ItemFacts,
  receipt: Receipt,
  kind: "review" | "follow_up",
  rating: number | null,
  text: string,
): Promise<StoredReview> {
  const now = ctx.clock.now();
  const id = newId("rev");
  return db
    .transaction(async (tx) => {
      const existing = await tx
        .select({ kind: reviews.kind })
        .from(reviews)
        .where(eq(reviews.receiptId, receipt.id));
      const kinds = new Set(existing.map((r) => r.kind));
      if (kind === "review" && kinds.has("review")) {
        throw new AppError(
          "conflict",
          "this receipt already has its review; you may add one follow-up (追加评价)",
          { reason: "already_reviewed" },
        );
      }
      if (kind === "follow_up" && !kinds.has("review")) {
        throw new AppError("conflict", "write the review first; the follow-up comes after it", {
          reason: "review_first",
        });
      }
      if (kind === "follow_up" && kinds.has("follow_up")) {
        throw new AppError("conflict", "this receipt already has its review and its follow-up", {
          reason: "already_followed_up",
        });
      }
      const appended = await appendEvent(tx, now, {
        kind: "review",
        actorOrgId: null,
        event: objectEvent({
          action: "OBSERVE",
          eventTime: now,
          epcs: [epcOf(item.key)],
          bizStep: `${ZS_NS}review`,
          extensions: {
            "zs:reviewId": id,
            "zs:reviewKind": kind,
            ...(rating === null ? {} : { "zs:rating": rating }),
            // The text is public on the page but may be hidden later; the ledger keeps its hash only.
            "zs:textSha256": await sha256Hex(text),
            "zs:seller": orgUri(receipt.sellerOrgId),
          },
        }),
        subjects: feedbackSubjects(item),
      });
      await tx.insert(reviews).values({
        id,
        receiptId: receipt.id,
        kind,
        itemId: item.id,
        gtin: item.gtin,
        sellerOrgId: receipt.sellerOrgId,
        rating,
        text,
        eventId: appended.row.id,
        createdAt: now,
      });
      return { id, kind, rating, eventId: appended.row.id, createdAt: now };
    })
    .catch((error: unknown) => {
      // Two submissions for one receipt at the same moment: the unique index keeps one.
      if (isUniqueViolation(error)) {
        throw new AppError(
          "conflict",
          `this receipt already has its ${kind === "review" ? "review" : "follow-up"}`,
          { reason: kind === "review" ? "already_reviewed" : "already_followed_up" },
        );
      }
      throw error;
    });
}

function isUniqueViolation(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === "23505") return true;
  }
  return false;
}

export async function submitReview(
  db: Db,
  ctx: FeedbackContext,
  input: ReviewInput,
): Promise<StoredReview> {
  const item = await requireItem(db, input.item);
  const receipt = await checkReceipt(db, guard(ctx), item, input.receiptCode);
  usableForReview(item, receipt);
  return storeReview(db, ctx, item, receipt, "review", input.rating, input.text);
}

export async function submitFollowUp(
  db: Db,
  ctx: FeedbackContext,
  input: FollowUpInput,
): Promise<StoredReview> {
  const item = await requireItem(db, input.item);
  const receipt = await checkReceipt(db, guard(ctx), item, input.receiptCode);
  usableForReview(item, receipt);
  return storeReview(db, ctx, item, receipt, "follow_up", null, input.text);
}
