// The one append path of the ledger: lifecycle API and EPCIS capture both write events through here.
import { type AnyColumn, and, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { rowFromJson } from "../db/json-rows";
import { rowsOf } from "../db/rows";
import { type EventRow, eventKeys, eventSubjects, events } from "../db/schema";
import type { Db } from "../db/types";
import { AppError } from "../lib/errors";
import { ZS_CONTEXT } from "./epcis";
import { eventHashId } from "./event-hash";

export interface SubjectRef {
  /** Canonical key (Digital Link path) or the normalised URI of an identifier we do not manage. */
  key: string;
  level: "item" | "lot" | "product" | "other";
  role?: "epc" | "parent" | "child" | "input" | "output" | "quantity" | "context";
  quantity?: number;
}

export interface EventDraft {
  kind: string;
  /** The EPCIS event (JSON-LD); eventID may be absent: the Event Hash ID then becomes it. */
  event: Record<string, unknown>;
  /** The JSON-LD @context the event is read with; ours by default. */
  context?: unknown[];
  actorOrgId: string | null;
  subjects: SubjectRef[];
  meta?: Record<string, unknown>;
}

export interface Appended {
  row: EventRow;
  /** The same event (same Event Hash ID) was already stored; nothing new was written. */
  duplicate: boolean;
}

/** Rows per INSERT statement: bounded so 100,000-subject events and 10,000-event batches stay fast. */
const SUBJECT_CHUNK = 5_000;
const EVENT_CHUNK = 1_000;

/**
 * Appends events in the caller's transaction, in multi-row INSERTs. An event already stored
 * (same Event Hash ID), or twice in one batch, is stored once: its row comes back with
 * `duplicate: true`. `hashIds`, when the caller has computed them, saves hashing twice.
 */
export async function appendEvents(
  tx: Db,
  recordTime: Date,
  drafts: EventDraft[],
  hashIds?: string[],
): Promise<Appended[]> {
  const hashed = await Promise.all(
    drafts.map(async (d, i) => ({
      draft: d,
      hashId: hashIds?.[i] ?? (await eventHashId(d.event, d.context ?? ZS_CONTEXT)),
    })),
  );
  const declares = hashed.some((h) => isObject(h.draft.event.errorDeclaration));
  // Without error declarations nothing needs reading first: the insert skips what is stored.
  const { originals, declarations } = declares
    ? await storedByHash(tx, hashed)
    : { originals: new Map<string, EventRow>(), declarations: new Map<string, EventRow>() };
  const fresh = new Map<string, { draft: EventDraft; hashId: string }>();
  for (const h of hashed)
    if (!originals.has(h.hashId) && !fresh.has(h.hashId)) fresh.set(h.hashId, h);
  const pending = [...fresh.values()];
  await refuseReusedEventIds(tx, pending);
  const inserted = new Set<number>();
  for (let i = 0; i < pending.length; i += EVENT_CHUNK) {
    for (const row of await insertWithSubjects(tx, recordTime, pending.slice(i, i + EVENT_CHUNK))) {
      originals.set(row.hashId, row);
      inserted.add(row.id);
    }
  }
  // Stored before, or by a concurrent request that committed while this one waited.
  const skipped = pending.filter((h) => !originals.has(h.hashId));
  if (skipped.length > 0) {
    const stored = await storedByHash(tx, skipped);
    for (const [hashId, row] of stored.originals) originals.set(hashId, row);
  }
  if (declares) await appendDeclarations(tx, recordTime, hashed, originals, declarations, inserted);
  const seen = new Set<number>();
  return hashed.map((h) => {
    const isDeclaration = isObject(h.draft.event.errorDeclaration) && declarations.has(h.hashId);
    const row = (isDeclaration ? declarations : originals).get(h.hashId)!;
    const duplicate = !inserted.has(row.id) || seen.has(row.id);
    seen.add(row.id);
    return { row, duplicate };
  });
}

/** Stored originals and declarations with these Event Hash IDs. */
async function storedByHash(tx: Db, hashed: { hashId: string }[]) {
  const originals = new Map<string, EventRow>();
  const declarations = new Map<string, EventRow>();
  const hashIds = [...new Set(hashed.map((h) => h.hashId))];
  for (let i = 0; i < hashIds.length; i += EVENT_CHUNK) {
    const rows = await tx
      .select()
      .from(events)
      .where(inArray(events.hashId, hashIds.slice(i, i + EVENT_CHUNK)));
    for (const row of rows) (row.declares === null ? originals : declarations).set(row.hashId, row);
  }
  return { originals, declarations };
}

/**
 * One statement per chunk: the events (skipping any whose Event Hash ID is stored) and the
 * subjects of those inserted, so an append costs one round trip to the database.
 */
async function insertWithSubjects(
  tx: Db,
  recordTime: Date,
  chunk: { draft: EventDraft; hashId: string }[],
): Promise<EventRow[]> {
  // Rows travel as one JSON parameter: building thousands of bound values costs more than the insert.
  const rows = chunk.map(({ draft, hashId }, n) => {
    const row = eventRow(draft, hashId, recordTime);
    return {
      n,
      event_id: row.eventId,
      hash_id: row.hashId,
      kind: row.kind,
      event_type: row.eventType,
      action: row.action,
      biz_step: row.bizStep,
      disposition: row.disposition,
      event_time: row.eventTime.toISOString(),
      record_time: row.recordTime.toISOString(),
      read_point: row.readPoint,
      biz_location: row.bizLocation,
      actor_org_id: row.actorOrgId,
      document: row.document,
      context: row.context,
      meta: row.meta,
    };
  });
  const subjects = chunk.flatMap(({ draft, hashId }) =>
    dedupeSubjects(draft.subjects).map((s) => ({
      h: hashId,
      k: s.key,
      l: s.level,
      r: s.role ?? "epc",
      q: s.quantity ?? null,
    })),
  );
  // The keys first: the Event Hash ID already stored (or taken by a concurrent append that
  // committed while this one waited) gets no row id, so neither its event nor its subjects.
  const inserted = rowsOf<Record<string, unknown>>(
    await tx.execute(sql`
      with r as materialized (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
          event_id text, hash_id text, kind text, event_type text, action text, biz_step text,
          disposition text, event_time timestamptz, record_time timestamptz, read_point text,
          biz_location text, actor_org_id text, document jsonb, context jsonb, meta jsonb, n integer)
      ),
      k as (
        insert into event_keys (event_id, hash_id)
        select r.event_id, r.hash_id from r order by r.n
        on conflict (hash_id) where declares is null do nothing
        returning id, hash_id
      ),
      ev as (
        insert into events (id, event_id, hash_id, kind, event_type, action, biz_step, disposition,
          event_time, record_time, read_point, biz_location, actor_org_id, document, context, meta)
        select k.id, r.event_id, r.hash_id, r.kind, r.event_type, r.action, r.biz_step, r.disposition,
          r.event_time, r.record_time, r.read_point, r.biz_location, r.actor_org_id, r.document, r.context, r.meta
        from k join r on r.hash_id = k.hash_id
        order by k.id
        returning *
      ),
      sub as (
        insert into event_subjects (event_id, record_time, subject_key, level, role, quantity)
        select ev.id, ev.record_time, s.k, s.l, s.r, s.q
        from ev join jsonb_to_recordset(${JSON.stringify(subjects)}::jsonb)
          as s(h text, k text, l text, r text, q integer) on s.h = ev.hash_id
      )
      select * from ev order by id`),
  );
  return inserted.map((raw) => rowFromJson(events, raw));
}

/** An error declaration (a stored event resent with errorDeclaration) becomes a new event. */
async function appendDeclarations(
  tx: Db,
  recordTime: Date,
  hashed: { draft: EventDraft; hashId: string }[],
  originals: Map<string, EventRow>,
  declarations: Map<string, EventRow>,
  inserted: Set<number>,
): Promise<void> {
  const fresh: { draft: EventDraft; hashId: string }[] = [];
  for (const h of hashed) {
    const original = originals.get(h.hashId);
    if (
      isObject(h.draft.event.errorDeclaration) &&
      original !== undefined &&
      !isObject(original.document.errorDeclaration) &&
      !declarations.has(h.hashId) &&
      !fresh.some((d) => d.hashId === h.hashId)
    ) {
      fresh.push(h);
    }
  }
  for (const { draft, hashId } of fresh) {
    const original = originals.get(hashId)!;
    const values = {
      ...eventRow(draft, hashId, recordTime, original.eventId),
      declares: original.id,
    };
    const [key] = await tx
      .insert(eventKeys)
      .values({ eventId: values.eventId, hashId, declares: values.declares })
      .returning({ id: eventKeys.id });
    const [row] = await tx
      .insert(events)
      .values({ ...values, id: key!.id })
      .returning();
    declarations.set(hashId, row!);
    inserted.add(row!.id);
    const subjects = dedupeSubjects(draft.subjects).map((s) => ({
      eventId: row!.id,
      recordTime: row!.recordTime,
      subjectKey: s.key,
      level: s.level,
      role: s.role ?? "epc",
      quantity: s.quantity ?? null,
    }));
    for (let i = 0; i < subjects.length; i += SUBJECT_CHUNK) {
      await tx.insert(eventSubjects).values(subjects.slice(i, i + SUBJECT_CHUNK));
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A client's eventID names one event: reusing it for different content is a conflict, not a duplicate. */
async function refuseReusedEventIds(
  tx: Db,
  pending: { draft: EventDraft; hashId: string }[],
): Promise<void> {
  const given = new Map<string, string>();
  const clash = (id: string) =>
    new AppError("conflict", `eventID ${id} is already used by an event with different content`, {
      eventID: id,
    });
  for (const { draft, hashId } of pending) {
    const id = draft.event.eventID;
    if (typeof id !== "string") continue;
    if (given.has(id)) throw clash(id);
    given.set(id, hashId);
  }
  const ids = [...given.keys()];
  for (let i = 0; i < ids.length; i += EVENT_CHUNK) {
    const taken = await tx
      .select({ eventId: events.eventId, hashId: events.hashId })
      .from(events)
      .where(inArray(events.eventId, ids.slice(i, i + EVENT_CHUNK)));
    // The same eventID with the same content is the stored event sent again: a duplicate.
    const other = taken.find((t) => given.get(t.eventId) !== t.hashId);
    if (other) throw clash(other.eventId);
  }
}

function eventRow(draft: EventDraft, hashId: string, recordTime: Date, declaredEventId?: string) {
  const eventId =
    declaredEventId ?? (typeof draft.event.eventID === "string" ? draft.event.eventID : hashId);
  return {
    eventId,
    hashId,
    kind: draft.kind,
    eventType: String(draft.event.type),
    action: typeof draft.event.action === "string" ? draft.event.action : null,
    bizStep: typeof draft.event.bizStep === "string" ? draft.event.bizStep : null,
    disposition: typeof draft.event.disposition === "string" ? draft.event.disposition : null,
    eventTime: new Date(String(draft.event.eventTime)),
    recordTime,
    readPoint: idOf(draft.event.readPoint),
    bizLocation: idOf(draft.event.bizLocation),
    actorOrgId: draft.actorOrgId,
    document: { ...draft.event, eventID: eventId, recordTime: recordTime.toISOString() },
    context: draft.context ?? ZS_CONTEXT,
    meta: draft.meta ?? {},
  };
}

export async function appendEvent(
  tx: Db,
  recordTime: Date,
  draft: EventDraft,
  hashId?: string,
): Promise<Appended> {
  const [appended] = await appendEvents(tx, recordTime, [draft], hashId ? [hashId] : undefined);
  return appended!;
}

/**
 * Events still standing: no error declaration of theirs is stored (`id` names the event's row
 * id). Asked of event_keys, one table with a unique index on `declares`: asked of the
 * partitioned events, a query over all months plans every month twice over (6.8 ms of
 * planning against 1.1 ms for the EPCIS query's keys on the demo's large set).
 */
export const standing = (id: SQL | AnyColumn): SQL =>
  sql`not exists (select 1 from event_keys as declared where declared.declares = ${id})`;

export async function eventByHashId(db: Db, hashId: string): Promise<EventRow | null> {
  return (await eventsByHashIds(db, [hashId])).get(hashId) ?? null;
}

/** The stored events (not their error declarations) with these Event Hash IDs, in one statement. */
export async function eventsByHashIds(db: Db, hashIds: string[]): Promise<Map<string, EventRow>> {
  const rows = await db
    .select()
    .from(events)
    .where(and(inArray(events.hashId, hashIds), isNull(events.declares)));
  return new Map(rows.map((row) => [row.hashId, row]));
}

function idOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") {
    return (value as { id: string }).id;
  }
  return null;
}

function dedupeSubjects(subjects: SubjectRef[]): SubjectRef[] {
  const seen = new Map<string, SubjectRef>();
  for (const s of subjects) seen.set(`${s.key}\u0000${s.role ?? "epc"}`, s);
  return [...seen.values()];
}
