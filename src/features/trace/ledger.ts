// Reading the ledger for traces: key data of events (not their whole documents) and inclusion proofs.
import { eq, type SQL, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import {
  checkpoints,
  eventSubjects,
  events,
  inspections,
  logLeaves,
  logPending,
  recalls,
} from "../../db/schema";
import type { Database, Db } from "../../db/types";
import type { SignedCheckpoint } from "../../ledger/checkpoint";
import { bytesToHex } from "../../ledger/hex";
import { checkpoint, type LogDeps, storedLog } from "../../ledger/log";
import type { StoredLog } from "../../ledger/log-nodes";
import { type Correction, type KeyData, orgIdOf } from "./replay";

/**
 * The document without its identifier lists: an event of 10,000 items carries 600 kB of them,
 * and reading each field separately would unpack (detoast) the whole document once per field.
 */
const SLIM = sql.raw(
  "'{epcList,quantityList,childEPCs,childQuantityList,inputEPCList,inputQuantityList,outputEPCList,outputQuantityList,ilmd,sensorElementList}'::text[]",
);

/** postgres.js and PGlite both parse jsonb, but a driver that hands back text is read too. */
function json(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

interface RawKeyData {
  id: number | string | bigint;
  event_id: string;
  hash_id: string;
  kind: string;
  event_type: string;
  action: string | null;
  biz_step: string | null;
  disposition: string | null;
  event_ms: number | string;
  record_ms: number | string;
  read_point: string | null;
  biz_location: string | null;
  actor_org_id: string | null;
  carrier_org_id: string | null;
  slim: unknown;
  leaf_index: number | string | bigint | null;
  leaf_hash: string | null;
  declares: number | string | bigint | null;
  declared_by: number | string | bigint | null;
  declaration: unknown;
}

/** The error declaration of an event, as its `errorDeclaration` field carries it. */
export function correctionOf(by: number, declaration: unknown): Correction {
  const d = (json(declaration) ?? {}) as Record<string, unknown>;
  return {
    by,
    reason: text(d.reason)?.replace(/^.*[:/]/, "") ?? null,
    declaredAt: text(d.declarationTime),
    note: text(d["zs:note"]),
  };
}

function toKeyData(r: RawKeyData): KeyData {
  const doc = (json(r.slim) ?? {}) as Record<string, unknown>;
  const cert = doc.certificationInfo;
  return {
    id: Number(r.id),
    eventId: r.event_id,
    hashId: r.hash_id,
    kind: r.kind,
    eventType: r.event_type,
    action: r.action,
    bizStep: r.biz_step,
    disposition: r.disposition,
    eventTime: new Date(Number(r.event_ms)),
    recordTime: new Date(Number(r.record_ms)),
    readPoint: r.read_point,
    bizLocation: r.biz_location,
    actorOrgId: r.actor_org_id,
    tzOffset: text(doc.eventTimeZoneOffset),
    carrierOrgId: r.carrier_org_id ?? orgIdOf(text(doc["zs:carrier"])),
    destinationRegion: text(doc["zs:destinationRegion"]),
    bizTransactions: list(doc.bizTransactionList),
    sources: list(doc.sourceList),
    destinations: list(doc.destinationList),
    certificationInfo:
      typeof cert === "string" ? cert : Array.isArray(cert) ? String(cert[0]) : null,
    recallId: text(doc["zs:recallId"]),
    recallOutcome: text(doc["zs:outcome"]),
    extensions: Object.fromEntries(Object.entries(doc).filter(([k]) => k.startsWith("zs:"))),
    leafIndex: r.leaf_index === null ? null : Number(r.leaf_index),
    leafHash: r.leaf_hash,
    declares: r.declares === null ? null : Number(r.declares),
    correction: r.declared_by === null ? null : correctionOf(Number(r.declared_by), r.declaration),
  };
}

export interface EventScope {
  /** Events naming one of these keys. */
  subjectKeys: string[];
  /** And these events, by row id (inspections and recalls of the lot, found through their tables). */
  ids?: number[];
  /** And the inspection, recall and recall-closing events of this lot, looked up in the same query. */
  papersOfLot?: { lotId: string; gtin: string };
}

/** One semi-join on the ids in scope (an OR of two IN lists would scan the whole events table). */
function scopeWhere(scope: EventScope, asOf: Date | null): SQL {
  const parts: SQL[] = [];
  if (scope.subjectKeys.length) {
    parts.push(
      sql`select event_id from ${eventSubjects} where subject_key in (${sql.join(
        scope.subjectKeys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
  }
  if (scope.ids?.length) {
    parts.push(
      sql`select (jsonb_array_elements_text(${JSON.stringify(scope.ids)}::jsonb))::bigint`,
    );
  }
  if (scope.papersOfLot) {
    const { lotId, gtin } = scope.papersOfLot;
    const covers = sql`${recalls.gtin} = ${gtin} and ${recalls.lotIds} @> jsonb_build_array(${lotId}::text)`;
    parts.push(
      sql`select ${inspections.eventId} from ${inspections} where ${inspections.lotId} = ${lotId}`,
    );
    parts.push(sql`select ${recalls.eventId} from ${recalls} where ${covers}`);
    parts.push(sql`select ${recalls.closedEventId} from ${recalls} where ${covers}`);
  }
  const ids = sql.join(parts, sql` union `);
  return asOf
    ? sql`e.id in (${ids}) and e.event_time <= ${asOf.toISOString()}::timestamptz`
    : sql`e.id in (${ids})`;
}

/**
 * Key data of the events in scope, in time order (ties in arrival order), with their log leaf.
 * Plain SQL: on the embedded database the mapping layer costs more than the query itself.
 */
export async function keyDataIn(db: Db, scope: EventScope, asOf: Date | null): Promise<KeyData[]> {
  if (scope.subjectKeys.length === 0 && !scope.ids?.length && !scope.papersOfLot) return [];
  const rows = rowsOf<RawKeyData>(
    await db.execute(sql`
      select e.id, e.event_id, e.hash_id, e.kind, e.event_type, e.action, e.biz_step, e.disposition,
             (extract(epoch from e.event_time) * 1000)::float8 as event_ms,
             (extract(epoch from e.record_time) * 1000)::float8 as record_ms,
             e.read_point, e.biz_location, e.actor_org_id, e.meta->>'carrierOrgId' as carrier_org_id,
             e.document - ${SLIM} as slim, l.leaf_index, l.leaf_hash, e.declares,
             d.id as declared_by, d.document->'errorDeclaration' as declaration
      from ${events} e left join ${logLeaves} l on l.event_id = e.id
        left join ${events} d on d.declares = e.id
      where ${scopeWhere(scope, asOf)}
      order by e.event_time, e.id`),
  );
  return rows.map(toKeyData);
}

/** How a key is named in the events of a subject: its role and quantity per event. */
export async function subjectRows(db: Db, key: string) {
  return db
    .select({
      eventId: eventSubjects.eventId,
      role: eventSubjects.role,
      quantity: eventSubjects.quantity,
    })
    .from(eventSubjects)
    .where(eq(eventSubjects.subjectKey, key));
}

/**
 * The item keys of every item-level event that touches `key` (a lot: its units), one row per
 * event with its keys joined by spaces: 30,000 (event, item) pairs cost one row each otherwise.
 */
export async function itemKeysOfEventsOf(db: Db, key: string): Promise<Map<number, string[]>> {
  // Per event through the primary key (event_id first), never a scan of all subjects.
  const rows = rowsOf<{ event_id: number | string; keys: string | null }>(
    await db.execute(sql`
      select e.event_id,
             (select string_agg(s.subject_key, ' ') from ${eventSubjects} s
              where s.event_id = e.event_id and s.level = 'item') as keys
      from (select distinct event_id from ${eventSubjects} where subject_key = ${key}) e`),
  );
  return new Map(rows.map((r) => [Number(r.event_id), r.keys ? r.keys.split(" ") : []]));
}

export interface InclusionRef {
  leafIndex: number;
  leafHash: string;
  proof: string[];
}

/**
 * The latest signed checkpoint when nothing arrived since (one indexed probe); otherwise one
 * signed now, at most every `minIntervalMs` (reads then need not sequence the log each time).
 */
export async function exportCheckpoint(
  db: Database,
  deps: LogDeps,
  minIntervalMs: number,
  /** False on a read replica, which cannot sign: the latest stored checkpoint is used as it is. */
  mayWrite = true,
): Promise<SignedCheckpoint | null> {
  const [last] = rowsOf<{
    tree_size: number | string | bigint;
    root_hash: string;
    at_ms: number | string;
    origin: string;
    key_id: string;
    signature: string;
    newer: boolean;
  }>(
    await db.execute(sql`
      select c.tree_size, c.root_hash, (extract(epoch from c.timestamp) * 1000)::float8 as at_ms,
             c.origin, c.key_id, c.signature,
             -- Events waiting for a leaf (late commits too), or leaves past this checkpoint.
             exists (select 1 from ${logPending})
               or exists (select 1 from ${logLeaves} where leaf_index >= c.tree_size) as newer
      from ${checkpoints} c order by c.tree_size desc limit 1`),
  );
  if (last && (!last.newer || !mayWrite)) {
    return {
      origin: last.origin,
      treeSize: Number(last.tree_size),
      rootHash: last.root_hash,
      timestamp: new Date(Number(last.at_ms)).toISOString(),
      keyId: last.key_id,
      signature: last.signature,
    };
  }
  return mayWrite ? checkpoint(db, deps, minIntervalMs) : null;
}

/**
 * One stored-log reader per checkpoint size, shared by the traces against it: the nodes every
 * proof against that size needs (its right edge) are read and hashed once. Renewed after
 * `PROOF_READER_USES` traces so that the leaves it has read stay a bounded set.
 */
const readers = new WeakMap<Database, { treeSize: number; uses: number; log: StoredLog }>();
const PROOF_READER_USES = 1_000;

function readerAt(db: Database, treeSize: number): StoredLog {
  let reader = readers.get(db);
  if (!reader || reader.treeSize !== treeSize || reader.uses >= PROOF_READER_USES) {
    reader = { treeSize, uses: 0, log: storedLog(db) };
    readers.set(db, reader);
  }
  reader.uses++;
  return reader.log;
}

/**
 * RFC 9162 audit paths of events against a checkpoint, so an export verifies offline with the
 * log's public key alone. Events not yet covered by the checkpoint get none.
 */
export async function inclusionProofs(
  db: Database,
  rows: Pick<KeyData, "id" | "leafIndex" | "leafHash">[],
  checkpoint: SignedCheckpoint | null,
): Promise<Map<number, InclusionRef>> {
  const out = new Map<number, InclusionRef>();
  if (!checkpoint) return out;
  const covered = rows.filter(
    (r) => r.leafIndex !== null && r.leafHash !== null && r.leafIndex < checkpoint.treeSize,
  );
  if (covered.length === 0) return out;
  const proofs = await readerAt(db, checkpoint.treeSize).inclusionProofs(
    covered.map((r) => r.leafIndex!),
    checkpoint.treeSize,
  );
  for (const [i, r] of covered.entries()) {
    out.set(r.id, {
      leafIndex: r.leafIndex!,
      leafHash: r.leafHash!,
      proof: proofs[i]!.map(bytesToHex),
    });
  }
  return out;
}
