// Consumer scans of serialised items (for counts and cloned-code rules) and wrong receipt-code tries (lockout).
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const ts = () => timestamp({ withTimezone: true, mode: "date" });

/**
 * One row per scan of an item URL. No IP address is kept: `fingerprint` is a keyed hash of the
 * IP prefix and user agent under a purpose that changes every week, so it links scans within a
 * week and nothing else. Location only when the user shares it, rounded to 0.1°.
 */
export const scans = pgTable(
  "scans",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    gtin: text().notNull(),
    serial: text().notNull(),
    /** Null when the serial was never commissioned: a counterfeit signal for the GTIN. */
    itemId: bigint({ mode: "number" }),
    /** The item's state when it was scanned (scans after delivery feed the cloned-code rules). */
    itemState: text(),
    fingerprint: text().notNull(),
    at: ts().notNull(),
    latitude: doublePrecision(),
    longitude: doublePrecision(),
  },
  (t) => [
    index("scans_item_idx").on(t.itemId, t.at),
    index("scans_unknown_gtin_idx").on(t.gtin, t.at).where(sql`${t.itemId} is null`),
    index("scans_fingerprint_idx").on(t.fingerprint, t.at),
    // The regulator's dashboard counts the scans of recent days.
    index("scans_at_idx").on(t.at),
  ],
);

/** A wrong receipt code tried for an item: counted per item and per client for the lockout. */
export const receiptAttempts = pgTable(
  "receipt_attempts",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    itemId: bigint({ mode: "number" }).notNull(),
    fingerprint: text().notNull(),
    at: ts().notNull(),
  },
  (t) => [
    index("receipt_attempts_item_idx").on(t.itemId, t.at),
    index("receipt_attempts_client_idx").on(t.fingerprint, t.at),
  ],
);

export type Scan = typeof scans.$inferSelect;
export type ReceiptAttempt = typeof receiptAttempts.$inferSelect;
