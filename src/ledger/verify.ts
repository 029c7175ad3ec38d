// Recomputes a history against the log: which event was changed, removed or reordered since it was signed.
import { asc, inArray, sql } from "drizzle-orm";
import { rowsOf } from "../db/rows";
import { type EventRow, logLeaves } from "../db/schema";
import type { Db } from "../db/types";
import { type SignedCheckpoint, verifyCheckpoint } from "./checkpoint";
import { ZS_CONTEXT } from "./epcis";
import { eventHashId } from "./event-hash";
import { bytesToHex, hexToBytes } from "./hex";
import { leafHashOf } from "./log";
import { MerkleLog, verifyInclusion } from "./merkle";

export type ProblemKind =
  | "changed"
  | "removed"
  | "reordered"
  | "not_in_log"
  | "log_rewritten"
  | "bad_signature";

export interface VerifyProblem {
  kind: ProblemKind;
  /** The event's id (our row id) when one event is to blame. */
  event?: number;
  eventId?: string;
  leafIndex?: number;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  checkpoint: SignedCheckpoint | null;
  eventsChecked: number;
  problems: VerifyProblem[];
}

/**
 * Checks `history` (the events a subject's history shows) against the signed checkpoint:
 * each event's Event Hash ID and leaf are recomputed from its row, its leaf must sit in the
 * tree the checkpoint signed, the log must have no holes, and log order must follow arrival.
 */
export async function verifyHistory(
  db: Db,
  history: EventRow[],
  checkpoint: SignedCheckpoint | null,
  publicKey: Uint8Array,
): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  if (!checkpoint) {
    return {
      ok: history.length === 0,
      checkpoint,
      eventsChecked: 0,
      problems: history.map((e) => notInLog(e)),
    };
  }
  if (!(await verifyCheckpoint(checkpoint, publicKey))) {
    problems.push({
      kind: "bad_signature",
      detail: `checkpoint of size ${checkpoint.treeSize} does not verify with the log's public key`,
    });
  }
  const size = checkpoint.treeSize;
  const leaves = await db
    .select()
    .from(logLeaves)
    .where(sql`${logLeaves.leafIndex} < ${size}`)
    .orderBy(asc(logLeaves.leafIndex));

  // Holes: a leaf index below the checkpoint's size with no row means an event was removed.
  const present = new Set(leaves.map((l) => l.leafIndex));
  for (let i = 0, reported = 0; i < size && reported < 50; i++) {
    if (!present.has(i)) {
      problems.push({
        kind: "removed",
        leafIndex: i,
        detail: `log position ${i} is empty: the event recorded there was removed`,
      });
      reported++;
    }
  }
  // Leaves whose event row is gone.
  const eventIds = leaves.map((l) => l.eventId);
  const existing = new Set<number>();
  for (let i = 0; i < eventIds.length; i += 10_000) {
    const chunk = eventIds.slice(i, i + 10_000);
    const rows = rowsOf<{ id: number | string }>(
      await db.execute(
        sql`select id from events where id in (select (jsonb_array_elements_text(${JSON.stringify(chunk)}::jsonb))::bigint)`,
      ),
    );
    for (const r of rows) existing.add(Number(r.id));
  }
  for (const leaf of leaves) {
    if (!existing.has(leaf.eventId)) {
      problems.push({
        kind: "removed",
        event: leaf.eventId,
        leafIndex: leaf.leafIndex,
        detail: `event ${leaf.eventId} at log position ${leaf.leafIndex} was removed from the events table`,
      });
    }
  }
  const tree = await MerkleLog.fromLeafHashes(
    Array.from({ length: size }, (_, i) =>
      hexToBytes(leaves[i]?.leafIndex === i ? leaves[i]!.leafHash : "00".repeat(32)),
    ),
  );
  const root = bytesToHex(await tree.root(size));
  if (root !== checkpoint.rootHash) {
    problems.push({
      kind: "log_rewritten",
      detail: `the leaves stored now hash to ${root}, not to the signed root ${checkpoint.rootHash} of size ${size}`,
    });
    // Leaves follow commit order, which concurrent writers make differ from id order: an event
    // after one with a higher id is normal in a log whose root matches. Only in a rewritten log
    // does it say which leaves were moved.
    for (let i = 1; i < leaves.length; i++) {
      const before = leaves[i - 1]!;
      const here = leaves[i]!;
      if (here.eventId < before.eventId) {
        problems.push({
          kind: "reordered",
          event: here.eventId,
          leafIndex: here.leafIndex,
          detail: `event ${here.eventId} sits at log position ${here.leafIndex}, after event ${before.eventId}, in a log that no longer hashes to its signed root`,
        });
      }
    }
  }
  const leafByEvent = new Map(leaves.map((l) => [l.eventId, l]));
  const rootBytes = hexToBytes(checkpoint.rootHash);
  for (const event of history) {
    const leaf = leafByEvent.get(event.id);
    if (!leaf) {
      problems.push(notInLog(event));
      continue;
    }
    const recomputed = await eventHashId(event.document, event.context ?? ZS_CONTEXT);
    if (recomputed !== event.hashId) {
      problems.push({
        kind: "changed",
        event: event.id,
        eventId: event.eventId,
        leafIndex: leaf.leafIndex,
        detail: `event ${event.id} was changed: its content hashes to ${recomputed}, not to the recorded ${event.hashId}`,
      });
      continue;
    }
    const leafHash = await leafHashOf(event);
    if (leafHash !== leaf.leafHash) {
      problems.push({
        kind: "changed",
        event: event.id,
        eventId: event.eventId,
        leafIndex: leaf.leafIndex,
        detail: `event ${event.id} was changed: its identity or record time no longer matches its leaf at position ${leaf.leafIndex}`,
      });
      continue;
    }
    const proof = await tree.inclusionProof(leaf.leafIndex, size);
    if (!(await verifyInclusion(leaf.leafIndex, size, hexToBytes(leafHash), proof, rootBytes))) {
      problems.push({
        kind: "changed",
        event: event.id,
        eventId: event.eventId,
        leafIndex: leaf.leafIndex,
        detail: `event ${event.id} at position ${leaf.leafIndex} is not in the tree the checkpoint signed`,
      });
    }
  }
  return { ok: problems.length === 0, checkpoint, eventsChecked: history.length, problems };
}

function notInLog(e: EventRow): VerifyProblem {
  return {
    kind: "not_in_log",
    event: e.id,
    eventId: e.eventId,
    detail: `event ${e.id} is not yet in a signed checkpoint (it arrived after the latest one)`,
  };
}

export async function leavesOfEvents(db: Db, ids: number[]) {
  if (ids.length === 0) return [];
  return db.select().from(logLeaves).where(inArray(logLeaves.eventId, ids));
}
