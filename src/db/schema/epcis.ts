// The EPCIS 2.0 interface's own state: capture jobs, named queries, webhook subscriptions, master data.
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
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
/** A capture job's document as kept in its row: its problems as [event index, problems] pairs. */
export interface StoredCaptureDocument {
  context: unknown[];
  events: Record<string, unknown>[];
  problems: [number, { path: string; message: string; code?: string }[]][];
}

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
    /**
     * The prepared document (context, events, the problems of each), kept while the job runs so
     * that another process can run it again when the one that accepted it dies; cleared at the
     * end. Null for jobs from before it was kept: those are failed instead.
     */
    document: jsonb().$type<StoredCaptureDocument>(),
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
 * A webhook subscription to a named query. `cursor` is the log position (log_leaves.leaf_index)
 * after the last event the subscriber acknowledged: deliveries resume there, so a restart
 * re-sends nothing that was acknowledged, and an unacknowledged batch is sent again (at least
 * once). Log positions follow commit order, so an event whose transaction committed late is
 * still ahead of the cursor; an id cursor would have passed it.
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
    /** The standard's query schedule as given; null for a stream subscription. */
    schedule: jsonb().$type<Record<string, string>>(),
    /** A scheduled run with nothing new still calls `dest` (with an empty result). */
    reportIfEmpty: boolean().notNull().default(false),
    cursor: bigint({ mode: "number" }).notNull().default(0),
    lastNotifiedAt: ts(),
    /**
     * Consecutive failed deliveries, and when the next attempt is due: the backoff after a
     * failure, and for a scheduled subscription its next scheduled run.
     */
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

/** One attribute of a vocabulary element: its id (CBV 2.0 spelling) and value, as the JSON binding writes it. */
export interface MasterDataAttribute {
  id: string;
  attribute?: unknown;
}

/**
 * Master data (EPCIS vocabularies: locations, parties, classes…), as last captured by the
 * element's owner: the organisation that first described it (or a regulator). Keyed by the
 * canonical form of the id, so a URN and its Digital Link name one element.
 */
export const epcisVocabularyElements = pgTable(
  "epcis_vocabulary_elements",
  {
    /** Vocabulary type URI, e.g. urn:epcglobal:epcis:vtype:BusinessLocation. */
    type: text().notNull(),
    /** Canonical id: the GS1 Digital Link of a GS1 key, else the id as sent. */
    key: text().notNull(),
    /** The id as it was last sent. */
    elementId: text().notNull(),
    attributes: jsonb().$type<MasterDataAttribute[]>().notNull().default([]),
    /** Canonical ids of the direct children (the standard's hierarchy: WD_ queries descend it). */
    childKeys: text().array().notNull().default([]),
    /** The children as they were sent. */
    children: jsonb().$type<string[]>().notNull().default([]),
    ownerOrgId: text()
      .notNull()
      .references(() => orgs.id),
    version: integer().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.type, t.key] }),
    index("epcis_vocabulary_elements_key_idx").on(t.key),
    index("epcis_vocabulary_elements_attributes_idx").using("gin", t.attributes),
  ],
);

/** Every version of every vocabulary element, never updated: who said what about a location, and when. */
export const epcisVocabularyHistory = pgTable(
  "epcis_vocabulary_history",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    type: text().notNull(),
    key: text().notNull(),
    version: integer().notNull(),
    elementId: text().notNull(),
    attributes: jsonb().$type<MasterDataAttribute[]>().notNull(),
    children: jsonb().$type<string[]>().notNull(),
    orgId: text()
      .notNull()
      .references(() => orgs.id),
    /** The capture job whose document carried it. */
    captureId: text().references(() => epcisCaptureJobs.id),
    recordedAt: ts().notNull(),
  },
  (t) => [uniqueIndex("epcis_vocabulary_history_version_key").on(t.type, t.key, t.version)],
);

export type EpcisVocabularyElement = typeof epcisVocabularyElements.$inferSelect;
export type EpcisVocabularyVersion = typeof epcisVocabularyHistory.$inferSelect;
