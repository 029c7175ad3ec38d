// The event store: EPCIS 2.0 events (never updated or deleted), their subjects, the Merkle log and checkpoints.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  foreignKey,
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

/**
 * One row per event, outside the partitions: its row id (from `events_id_seq`) and the keys that
 * must be unique across the whole ledger. A unique index on a partitioned table must contain the
 * partition key, so `events` alone can no longer refuse a second event with the same Event Hash
 * ID or eventID recorded in another month; this table does. Everything that refers to an event
 * refers to its row here. Never updated or deleted, like the events.
 */
export const eventKeys = pgTable(
  "event_keys",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    eventId: text().notNull(),
    hashId: text().notNull(),
    declares: bigint({ mode: "number" }),
  },
  (t) => [
    uniqueIndex("event_keys_event_id_key").on(t.eventId).where(sql`${t.declares} is null`),
    uniqueIndex("event_keys_hash_id_key").on(t.hashId).where(sql`${t.declares} is null`),
    uniqueIndex("event_keys_declares_key").on(t.declares).where(sql`${t.declares} is not null`),
  ],
);

/**
 * The events, partitioned by month of record time (migration 0016: declarative partitioning,
 * which Drizzle does not describe; `ensureLedgerPartitions` creates the months ahead).
 */
export const events = pgTable(
  "events",
  {
    /** Arrival order; may have gaps (rolled-back appends). Log order is log_leaves.leafIndex. */
    id: bigint({ mode: "number" })
      .notNull()
      .references(() => eventKeys.id),
    /** The EPCIS eventID: the client's, or the Event Hash ID when the client gave none. */
    eventId: text().notNull(),
    /** CBV 2.0 Event Hash ID (ni:///sha-256;…?ver=CBV2.0) of `document`. */
    hashId: text().notNull(),
    /** Lifecycle kind (commission, sale, dispatch…) or "epcis" for events captured as EPCIS. */
    kind: text().notNull(),
    eventType: text().notNull(),
    action: text(),
    bizStep: text(),
    disposition: text(),
    eventTime: ts().notNull(),
    recordTime: ts().notNull(),
    readPoint: text(),
    bizLocation: text(),
    actorOrgId: text().references(() => orgs.id),
    /** The event as EPCIS 2.0 JSON-LD (what the EPCIS interface returns, what the hash covers). */
    document: jsonb().$type<Record<string, unknown>>().notNull(),
    /** The JSON-LD @context the event was captured under (namespaces of its extensions). */
    context: jsonb().$type<unknown[]>().notNull().default([]),
    /** Data of our own that is not part of the EPCIS document (never personal data). */
    meta: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /**
     * Set on an error declaration: the row of the event it declares erroneous. A declaration is
     * the original event resent with `errorDeclaration`, so it shares the original's eventID and
     * Event Hash ID (the hash leaves errorDeclaration out); it is stored as a new event, never as
     * an edit of the original.
     */
    declares: bigint({ mode: "number" }),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.recordTime] }),
    // Lookups by hash or eventID (uniqueness is event_keys' job).
    index("events_hash_id_idx").on(t.hashId),
    index("events_event_id_idx").on(t.eventId),
    // "Is this event declared erroneous?" runs for every listing a sale checks, every row of a
    // history and every EPCIS query; the few declarations make it a tiny index.
    index("events_declares_idx").on(t.declares).where(sql`${t.declares} is not null`),
    index("events_time_idx").on(t.eventTime),
    index("events_record_time_idx").on(t.recordTime, t.id),
    index("events_actor_idx").on(t.actorOrgId, t.kind),
    index("events_biz_step_idx").on(t.bizStep),
  ],
);

/**
 * Which identifiers an event touches: one row per item, lot, product or foreign key it names.
 * Partitioned like `events`, by its event's record time.
 */
export const eventSubjects = pgTable(
  "event_subjects",
  {
    eventId: bigint({ mode: "number" }).notNull(),
    /** The event's record time: the partition key, so a subject row lives in its event's month. */
    recordTime: ts().notNull(),
    /** Canonical key: the Digital Link path (/01/…/21/…), or the normalised URI of a foreign identifier. */
    subjectKey: text().notNull(),
    /** item | lot | product | other */
    level: text().notNull(),
    /** epc | parent | child | input | output | quantity */
    role: text().notNull().default("epc"),
    quantity: integer(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.subjectKey, t.role, t.recordTime] }),
    foreignKey({
      columns: [t.eventId, t.recordTime],
      foreignColumns: [events.id, events.recordTime],
    }),
    index("event_subjects_key_idx").on(t.subjectKey, t.eventId),
    // A lot's or product's own events (its inspections, recalls, lot sales), without the
    // context rows every event of its items adds: thousands per lot.
    index("event_subjects_own_idx").on(t.subjectKey, t.eventId).where(sql`${t.role} <> 'context'`),
  ],
);

/**
 * Events committed but not yet given a leaf. A trigger on `events` adds each inserted event (so
 * every writer is covered, and an event appears here when its transaction commits, however
 * late); the sequencer takes them in id order and deletes them with the leaves it writes.
 * No foreign key: it is a queue of ids, and a deleted event must not block the queue.
 */
export const logPending = pgTable("log_pending", {
  eventId: bigint({ mode: "number" }).primaryKey(),
});

/** The Merkle log: one leaf per event, in log order, contiguous from 0. */
export const logLeaves = pgTable(
  "log_leaves",
  {
    leafIndex: bigint({ mode: "number" }).primaryKey(),
    eventId: bigint({ mode: "number" })
      .notNull()
      .references(() => eventKeys.id),
    /** RFC 9162 leaf hash (hex) of the event's Event Hash ID and arrival data. */
    leafHash: text().notNull(),
  },
  (t) => [uniqueIndex("log_leaves_event_key").on(t.eventId)],
);

/**
 * Hashes of the log's complete subtrees: the node at (level, index) covers leaves
 * [index * 2^level, (index + 1) * 2^level). Only levels from 8 up are kept (about 1/128 of a
 * row per leaf); proofs recompute the lower ones from at most 2^8 leaves. Written once, by the
 * sequencer, in the transaction that makes the subtree complete; never updated.
 */
export const logNodes = pgTable(
  "log_nodes",
  {
    level: integer().notNull(),
    index: bigint({ mode: "number" }).notNull(),
    /** RFC 9162 hash (hex) of the subtree. */
    hash: text().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.level, t.index] }),
    check("log_nodes_level_check", sql`${t.level} between 0 and 62`),
    check("log_nodes_index_check", sql`${t.index} >= 0`),
    check("log_nodes_hash_check", sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const checkpoints = pgTable("checkpoints", {
  treeSize: bigint({ mode: "number" }).primaryKey(),
  rootHash: text().notNull(),
  timestamp: ts().notNull(),
  origin: text().notNull(),
  keyId: text().notNull(),
  signature: text().notNull(),
});

/** Receipt codes given to buyers at sale time, kept only as keyed hashes. */
export const receipts = pgTable(
  "receipts",
  {
    id: text().primaryKey(),
    codeHash: text().notNull(),
    itemId: bigint({ mode: "number" }).notNull(),
    saleEventId: bigint({ mode: "number" })
      .notNull()
      .references(() => eventKeys.id),
    sellerOrgId: text()
      .notNull()
      .references(() => orgs.id),
    /** Keyed hash of the buyer reference the seller gave (order account), for fake-order detection. */
    buyerRef: text(),
    createdAt: ts().notNull(),
    confirmedAt: ts(),
    /** Set when a return ends this sale; a new sale issues a new receipt. */
    closedAt: ts(),
    failedAttempts: integer().notNull().default(0),
  },
  (t) => [
    uniqueIndex("receipts_code_hash_key").on(t.codeHash),
    index("receipts_item_idx").on(t.itemId),
    // Sales bursts per buyer and the credit's distinct-buyer count read receipts per seller.
    index("receipts_seller_buyer_idx").on(t.sellerOrgId, t.buyerRef, t.createdAt),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type EventSubject = typeof eventSubjects.$inferSelect;
export type LogNode = typeof logNodes.$inferSelect;
export type Checkpoint = typeof checkpoints.$inferSelect;
export type Receipt = typeof receipts.$inferSelect;
