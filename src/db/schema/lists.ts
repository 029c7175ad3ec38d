// Red and black lists (红黑名单): published entries with severity, publication window and credit repair.
import { date, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const LISTS = ["red", "black"] as const;
export type ListName = (typeof LISTS)[number];
export const SEVERITIES = ["minor", "general", "serious"] as const;
export type Severity = (typeof SEVERITIES)[number];

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const listEntries = pgTable(
  "list_entries",
  {
    id: text().primaryKey(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    list: text().$type<ListName>().notNull(),
    reason: text().notNull(),
    legalBasis: text().notNull(),
    authority: text().notNull(),
    severity: text().$type<Severity>().notNull(),
    listedOn: date({ mode: "string" }).notNull(),
    /** Repair may be requested from this date (信用修复 minimum publication period). */
    minPublishUntil: date({ mode: "string" }).notNull(),
    /** Publication ends by itself on this date. */
    maxPublishUntil: date({ mode: "string" }).notNull(),
    decidedByOrgId: text()
      .notNull()
      .references(() => orgs.id),
    /** How and by when the organisation may appeal (行政复议 / 行政诉讼), as published. */
    appeal: text(),
    /** Set when publication ended early (repair granted, or revoked): date, reason, authority. */
    removedAt: ts(),
    removalReason: text(),
    removedByOrgId: text().references(() => orgs.id),
    /** The authority that ended publication early, as published with the removal. */
    removalAuthority: text(),
    createdAt: ts().notNull(),
  },
  (t) => [
    index("list_entries_org_idx").on(t.orgId, t.list),
    index("list_entries_published_idx").on(t.list, t.maxPublishUntil),
  ],
);

export type ListEntry = typeof listEntries.$inferSelect;
