// Integrity alerts: signals raised as data arrives, with their evidence, worked by inspectors and regulators.
import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const ALERT_KINDS = [
  "sign_off_without_dispatch",
  "empty_parcel",
  "impossible_transit",
  "sales_burst",
  "review_burst",
  "review_pattern",
  "cloned_code",
  "counterfeit_scan",
  "sale_of_non_conforming",
  "sale_of_recalled",
  "commitment_violation",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SEVERITIES = ["low", "medium", "high"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const ALERT_STATUSES = ["open", "confirmed", "dismissed"] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const alerts = pgTable(
  "alerts",
  {
    id: text().primaryKey(),
    kind: text().$type<AlertKind>().notNull(),
    severity: text().$type<AlertSeverity>().notNull(),
    /** What it is about: an item, lot or product key, or an organisation id. */
    subjectKey: text().notNull(),
    /** The organisation concerned (the seller, carrier or brand owner); it sees and answers its alerts. */
    orgId: text().references(() => orgs.id),
    /** Ids of the ledger events that are the evidence. */
    evidence: jsonb().$type<number[]>().notNull().default([]),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** The same signal raised twice updates one alert instead of making another. */
    dedupeKey: text().notNull(),
    status: text().$type<AlertStatus>().notNull().default("open"),
    assignedToOrgId: text().references(() => orgs.id),
    assignedAt: ts(),
    decisionReason: text(),
    decidedByOrgId: text().references(() => orgs.id),
    decidedAt: ts(),
    response: text(),
    respondedAt: ts(),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    uniqueIndex("alerts_dedupe_key").on(t.dedupeKey),
    index("alerts_queue_idx").on(t.status, t.createdAt),
    index("alerts_org_idx").on(t.orgId, t.status),
    index("alerts_open_kind_idx").on(t.kind).where(sql`${t.status} = 'open'`),
  ],
);

export type Alert = typeof alerts.$inferSelect;
