// The one append path of the ledger: lifecycle API and EPCIS capture both write events through here.
import { and, eq, inArray, isNull } from "drizzle-orm";
import { type EventRow, eventSubjects, events } from "../db/schema";
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
 * `duplicate: true`.
 */
export async function appendEvents(
  tx: Db,
  recordTime: Date,
  drafts: EventDraft[],
): Promise<Appended[]> {
  const hashed = await Promise.all(
    drafts.map(async (d) => ({
      draft: d,
      hashId: await eventHashId(d.event, d.context ?? ZS_CONTEXT),
    })),
  );
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
  // An error declaration (the stored event resent with errorDeclaration) becomes a new event.
  const declaring = (h: { draft: EventDraft; hashId: string }) => {
    const original = originals.get(h.hashId);
    return (
      isObject(h.draft.event.errorDeclaration) &&
      original !== undefined &&
      !isObject(original.document.errorDeclaration)
    );
  };
  const inserted = new Set<number>();
  const fresh = new Map<string, { draft: EventDraft; hashId: string }>();
  for (const h of hashed)
    if (!originals.has(h.hashId) && !fresh.has(h.hashId)) fresh.set(h.hashId, h);
  const pending = [...fresh.values()];
  await refuseReusedEventIds(tx, pending);
  for (let i = 0; i < pending.length; i += EVENT_CHUNK) {
    const rows = await tx
      .insert(events)
      .values(
        pending
          .slice(i, i + EVENT_CHUNK)
          .map(({ draft, hashId }) => eventRow(draft, hashId, recordTime)),
      )
      .returning();
    for (const row of rows) {
      originals.set(row.hashId, row);
      inserted.add(row.id);
    }
  }
  const newDeclarations: { draft: EventDraft; hashId: string }[] = [];
  for (const h of hashed) {
    if (
      declaring(h) &&
      !declarations.has(h.hashId) &&
      !newDeclarations.some((d) => d.hashId === h.hashId)
    ) {
      newDeclarations.push(h);
    }
  }
  for (const { draft, hashId } of newDeclarations) {
    const original = originals.get(hashId)!;
    const [row] = await tx
      .insert(events)
      .values({ ...eventRow(draft, hashId, recordTime, original.eventId), declares: original.id })
      .returning();
    declarations.set(hashId, row!);
    inserted.add(row!.id);
  }
  const written = [...pending, ...newDeclarations].map(({ draft, hashId }) => ({
    draft,
    row: (newDeclarations.some((d) => d.draft === draft) ? declarations : originals).get(hashId)!,
  }));
  const subjects = written.flatMap(({ draft, row }) =>
    dedupeSubjects(draft.subjects).map((s) => ({
      eventId: row.id,
      subjectKey: s.key,
      level: s.level,
      role: s.role ?? "epc",
      quantity: s.quantity ?? null,
    })),
  );
  for (let i = 0; i < subjects.length; i += SUBJECT_CHUNK) {
    await tx.insert(eventSubjects).values(subjects.slice(i, i + SUBJECT_CHUNK));
  }
  const seen = new Set<number>();
  return hashed.map((h) => {
    const isDeclaration = isObject(h.draft.event.errorDeclaration) && declarations.has(h.hashId);
    const row = (isDeclaration ? declarations : originals).get(h.hashId)!;
    const duplicate = !inserted.has(row.id) || seen.has(row.id);
    seen.add(row.id);
    return { row, duplicate };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A client's eventID names one event: reusing it for different content is a conflict, not a duplicate. */
async function refuseReusedEventIds(
  tx: Db,
  pending: { draft: EventDraft; hashId: string }[],
): Promise<void> {
  const given = pending
    .map(({ draft }) => draft.event.eventID)
    .filter((id): id is string => typeof id === "string");
  if (given.length === 0) return;
  const clash = (id: string) =>
    new AppError("conflict", `eventID ${id} is already used by an event with different content`, {
      eventID: id,
    });
  if (new Set(given).size !== given.length) {
    const seen = new Set<string>();
    for (const id of given) {
      if (seen.has(id)) throw clash(id);
      seen.add(id);
    }
  }
  for (let i = 0; i < given.length; i += EVENT_CHUNK) {
    const [taken] = await tx
      .select({ eventId: events.eventId })
      .from(events)
      .where(inArray(events.eventId, given.slice(i, i + EVENT_CHUNK)))
      .limit(1);
    if (taken) throw clash(taken.eventId);
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

export async function appendEvent(tx: Db, recordTime: Date, draft: EventDraft): Promise<Appended> {
  const [appended] = await appendEvents(tx, recordTime, [draft]);
  return appended!;
}

export async function eventByHashId(db: Db, hashId: string): Promise<EventRow | null> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.hashId, hashId), isNull(events.declares)));
  return row ?? null;
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
