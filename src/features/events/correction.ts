// Corrections: a mistaken lifecycle event is declared erroneous (EPCIS errorDeclaration), never
// edited or deleted, and the items it moved get back the state their remaining history gives.
import type { z } from "@hono/zod-openapi";
import { and, eq, isNull, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import { type EventRow, eventSubjects, events, type ItemState, orgs } from "../../db/schema";
import type { Db } from "../../db/types";
import { appendEvent, type SubjectRef } from "../../ledger/append";
import { AppError, notFound } from "../../lib/errors";
import { assertWithin } from "../orgs/jurisdiction";
import { correctionOf } from "../trace/ledger";
import { applyEvent, NOT_YET, type UnitState } from "../trace/replay";
import { isRegulator } from "./rules";
import type { CorrectionBody } from "./schemas";
import type { LifecycleContext, Recorded } from "./service";
import { parseItemCodes } from "./subjects";

type CorrectionInput = z.infer<typeof CorrectionBody>;

/** The kinds whose mistakes are corrected here; the others have their own way of being put right. */
const CORRECTABLE = new Set(["listing", "sale", "dispatch", "sign_off", "return"]);

const OTHER_WAY: Record<string, string> = {
  commission: "a mistaken commissioning is undone by destroying the items (kind destroy)",
  destroy: "a destruction is final",
  inspection: "a mistaken report is superseded by a new inspection report of the lot",
  recall: "a recall is lifted by withdrawing it (POST /v1/recalls/{id}/close, outcome withdrawn)",
  recall_closed: "a recall that was closed by mistake is started again",
  epcis:
    "an event captured through EPCIS is declared erroneous through EPCIS capture (errorDeclaration)",
  correction: "a correction is itself final; record the event again if it did happen",
};

/** The kinds that move an item: the ones a replay folds. */
const STATE_KINDS = ["commission", "sale", "dispatch", "sign_off", "return", "destroy"];

export async function recordCorrection(
  tx: Db,
  ctx: LifecycleContext,
  input: CorrectionInput,
): Promise<Recorded> {
  const now = ctx.clock.now();
  const [original] = await tx
    .select()
    .from(events)
    .where(and(eq(events.eventId, input.eventId), isNull(events.declares)))
    .for("update");
  if (!original) throw notFound(`event ${input.eventId}`);
  if (original.actorOrgId !== ctx.caller.id) {
    if (!isRegulator(ctx.caller)) {
      throw new AppError(
        "forbidden",
        `event ${input.eventId} was recorded by ${original.actorOrgId ?? "a buyer"}; only that organisation or a regulator corrects it`,
      );
    }
    const [recorder] = original.actorOrgId
      ? await tx.select().from(orgs).where(eq(orgs.id, original.actorOrgId))
      : [];
    assertWithin(
      ctx.caller,
      recorder?.regionCode ?? null,
      `the recorder of event ${input.eventId}`,
    );
  }
  if (!CORRECTABLE.has(original.kind)) {
    throw new AppError(
      "conflict",
      `event ${input.eventId} is a ${original.kind} event and is not corrected this way: ${OTHER_WAY[original.kind] ?? "it is not a lifecycle event"}`,
      { rule: "not_correctable", kind: original.kind },
    );
  }
  const [declared] = await tx.select().from(events).where(eq(events.declares, original.id));
  if (declared) return sameCorrection(declared, input);

  const subjects = await subjectsOf(tx, original.id);
  const itemKeys = subjects.filter((s) => s.level === "item").map((s) => s.key);
  const items = itemKeys.length > 0 ? await replayWithout(tx, original, itemKeys) : [];

  const document = { ...original.document };
  delete document.recordTime;
  const appended = await appendEvent(tx, now, {
    kind: "correction",
    actorOrgId: ctx.caller.id,
    event: {
      ...document,
      errorDeclaration: {
        declarationTime: now.toISOString(),
        reason: input.reason,
        ...(input.note ? { "zs:note": input.note } : {}),
      },
    },
    context: original.context as unknown[],
    subjects,
  });
  if (appended.row.declares !== original.id) {
    // The ledger recognises a declaration by the original's Event Hash ID: this cannot differ.
    throw new Error(`the declaration of event ${original.id} was not stored as one`);
  }
  await setReplayed(tx, items, now);
  if (original.kind === "sale") await closeReceiptsOfSale(tx, original.id, now);
  if (original.kind === "return") await reopenReceiptsClosedBy(tx, original, items);
  return { appended, affected: items.length };
}

/** A retry of a correction is answered with the stored one; a different one is a conflict. */
function sameCorrection(declared: EventRow, input: CorrectionInput): Recorded {
  const stored = correctionOf(declared.id, declared.document.errorDeclaration);
  const reason = stored.reason;
  if (reason === input.reason && (stored.note ?? undefined) === input.note) {
    return { appended: { row: declared, duplicate: true }, affected: 0 };
  }
  throw new AppError(
    "conflict",
    `event ${input.eventId} was already declared erroneous (${reason}) at ${stored.declaredAt}; a correction is not corrected`,
    { rule: "already_corrected", declaration: declared.id },
  );
}

/** The original's subjects, so that the declaration turns up in the same histories. */
async function subjectsOf(tx: Db, eventId: number): Promise<SubjectRef[]> {
  const rows = await tx
    .select()
    .from(eventSubjects)
    .where(eq(eventSubjects.eventId, eventId))
    .orderBy(eventSubjects.subjectKey);
  return rows.map((r) => ({
    key: r.subjectKey,
    level: r.level as SubjectRef["level"],
    role: r.role as SubjectRef["role"],
    ...(r.quantity !== null ? { quantity: r.quantity } : {}),
  }));
}

interface Replayed extends UnitState {
  id: number;
  key: string;
}

interface HistoryRow {
  item_id: number | string;
  item_key: string;
  event_id: number | string;
  public_id: string;
  kind: string;
  actor_org_id: string | null;
  carrier_org_id: string | null;
  carrier: string | null;
  destination_region: string | null;
  declared: boolean;
}

/**
 * Locks the items and replays each one's history without `original`. Only the latest event that
 * moved an item can be corrected: a later one (a dispatch after the sale) was recorded on the
 * strength of it, so it is corrected first, naming it.
 */
async function replayWithout(tx: Db, original: EventRow, keys: string[]): Promise<Replayed[]> {
  const wanted = parseItemCodes(keys, "event.subjects");
  const rows = rowsOf<HistoryRow>(
    await tx.execute(sql`
      with locked as (
        select i.id, k.key from items i
        join jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) as k(gtin text, serial text, key text)
          on i.gtin = k.gtin and i.serial = k.serial
        order by i.id
        for update of i
      )
      select l.id as item_id, l.key as item_key, e.id as event_id, e.event_id as public_id, e.kind,
             e.actor_org_id, e.meta->>'carrierOrgId' as carrier_org_id, e.document->>'zs:carrier' as carrier,
             case when jsonb_typeof(e.document->'zs:destinationRegion') = 'string'
               then e.document->>'zs:destinationRegion' end as destination_region,
             exists (select 1 from event_keys d where d.declares = e.id) as declared
      from locked l
      join event_subjects s on s.subject_key = l.key and s.level = 'item'
      join events e on e.id = s.event_id
      where e.kind in (${sql.join(
        STATE_KINDS.map((k) => sql`${k}`),
        sql`, `,
      )})
      order by l.id, e.event_time, e.id`),
  );
  const byItem = new Map<number, { key: string; history: HistoryRow[] }>();
  for (const r of rows) {
    const id = Number(r.item_id);
    const entry = byItem.get(id) ?? { key: r.item_key, history: [] };
    entry.history.push(r);
    byItem.set(id, entry);
  }
  const later: { item: string; event: string; kind: string }[] = [];
  const out: Replayed[] = [];
  for (const [id, { key, history }] of byItem) {
    const standing = history.filter((r) => !r.declared);
    const last = standing[standing.length - 1];
    if (last && Number(last.event_id) !== original.id) {
      later.push({ item: key, event: last.public_id, kind: last.kind });
      continue;
    }
    const unit: Replayed = { ...NOT_YET, id, key };
    for (const r of standing) {
      if (Number(r.event_id) === original.id) continue;
      applyEvent(unit, {
        kind: r.kind,
        actorOrgId: r.actor_org_id,
        carrierOrgId: r.carrier_org_id ?? r.carrier?.replace(/^urn:zhuisu:org:/, "") ?? null,
        destinationRegion: r.destination_region,
        correction: null,
      });
    }
    out.push(unit);
  }
  if (later.length > 0) {
    const first = later[0]!;
    const more = later.length > 1 ? ` (and ${later.length - 1} more)` : "";
    throw new AppError(
      "conflict",
      `item ${first.item} has a later ${first.kind} event (${first.event}) that rests on this one; correct that first${more}`,
      { rule: "correct_latest_first", item: first.item, later },
    );
  }
  return out;
}

/** The items as their history now says, in one statement. */
async function setReplayed(tx: Db, items: Replayed[], now: Date): Promise<void> {
  const rows = items
    .filter((u): u is Replayed & { state: ItemState } => u.state !== null)
    .map((u) => ({ id: u.id, state: u.state, custodian: u.custodian, seller: u.seller }));
  if (rows.length === 0) return;
  await tx.execute(sql`
    update items i set state = r.state, custodian_org_id = r.custodian, seller_org_id = r.seller,
      updated_at = ${now.toISOString()}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(id bigint, state text, custodian text, seller text)
    where i.id = r.id`);
}

/** A sale that did not happen leaves no receipt a buyer could confirm, review or complain with. */
async function closeReceiptsOfSale(tx: Db, saleId: number, now: Date): Promise<void> {
  await tx.execute(sql`
    update receipts set closed_at = ${now.toISOString()}
    where sale_event_id = ${saleId} and closed_at is null`);
}

/**
 * A return that did not happen gives the buyer their receipts back: the ones that return closed,
 * which it closed at its own record time (recordReturn closes them in its transaction).
 */
async function reopenReceiptsClosedBy(
  tx: Db,
  returned: EventRow,
  items: Replayed[],
): Promise<void> {
  if (items.length === 0) return;
  await tx.execute(sql`
    update receipts set closed_at = null
    where closed_at = ${returned.recordTime.toISOString()}
      and item_id in (select (jsonb_array_elements_text(${JSON.stringify(items.map((i) => i.id))}::jsonb))::bigint)`);
}
