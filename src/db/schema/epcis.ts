// The EPCIS 2.0 interface's own state: capture jobs, named queries and their webhook subscriptions.
import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

const ts = () => timestamp({ withTimezone: true, mode: "date" });

export const CAPTURE_STATUSES = ["running", "success", "failure"] as const;
export type CaptureStatus = (typeof CAPTURE_STATUSES)[number];
export type CaptureErrorBehaviour = "rollback" | "proceed";

/** One RFC 9457 problem per event that could not be captured (the standard's CaptureJob.errors). */
export interface CaptureProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Index of the event in the document's event list. */
  eventIndex?: number;
  eventID?: string;
  errors?: { path: string; message: string }[];
}

/** An asynchronous capture of one EPCIS document (POST /epcis/capture). */
export const epcisCaptureJobs = pgTable(
  "epcis_capture_jobs",
  {
    id: text().primaryKey(),
    status: text().$type<CaptureStatus>().notNull(),
    behaviour: text().$type<CaptureErrorBehaviour>().notNull(),
    capturedByOrgId: text()
      .notNull()
      .references(() => orgs.id),
    eventCount: integer().notNull(),
    /** Events newly stored by this job. */
    capturedCount: integer().notNull().default(0),
    /** Events already in the ledger (same Event Hash ID): not stored again. */
    duplicateCount: integer().notNull().default(0),
    errors: jsonb().$type<CaptureProblem[]>().notNull().default([]),
    createdAt: ts().notNull(),
    finishedAt: ts(),
  },
  (t) => [index("epcis_capture_jobs_org_idx").on(t.capturedByOrgId, t.createdAt)],
);

/** A named query (POST /epcis/queries): a stored set of EPCIS query parameters. */
export const epcisQueries = pgTable("epcis_queries", {
  name: text().primaryKey(),
  /** The query as the standard's query-schema.json shapes it: parameter name → value. */
  query: jsonb().$type<Record<string, unknown>>().notNull(),
  ownerOrgId: text()
    .notNull()
    .references(() => orgs.id),
  createdAt: ts().notNull(),
});

/**
 * A webhook subscription to a named query. `cursor` is the arrival id (events.id) of the last
 * event the subscriber acknowledged: deliveries resume after it, so a restart re-sends nothing
 * that was acknowledged, and an unacknowledged batch is sent again (at least once).
 */
export const epcisSubscriptions = pgTable(
  "epcis_subscriptions",
  {
    id: text().primaryKey(),
    queryName: text()
      .notNull()
      .references(() => epcisQueries.name, { onDelete: "cascade" }),
    ownerOrgId: text()
      .notNull()
      .references(() => orgs.id),
    dest: text().notNull(),
    /** The client's signatureToken: the HMAC key of the GS1-Signature header. Never returned. */
    signatureToken: text(),
    /** GS1-EPC-Format of the deliveries. */
    epcFormat: text().notNull().default("Always_GS1_Digital_Link"),
    /** Events recorded before this time are not delivered. */
    initialRecordTime: ts().notNull(),
    cursor: bigint({ mode: "number" }).notNull().default(0),
    lastNotifiedAt: ts(),
    /** Consecutive failed deliveries, and when the next attempt is due (exponential backoff). */
    failures: integer().notNull().default(0),
    nextAttemptAt: ts(),
    lastError: text(),
    createdAt: ts().notNull(),
  },
  (t) => [index("epcis_subscriptions_query_idx").on(t.queryName)],
);

export type EpcisCaptureJob = typeof epcisCaptureJobs.$inferSelect;
export type EpcisQuery = typeof epcisQueries.$inferSelect;
export type EpcisSubscription = typeof epcisSubscriptions.$inferSelect;
