// Rules evaluated as lifecycle events arrive: empty parcels, impossible transit, refused sign-offs and sales.
import { inArray, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import { type AlertKind, type EventRow, items as itemsTable, orgs } from "../../db/schema";
import type { Db } from "../../db/types";
import { standing } from "../../ledger/append";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { type AlertSignal, raiseAlert } from "./raise";
import { emptyParcel, impossibleTransit } from "./rules";
import { loadThresholds } from "./thresholds";

const ORG_URI = "urn:zhuisu:org:";

/** After a dispatch is appended (same transaction): is the parcel far lighter than its goods? */
export async function alertOnDispatch(
  tx: Db,
  now: Date,
  dispatch: EventRow,
  subjects: { key: string; sellerOrgId: string | null }[],
): Promise<void> {
  const weight = Number(dispatch.document["zs:parcelWeightGrams"]);
  const goods = Number(dispatch.meta.goodsWeightGrams ?? 0);
  if (!Number.isFinite(weight) || !Number.isFinite(goods)) return;
  const thresholds = await loadThresholds(tx);
  const signal = emptyParcel(
    {
      eventId: dispatch.id,
      subjectKey: subjects[0]?.key ?? "",
      // 空包 serves the seller's fake orders: the seller answers for it, else whoever dispatched.
      orgId: subjects.find((s) => s.sellerOrgId)?.sellerOrgId ?? dispatch.actorOrgId,
      parcelWeightGrams: weight,
      goodsWeightGrams: goods,
      waybill: String(dispatch.document["zs:waybill"] ?? ""),
      items: subjects.map((s) => s.key),
    },
    thresholds.emptyParcel,
  );
  if (signal) await raiseAlert(tx, now, signal);
}

interface DispatchOf {
  subject_key: string;
  id: number | string;
  event_time: string | Date;
  document: Record<string, unknown> | string;
  actor_org_id: string | null;
  meta: Record<string, unknown> | string;
}

const json = (v: Record<string, unknown> | string) =>
  typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : v;

/** The organisation that held the goods when they left: the possessing party, else the dispatcher. */
function originOrg(document: Record<string, unknown>, actor: string | null): string | null {
  const sources = Array.isArray(document.sourceList)
    ? (document.sourceList as { type?: string; source?: string }[])
    : [];
  const holder = sources.find(
    (s) => s.type === "possessing_party" && s.source?.startsWith(ORG_URI),
  );
  return holder?.source?.slice(ORG_URI.length) ?? actor;
}

/** After a sign-off is appended (same transaction): did the parcel arrive faster than possible? */
export async function alertOnSignOff(
  tx: Db,
  now: Date,
  signOff: EventRow,
  subjects: { key: string; sellerOrgId: string | null }[],
): Promise<void> {
  if (subjects.length === 0) return;
  const keys = JSON.stringify(subjects.map((s) => s.key));
  const dispatches = rowsOf<DispatchOf>(
    await tx.execute(sql`
      select distinct on (s.subject_key) s.subject_key, e.id, e.event_time, e.document, e.actor_org_id, e.meta
      from event_subjects s
      join events e on e.id = s.event_id
      where s.subject_key in (select jsonb_array_elements_text(${keys}::jsonb))
        and e.kind = 'dispatch' and e.id < ${signOff.id} and ${standing(sql`e.id`)}
      order by s.subject_key, e.id desc`),
  );
  if (dispatches.length === 0) return;
  const byDispatch = new Map<number, { row: DispatchOf; keys: string[] }>();
  for (const d of dispatches) {
    const id = Number(d.id);
    const entry = byDispatch.get(id) ?? { row: d, keys: [] };
    entry.keys.push(d.subject_key);
    byDispatch.set(id, entry);
  }
  const origins = [
    ...new Set(
      [...byDispatch.values()]
        .map(({ row }) => originOrg(json(row.document), row.actor_org_id))
        .filter((o): o is string => o !== null),
    ),
  ];
  const regions = new Map(
    origins.length
      ? (
          await tx
            .select({ id: orgs.id, region: orgs.regionCode })
            .from(orgs)
            .where(inArray(orgs.id, origins))
        ).map((o) => [o.id, o.region])
      : [],
  );
  const thresholds = await loadThresholds(tx);
  const sellerOf = new Map(subjects.map((s) => [s.key, s.sellerOrgId]));
  for (const [id, { row, keys: touched }] of byDispatch) {
    const document = json(row.document);
    const origin = originOrg(document, row.actor_org_id);
    const from = origin ? regions.get(origin) : undefined;
    const to = document["zs:destinationRegion"];
    if (!from || typeof to !== "string") continue;
    const signal = impossibleTransit(
      {
        dispatchEventId: id,
        signOffEventId: signOff.id,
        dispatchedAt: new Date(row.event_time),
        signedOffAt: signOff.eventTime,
        fromRegion: from,
        toRegion: to,
        subjectKey: touched[0]!,
        orgId: touched.map((k) => sellerOf.get(k)).find((s) => s) ?? row.actor_org_id,
        carrierOrgId: (json(row.meta).carrierOrgId as string | undefined) ?? null,
      },
      thresholds.transit,
    );
    if (signal)
      await raiseAlert(tx, now, {
        ...signal,
        details: { ...signal.details, items: touched.slice(0, 100) },
      });
  }
}

/** The last events touching any of `keys`: what an alert about a refused attempt points at. */
async function lastEvents(tx: Db, keys: string[], limit = 10): Promise<number[]> {
  if (keys.length === 0) return [];
  const rows = rowsOf<{ id: number | string }>(
    await tx.execute(sql`
      select distinct s.event_id as id from event_subjects s
      where s.subject_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
      order by s.event_id desc limit ${limit}`),
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const REFUSALS: Record<string, AlertKind> = {
  recalled_not_sold: "sale_of_recalled",
  non_conforming_not_sold: "sale_of_non_conforming",
  sign_off_needs_dispatch: "sign_off_without_dispatch",
};

interface Violation {
  item: string;
  rule: string;
  state?: string;
}

/** The lot key of each item key, for grouping refused sales by lot. */
async function lotKeysOf(tx: Db, itemKeys: string[]): Promise<Map<string, string>> {
  const parsed = itemKeys
    .map((k) => /^\/01\/(\d{14})\/21\/(.+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ gtin: m[1]!, serial: m[2]! }));
  if (parsed.length === 0) return new Map();
  const rows = rowsOf<{ gtin: string; serial: string; lot: string }>(
    await tx.execute(sql`
      select i.gtin, i.serial, l.lot from ${itemsTable} i
      join lots l on l.id = i.lot_id
      join jsonb_to_recordset(${JSON.stringify(parsed)}::jsonb) as k(gtin text, serial text)
        on i.gtin = k.gtin and i.serial = k.serial`),
  );
  return new Map(
    rows.map((r) => [
      `/01/${r.gtin}/21/${r.serial}`,
      `/01/${r.gtin}/10/${encodeURIComponent(r.lot)}`,
    ]),
  );
}

/**
 * A refused sale of a recalled or non-conforming lot, or a refused sign-off without dispatch, is
 * itself a signal. The refused transaction rolled back, so the alert is written in a new one.
 * The refusal stays the answer: a failure here is swallowed rather than turn a 409 into a 500.
 */
export async function alertOnRefusal(
  db: Db,
  clock: Clock,
  attempt: { kind: string; callerOrgId: string; details: Record<string, unknown> },
  error: unknown,
): Promise<void> {
  if (!(error instanceof AppError) || error.code !== "custody_violation") return;
  const violations = (
    Array.isArray(error.extras.violations)
      ? (error.extras.violations as Violation[])
      : [
          {
            item: String(error.extras.item),
            rule: String(error.extras.rule),
            state: String(error.extras.state),
          },
        ]
  ).filter((v) => REFUSALS[v.rule] !== undefined);
  if (violations.length === 0) return;
  try {
    await db.transaction(async (tx) => {
      const now = clock.now();
      const lotOf = await lotKeysOf(
        tx,
        violations.map((v) => v.item),
      );
      // One alert per lot and rule for sales (a 100-item order is one attempt), per attempt for sign-offs.
      const groups = new Map<string, { kind: AlertKind; subject: string; items: Violation[] }>();
      for (const v of violations) {
        const kind = REFUSALS[v.rule]!;
        const subject =
          kind === "sign_off_without_dispatch"
            ? violations[0]!.item
            : (lotOf.get(v.item) ?? v.item);
        const group = groups.get(`${kind}|${subject}`) ?? { kind, subject, items: [] };
        group.items.push(v);
        groups.set(`${kind}|${subject}`, group);
      }
      for (const { kind, subject, items } of groups.values()) {
        const keys = [...new Set([subject, ...items.map((i) => i.item)])];
        const signal: AlertSignal = {
          kind,
          severity: kind === "sign_off_without_dispatch" ? "medium" : "high",
          subjectKey: subject,
          orgId: attempt.callerOrgId,
          evidence: await lastEvents(tx, keys),
          details: {
            attempted: attempt.kind,
            refused: error.detail,
            items: items.slice(0, 100).map((i) => ({ item: i.item, state: i.state, rule: i.rule })),
            ...attempt.details,
          },
        };
        await raiseAlert(tx, now, signal);
      }
    });
  } catch {
    // Deliberately ignored: see the doc comment.
  }
}
