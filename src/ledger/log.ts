// The Merkle log over all events: sequencing into contiguous leaves, signed checkpoints, proofs.
import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { rowsOf } from "../db/rows";
import { checkpoints, type EventRow, events, logLeaves, logPending } from "../db/schema";
import type { Database, Db } from "../db/types";
import { type SignedCheckpoint, type SigningKey, signCheckpoint } from "./checkpoint";
import { bytesToHex, utf8 } from "./hex";
import { contiguousSize, extendNodes, lockSequencer, STORED_LEVEL, StoredLog } from "./log-nodes";
import { leafHash } from "./merkle";

export interface LogDeps {
  signingKey: SigningKey;
  origin: string;
  now(): Date;
  /** Lowest level of log_nodes (tests use a small one so that few leaves reach it). */
  storedLevel?: number;
}

/** The bytes a leaf commits to: what identifies the event plus what its Event Hash ID leaves out. */
export function leafEntry(
  e: Pick<EventRow, "hashId" | "eventId" | "recordTime" | "actorOrgId" | "kind">,
): Uint8Array {
  return utf8(
    JSON.stringify([
      "zhuisu/leaf/v1",
      e.hashId,
      e.eventId,
      e.recordTime.toISOString(),
      e.actorOrgId,
      e.kind,
    ]),
  );
}

export async function leafHashOf(e: Parameters<typeof leafEntry>[0]): Promise<string> {
  return bytesToHex(await leafHash(leafEntry(e)));
}

const SEQUENCE_BATCH = 50_000;

interface PendingEvent {
  id: number | string;
  hash_id: string;
  event_id: string;
  record_time: string | Date;
  actor_org_id: string | null;
  kind: string;
}

/**
 * Committed events without a leaf, in arrival order, from the queue a trigger on `events` fills
 * (migration 0004): an event appears there when its transaction commits, however late, so an
 * idle tick reads an empty table instead of searching recent ids for late commits.
 */
async function pendingEvents(tx: Db): Promise<PendingEvent[]> {
  return rowsOf<PendingEvent>(
    await tx.execute(sql`
      select e.id, e.hash_id, e.event_id, e.record_time, e.actor_org_id, e.kind
      from ${logPending} p join ${events} e on e.id = p.event_id
      where not exists (select 1 from ${logLeaves} l where l.event_id = p.event_id)
      order by p.event_id limit ${SEQUENCE_BATCH}`),
  );
}

/**
 * Gives every committed event without a leaf the next leaf index, in arrival order, and stores
 * the subtree nodes the new leaves complete in the same transaction. Runs under an advisory lock
 * so that two nodes cannot hand out the same index. A log from before log_nodes is back-filled
 * first, one bounded transaction at a time.
 */
export async function sequencePending(db: Database, storedLevel = STORED_LEVEL): Promise<number> {
  let added = 0;
  for (;;) {
    const step = await db.transaction(async (tx) => {
      await lockSequencer(tx);
      if (!(await extendNodes(tx, storedLevel))) return { added: 0, more: true };
      // Never below a signed size: a removed last leaf must leave a hole, not be silently reused.
      const [head] = rowsOf<{ next: number | string }>(
        await tx.execute(sql`
          select greatest(coalesce(max(leaf_index) + 1, 0), coalesce((select max(tree_size) from checkpoints), 0)) as next
          from log_leaves`),
      );
      const pending = await pendingEvents(tx);
      if (pending.length === 0) {
        // Ids whose event already has a leaf or is gone leave the queue too.
        await tx.execute(sql`
          delete from ${logPending} p where exists (select 1 from ${logLeaves} l where l.event_id = p.event_id)
             or not exists (select 1 from ${events} e where e.id = p.event_id)`);
        return { added: 0, more: false };
      }
      const index = Number(head!.next);
      const leaves = await Promise.all(
        pending.map(async (e, i) => ({
          leafIndex: index + i,
          eventId: Number(e.id),
          leafHash: await leafHashOf({
            hashId: e.hash_id,
            eventId: e.event_id,
            recordTime: new Date(e.record_time),
            actorOrgId: e.actor_org_id,
            kind: e.kind,
          }),
        })),
      );
      for (let i = 0; i < leaves.length; i += 5_000)
        await tx.insert(logLeaves).values(leaves.slice(i, i + 5_000));
      await tx.execute(sql`
        delete from ${logPending}
        where event_id in (select (jsonb_array_elements_text(${JSON.stringify(leaves.map((l) => l.eventId))}::jsonb))::bigint)`);
      // Fewer than one block was left unhashed above, so this reads at most the new leaves and it.
      await extendNodes(tx, storedLevel, SEQUENCE_BATCH + 2 ** (storedLevel + 1));
      return { added: leaves.length, more: leaves.length === SEQUENCE_BATCH };
    });
    added += step.added;
    if (!step.more) return added;
  }
}

/** Roots and proofs of the log, read from its stored nodes (one per request). */
export function storedLog(db: Db, deps?: Pick<LogDeps, "storedLevel">): StoredLog {
  return new StoredLog(db, deps?.storedLevel ?? STORED_LEVEL);
}

export function signedCheckpointOf(row: typeof checkpoints.$inferSelect): SignedCheckpoint {
  return {
    origin: row.origin,
    treeSize: row.treeSize,
    rootHash: row.rootHash,
    timestamp: row.timestamp.toISOString(),
    keyId: row.keyId,
    signature: row.signature,
  };
}

export async function latestCheckpoint(db: Db): Promise<SignedCheckpoint | null> {
  const [row] = await db.select().from(checkpoints).orderBy(desc(checkpoints.treeSize)).limit(1);
  return row ? signedCheckpointOf(row) : null;
}

export async function checkpointOfSize(db: Db, size: number): Promise<SignedCheckpoint | null> {
  const [row] = await db.select().from(checkpoints).where(eq(checkpoints.treeSize, size));
  return row ? signedCheckpointOf(row) : null;
}

/**
 * Sequences what arrived and signs a checkpoint when the log grew. With `minIntervalMs`, a
 * checkpoint younger than that is returned as it is (readers need not sign on every request).
 */
export async function checkpoint(
  db: Database,
  deps: LogDeps,
  minIntervalMs = 0,
): Promise<SignedCheckpoint | null> {
  const last = await latestCheckpoint(db);
  if (
    last &&
    minIntervalMs > 0 &&
    deps.now().getTime() - Date.parse(last.timestamp) < minIntervalMs
  )
    return last;
  const storedLevel = deps.storedLevel ?? STORED_LEVEL;
  await sequencePending(db, storedLevel);
  const size = await contiguousSize(db, storedLevel);
  if (last && last.treeSize >= size) return last;
  if (!last && size === 0) return null;
  const signed = await signCheckpoint(
    {
      origin: deps.origin,
      treeSize: size,
      rootHash: bytesToHex(await storedLog(db, deps).root(size)),
      timestamp: deps.now().toISOString(),
    },
    deps.signingKey,
  );
  await db
    .insert(checkpoints)
    .values({ ...signed, timestamp: new Date(signed.timestamp) })
    .onConflictDoNothing();
  return (await checkpointOfSize(db, signed.treeSize)) ?? signed;
}

export async function leafOfEvent(db: Db, eventRowId: number) {
  const [row] = await db.select().from(logLeaves).where(eq(logLeaves.eventId, eventRowId));
  return row ?? null;
}

export async function leavesInRange(db: Db, from: number, to: number) {
  return db
    .select()
    .from(logLeaves)
    .where(and(gte(logLeaves.leafIndex, from), lt(logLeaves.leafIndex, to)))
    .orderBy(asc(logLeaves.leafIndex));
}

export async function eventsByRowIds(db: Db, ids: number[]) {
  if (ids.length === 0) return [];
  return db.select().from(events).where(inArray(events.id, ids));
}
