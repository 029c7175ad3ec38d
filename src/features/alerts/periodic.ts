// The periodic pass: rules over time windows (sales and review bursts, review patterns) and complaint-reported violations.
import { sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import type { AlertKind } from "../../db/schema";
import type { Db } from "../../db/types";
import { standing } from "../../ledger/append";
import type { Clock } from "../../lib/clock";
import { type AlertSignal, raiseAlert } from "./raise";
import { type ReviewFact, reviewBurst, reviewPattern, salesBurst } from "./rules";
import { loadThresholds, type Thresholds } from "./thresholds";

const HOUR = 3_600_000;
const MINUTE = 60_000;

export interface PeriodicResult {
  ranAt: string;
  /** Signals raised (new alerts, or more evidence on an open one), by kind. */
  raised: Partial<Record<AlertKind, number>>;
}

/** A timestamp parameter both drivers bind the same way (postgres.js does not serialise Dates in raw SQL). */
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
const parsed = <T>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));

async function salesBursts(db: Db, now: Date, t: Thresholds["salesBurst"]): Promise<AlertSignal[]> {
  const since = new Date(now.getTime() - t.windowHours * HOUR);
  const rows = rowsOf<{ seller_org_id: string; buyer_ref: string; orders: unknown }>(
    await db.execute(sql`
      select seller_org_id, buyer_ref,
             jsonb_agg(jsonb_build_array(sale_event_id, created_at)) as orders
      from receipts
      where buyer_ref is not null and created_at >= ${ts(since)} and created_at <= ${ts(now)}
        -- A sale declared erroneous did not happen: it is no evidence of a burst.
        and ${standing(sql`sale_event_id`)}
      group by seller_org_id, buyer_ref
      having count(distinct sale_event_id) >= ${t.minOrders}`),
  );
  return rows
    .map((r) =>
      salesBurst(
        {
          sellerOrgId: r.seller_org_id,
          buyerRef: r.buyer_ref,
          orders: parsed<[number, string][]>(r.orders).map(([eventId, at]) => ({
            eventId: Number(eventId),
            at: new Date(at),
          })),
        },
        now,
        t,
      ),
    )
    .filter((s): s is AlertSignal => s !== null);
}

/** Reviews (first reviews, not follow-ups) in a time range, each with when its item was delivered. */
async function reviewsBetween(
  db: Db,
  from: Date,
  to: Date,
  sellers?: string[],
): Promise<(ReviewFact & { sellerOrgId: string })[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select r.id, r.event_id, r.rating, r.created_at, r.seller_org_id, rc.sale_event_id,
             so.id as sign_off_id, so.event_time as delivered_at
      from reviews r
      join receipts rc on rc.id = r.receipt_id
      join items i on i.id = r.item_id
      left join lateral (
        select e.id, e.event_time from event_subjects s join events e on e.id = s.event_id
        where s.subject_key = '/01/' || i.gtin || '/21/' || i.serial
          and e.kind = 'sign_off' and e.event_time <= r.created_at and ${standing(sql`e.id`)}
        order by e.event_time desc limit 1
      ) so on true
      where r.kind = 'review' and r.created_at >= ${ts(from)} and r.created_at <= ${ts(to)}
        ${sellers ? sql`and r.seller_org_id in (select jsonb_array_elements_text(${JSON.stringify(sellers)}::jsonb))` : sql``}
      order by r.created_at`),
  );
  return rows.map((r) => ({
    id: String(r.id),
    eventId: r.event_id === null ? null : Number(r.event_id),
    rating: r.rating === null ? null : Number(r.rating),
    at: date(r.created_at),
    sellerOrgId: String(r.seller_org_id),
    saleEventId: Number(r.sale_event_id),
    deliveredAt: r.delivered_at === null ? null : date(r.delivered_at),
    signOffEventId: r.sign_off_id === null ? null : Number(r.sign_off_id),
  }));
}

function bySeller<T extends { sellerOrgId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(r.sellerOrgId, [...(out.get(r.sellerOrgId) ?? []), r]);
  return out;
}

async function reviewBursts(
  db: Db,
  now: Date,
  t: Thresholds["reviewBurst"],
): Promise<AlertSignal[]> {
  const windowStart = new Date(now.getTime() - t.windowMinutes * MINUTE);
  const candidates = [...bySeller(await reviewsBetween(db, windowStart, now))].filter(
    ([, reviews]) => reviews.length >= t.minReviews,
  );
  if (candidates.length === 0) return [];
  const baselineStart = new Date(windowStart.getTime() - t.baselineDays * 24 * HOUR);
  const baseline = new Map(
    rowsOf<{ seller_org_id: string; n: number | string }>(
      await db.execute(sql`
        select seller_org_id, count(*) as n from reviews
        where kind = 'review' and created_at >= ${ts(baselineStart)} and created_at < ${ts(windowStart)}
          and seller_org_id in (select jsonb_array_elements_text(${JSON.stringify(candidates.map(([s]) => s))}::jsonb))
        group by seller_org_id`),
    ).map((r) => [r.seller_org_id, Number(r.n)]),
  );
  return candidates
    .map(([seller, reviews]) => reviewBurst(seller, reviews, baseline.get(seller) ?? 0, now, t))
    .filter((s): s is AlertSignal => s !== null);
}

async function reviewPatterns(
  db: Db,
  now: Date,
  t: Thresholds["reviewPattern"],
): Promise<AlertSignal[]> {
  const since = new Date(now.getTime() - t.windowHours * HOUR);
  return [...bySeller(await reviewsBetween(db, since, now))]
    .filter(([, reviews]) => reviews.length >= t.minReviews)
    .map(([seller, reviews]) => reviewPattern(seller, reviews, now, t))
    .filter((s): s is AlertSignal => s !== null);
}

/**
 * Complaints that name a broken commitment and have no alert yet (complaints are filed by the
 * feedback API; a regulator's rejection closes the matter, so rejected ones are left out).
 */
async function commitmentViolations(db: Db): Promise<AlertSignal[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select c.id, c.seller_org_id, c.commitment_id, c.category, c.event_id, c.item_key
      from complaints c
      where c.commitment_id is not null and c.seller_org_id is not null and c.status <> 'rejected'
        and not exists (
          select 1 from alerts a
          where a.kind = 'commitment_violation' and a.details->>'complaintId' = c.id)
      order by c.created_at
      limit 1000`),
  );
  return rows.map((r) =>
    commitmentViolationSignal({
      id: String(r.id),
      sellerOrgId: String(r.seller_org_id),
      commitmentId: String(r.commitment_id),
      category: String(r.category),
      eventId: r.event_id === null ? null : Number(r.event_id),
      itemKey: (r.item_key as string | null) ?? null,
    }),
  );
}

/** A complaint saying a published commitment was broken, as an alert about the seller. */
export function commitmentViolationSignal(c: {
  id: string;
  sellerOrgId: string;
  commitmentId: string;
  category: string;
  eventId: number | null;
  itemKey: string | null;
}): AlertSignal {
  return {
    kind: "commitment_violation",
    severity: "medium",
    subjectKey: c.itemKey ?? c.sellerOrgId,
    orgId: c.sellerOrgId,
    evidence: c.eventId === null ? [] : [c.eventId],
    details: { complaintId: c.id, commitmentId: c.commitmentId, category: c.category },
    dedupeKey: `commitment_violation:complaint:${c.id}`,
  };
}

/**
 * Runs every windowed rule once, at `clock.now()`. Safe to run on several nodes at once and as
 * often as wanted: a signal already raised today merges into its alert instead of adding one.
 */
export async function runPeriodicRules(db: Db, clock: Clock): Promise<PeriodicResult> {
  const now = clock.now();
  const t = await loadThresholds(db);
  const signals = [
    ...(await salesBursts(db, now, t.salesBurst)),
    ...(await reviewBursts(db, now, t.reviewBurst)),
    ...(await reviewPatterns(db, now, t.reviewPattern)),
    ...(await commitmentViolations(db)),
  ];
  const raised: Partial<Record<AlertKind, number>> = {};
  for (const signal of signals) {
    await db.transaction((tx) => raiseAlert(tx, now, signal));
    raised[signal.kind] = (raised[signal.kind] ?? 0) + 1;
  }
  return { ranAt: now.toISOString(), raised };
}
