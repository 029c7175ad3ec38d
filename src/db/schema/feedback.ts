// What buyers say: verified reviews (one and one follow-up per receipt) and complaints.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { eventKeys, receipts } from "./ledger";
import { commitments, orgs } from "./orgs";

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const reviews = pgTable(
  "reviews",
  {
    id: text().primaryKey(),
    receiptId: text()
      .notNull()
      .references(() => receipts.id),
    /** review: the first, with stars; follow_up: 追加评价, text only. */
    kind: text().$type<"review" | "follow_up">().notNull(),
    itemId: bigint({ mode: "number" }).notNull(),
    gtin: text().notNull(),
    sellerOrgId: text()
      .notNull()
      .references(() => orgs.id),
    rating: integer(),
    text: text().notNull(),
    eventId: bigint({ mode: "number" }).references(() => eventKeys.id),
    createdAt: ts().notNull(),
    sellerReply: text(),
    sellerRepliedAt: ts(),
    /** Reviews are never deleted; a regulator may hide one, with the reason kept. */
    hidden: boolean().notNull().default(false),
    hiddenReason: text(),
    hiddenByOrgId: text().references(() => orgs.id),
    hiddenAt: ts(),
  },
  (t) => [
    uniqueIndex("reviews_receipt_kind_key").on(t.receiptId, t.kind),
    index("reviews_seller_idx").on(t.sellerOrgId, t.createdAt),
    index("reviews_gtin_idx").on(t.gtin, t.createdAt),
    check("reviews_rating_range", sql`${t.rating} is null or ${t.rating} between 1 and 5`),
  ],
);

export const COMPLAINT_STATUSES = ["open", "answered", "upheld", "rejected"] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export const complaints = pgTable(
  "complaints",
  {
    id: text().primaryKey(),
    /** Null for an anonymous report, which a regulator triages. */
    receiptId: text().references(() => receipts.id),
    itemKey: text(),
    gtin: text(),
    sellerOrgId: text().references(() => orgs.id),
    category: text().notNull(),
    text: text().notNull(),
    /** Optional contact of the complainant: private, shown only to the seller and regulators. */
    contact: text(),
    /** The commitment this complaint says was broken, if any. */
    commitmentId: text().references(() => commitments.id),
    status: text().$type<ComplaintStatus>().notNull().default("open"),
    sellerAnswer: text(),
    answeredAt: ts(),
    decisionReason: text(),
    decidedByOrgId: text().references(() => orgs.id),
    decidedAt: ts(),
    eventId: bigint({ mode: "number" }).references(() => eventKeys.id),
    createdAt: ts().notNull(),
  },
  (t) => [
    index("complaints_seller_idx").on(t.sellerOrgId, t.status),
    index("complaints_created_idx").on(t.createdAt),
  ],
);

export type Review = typeof reviews.$inferSelect;
export type Complaint = typeof complaints.$inferSelect;
