// The one append path of the ledger: lifecycle API and EPCIS capture both write events through here.
import { eq, inArray } from "drizzle-orm";
import { type EventRow, eventSubjects, events } from "../db/schema";
import type { Db } from "../db/types";
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

/** Rows of event_subjects per INSERT statement: bounded so 100,000-item events stay fast. */
const SUBJECT_CHUNK = 5_000;

/**
 * Appends events in the caller's transaction. An event already stored (same Event Hash ID) is
 * not stored again: its existing row comes back with `duplicate: true`.
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
  const existing = new Map<string, EventRow>();
  if (hashed.length > 0) {
    const rows = await tx
      .select()
      .from(events)
      .where(inArray(events.hashId, [...new Set(hashed.map((h) => h.hashId))]));
    for (const row of rows) existing.set(row.hashId, row);
  }
  const out: Appended[] = [];
  for (const { draft, hashId } of hashed) {
    const known = existing.get(hashId);
    if (known) {
      out.push({ row: known, duplicate: true });
      continue;
    }
    const eventId = typeof draft.event.eventID === "string" ? draft.event.eventID : hashId;
    const document = { ...draft.event, eventID: eventId, recordTime: recordTime.toISOString() };
    const [row] = await tx
      .insert(events)
      .values({
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
        document,
        context: draft.context ?? ZS_CONTEXT,
        meta: draft.meta ?? {},
      })
      .returning();
    const subjects = dedupeSubjects(draft.subjects);
    for (let i = 0; i < subjects.length; i += SUBJECT_CHUNK) {
      await tx.insert(eventSubjects).values(
        subjects.slice(i, i + SUBJECT_CHUNK).map((s) => ({
          eventId: row!.id,
          subjectKey: s.key,
          level: s.level,
          role: s.role ?? "epc",
          quantity: s.quantity ?? null,
        })),
      );
    }
    existing.set(hashId, row!);
    out.push({ row: row!, duplicate: false });
  }
  return out;
}

export async function appendEvent(tx: Db, recordTime: Date, draft: EventDraft): Promise<Appended> {
  const [appended] = await appendEvents(tx, recordTime, [draft]);
  return appended!;
}

export async function eventByHashId(db: Db, hashId: string): Promise<EventRow | null> {
  const [row] = await db.select().from(events).where(eq(events.hashId, hashId));
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
