// Inspection reports of lots (with their PDF) and recalls of lots or products.
import {
  bigint,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { eventKeys } from "./ledger";
import { orgs } from "./orgs";
import { lots, products } from "./products";

const ts = () => timestamp({ withTimezone: true, mode: "date" });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });

/** Uploaded files (report PDFs), addressed by their SHA-256 so one file is stored once. */
export const documents = pgTable("documents", {
  sha256: text().primaryKey(),
  contentType: text().notNull(),
  size: integer().notNull(),
  data: bytea().notNull(),
  createdAt: ts().notNull(),
});

export interface TestItem {
  name: string;
  value: string;
  limit?: string;
  unit?: string;
  verdict: "pass" | "fail";
  method?: string;
}

export const inspections = pgTable(
  "inspections",
  {
    id: text().primaryKey(),
    lotId: text()
      .notNull()
      .references(() => lots.id),
    gtin: text().notNull(),
    lot: text().notNull(),
    inspectorOrgId: text()
      .notNull()
      .references(() => orgs.id),
    reportNumber: text().notNull(),
    standards: jsonb().$type<string[]>().notNull().default([]),
    testItems: jsonb().$type<TestItem[]>().notNull().default([]),
    samplingDate: date({ mode: "string" }),
    issueDate: date({ mode: "string" }).notNull(),
    conclusion: text().$type<"pass" | "fail">().notNull(),
    pdfSha256: text().references(() => documents.sha256),
    eventId: bigint({ mode: "number" }).references(() => eventKeys.id),
    createdAt: ts().notNull(),
  },
  (t) => [
    uniqueIndex("inspections_report_key").on(t.inspectorOrgId, t.reportNumber),
    index("inspections_lot_idx").on(t.lotId, t.issueDate),
  ],
);

export const recalls = pgTable(
  "recalls",
  {
    id: text().primaryKey(),
    gtin: text()
      .notNull()
      .references(() => products.gtin),
    /** The recalled lots; every lot of the product when the whole product is recalled. */
    lotIds: jsonb().$type<string[]>().notNull(),
    wholeProduct: boolean().notNull().default(false),
    level: text().$type<"I" | "II" | "III">().notNull(),
    reason: text().notNull(),
    instructions: text().notNull(),
    contacts: text().notNull(),
    initiatedByOrgId: text()
      .notNull()
      .references(() => orgs.id),
    status: text().$type<"open" | "closed">().notNull().default("open"),
    closedReason: text(),
    /** completed: the units stay recalled; withdrawn: the recall was a mistake and is lifted. */
    closeOutcome: text().$type<"completed" | "withdrawn">(),
    closedByOrgId: text().references(() => orgs.id),
    closedAt: ts(),
    eventId: bigint({ mode: "number" }).references(() => eventKeys.id),
    closedEventId: bigint({ mode: "number" }).references(() => eventKeys.id),
    createdAt: ts().notNull(),
  },
  (t) => [index("recalls_gtin_idx").on(t.gtin, t.status)],
);

export type Inspection = typeof inspections.$inferSelect;
export type Recall = typeof recalls.$inferSelect;
export type StoredDocument = typeof documents.$inferSelect;
