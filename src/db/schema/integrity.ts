// Integrity workflow tables: runtime settings (alert thresholds), credit-repair requests of list entries, stored credit summaries.
import { sql } from "drizzle-orm";
import {
  bigint,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { listEntries } from "./lists";
import { orgs } from "./orgs";

const ts = () => timestamp({ withTimezone: true, mode: "date" });

/** Settings a regulator changes at runtime (alert thresholds); the code holds the defaults. */
export const integritySettings = pgTable("integrity_settings", {
  name: text().primaryKey(),
  value: jsonb().$type<Record<string, unknown>>().notNull(),
  updatedAt: ts().notNull(),
  updatedByOrgId: text().references(() => orgs.id),
});

/**
 * The credit summary pages show, kept up to date off the request path: triggers on the evidence
 * tables raise `dirtySeq`; the refresher computes the summary and stores the `dirtySeq` it saw
 * as `cleanSeq`, so evidence arriving during a computation leaves the row stale.
 */
export const creditSummaries = pgTable("credit_summaries", {
  orgId: text()
    .primaryKey()
    .references(() => orgs.id),
  score: doublePrecision(),
  grade: text(),
  computedAt: ts(),
  dirtySeq: bigint({ mode: "number" }).notNull().default(1),
  cleanSeq: bigint({ mode: "number" }).notNull().default(0),
});
export type CreditSummaryRow = typeof creditSummaries.$inferSelect;

export const REPAIR_STATUSES = ["pending", "granted", "rejected"] as const;
export type RepairStatus = (typeof REPAIR_STATUSES)[number];

/** 信用修复: a listed organisation asks for its entry to end early; a regulator decides. */
export const listRepairs = pgTable(
  "list_repairs",
  {
    id: text().primaryKey(),
    entryId: text()
      .notNull()
      .references(() => listEntries.id),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    /** What the organisation did to put things right (整改), in its own words. */
    statement: text().notNull(),
    /** Links or references to the proof of rectification, as given. */
    proof: jsonb().$type<string[]>().notNull().default([]),
    status: text().$type<RepairStatus>().notNull().default("pending"),
    requestedAt: ts().notNull(),
    decisionReason: text(),
    decidedByOrgId: text().references(() => orgs.id),
    decidedAt: ts(),
  },
  (t) => [
    index("list_repairs_entry_idx").on(t.entryId, t.requestedAt),
    // One open request per entry: a second waits for the decision on the first.
    uniqueIndex("list_repairs_one_pending").on(t.entryId).where(sql`${t.status} = 'pending'`),
    index("list_repairs_status_idx").on(t.status, t.requestedAt),
  ],
);

export type IntegritySetting = typeof integritySettings.$inferSelect;
export type ListRepair = typeof listRepairs.$inferSelect;
