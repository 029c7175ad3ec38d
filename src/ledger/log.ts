// The Merkle log over all events: sequencing into contiguous leaves, signed checkpoints, proofs.
import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { rowsOf } from "../db/rows";
import { checkpoints, type EventRow, events, logLeaves } from "../db/schema";
import type { Database, Db } from "../db/types";
import { type SignedCheckpoint, type SigningKey, signCheckpoint } from "./checkpoint";
import { bytesToHex, hexToBytes, utf8 } from "./hex";
import { leafHash, MerkleLog } from "./merkle";

export interface LogDeps {
  signingKey: SigningKey;
  origin: string;
  now(): Date;
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

// Any fixed number serves: it names the lock that makes one sequencer run at a time.
const SEQUENCER_LOCK = 7_412_001;
/** Arrival ids are looked back this far for late commits (a transaction that took long to commit). */
const LATE_COMMIT_WINDOW = 100_000;
const SEQUENCE_BATCH = 50_000;

/**
 * Gives every committed event without a leaf the next leaf index, in arrival order. Runs under
 * an advisory lock so that two nodes cannot hand out the same index.
 */
export async function sequencePending(db: Database): Promise<number> {
  let added = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${SEQUENCER_LOCK})`);
      // Never below a signed size: a removed last leaf must leave a hole, not be silently reused.
      const head = rowsOf<{ next: number | string; last: number | string }>(
        await tx.execute(sql`
          select greatest(coalesce(max(leaf_index) + 1, 0), coalesce((select max(tree_size) from checkpoints), 0)) as next,
                 coalesce(max(event_id), 0) as last
          from log_leaves`),
      )[0]!;
      const floor = Number(head.last) - LATE_COMMIT_WINDOW;
      const pending = rowsOf<{
        id: number | string;
        hash_id: string;
        event_id: string;
        record_time: string | Date;
        actor_org_id: string | null;
        kind: string;
      }>(
        await tx.execute(sql`
          select e.id, e.hash_id, e.event_id, e.record_time, e.actor_org_id, e.kind from events e
          where e.id > ${floor} and not exists (select 1 from log_leaves l where l.event_id = e.id)
          order by e.id limit ${SEQUENCE_BATCH}`),
      );
      if (pending.length === 0) return 0;
      let index = Number(head.next);
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
      index += leaves.length;
      for (let i = 0; i < leaves.length; i += 5_000)
        await tx.insert(logLeaves).values(leaves.slice(i, i + 5_000));
      return leaves.length;
    });
    added += batch;
    if (batch < SEQUENCE_BATCH) return added;
  }
}

const trees = new WeakMap<Database, { tree: MerkleLog; sync: Promise<MerkleLog> | null }>();

/** The in-memory tree of this process, brought up to date with the leaves in the database. */
export async function syncedTree(db: Database): Promise<MerkleLog> {
  let state = trees.get(db);
  if (!state) {
    state = { tree: new MerkleLog(), sync: null };
    trees.set(db, state);
  }
  const s = state;
  s.sync ??= (async () => {
    try {
      const rows = await db
        .select({ leafIndex: logLeaves.leafIndex, leafHash: logLeaves.leafHash })
        .from(logLeaves)
        .where(gte(logLeaves.leafIndex, s.tree.size))
        .orderBy(asc(logLeaves.leafIndex));
      // Stop at a hole: a tree that skipped it would sign a history with an event missing.
      const hole = rows.findIndex((r, i) => r.leafIndex !== s.tree.size + i);
      const contiguous = hole === -1 ? rows : rows.slice(0, hole);
      if (s.tree.size === 0 && contiguous.length > 1000) {
        s.tree = await MerkleLog.fromLeafHashes(contiguous.map((r) => hexToBytes(r.leafHash)));
      } else {
        for (const r of contiguous) await s.tree.append(hexToBytes(r.leafHash));
      }
      return s.tree;
    } finally {
      s.sync = null;
    }
  })();
  return s.sync;
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
  await sequencePending(db);
  const tree = await syncedTree(db);
  if (last && last.treeSize >= tree.size) return last;
  if (!last && tree.size === 0) return null;
  const signed = await signCheckpoint(
    {
      origin: deps.origin,
      treeSize: tree.size,
      rootHash: bytesToHex(await tree.root(tree.size)),
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
