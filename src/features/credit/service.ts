// Gathers an organisation's credit evidence from the database and runs the pure formula over it.
import type { z } from "@hono/zod-openapi";
import { and, eq, gte, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import { alerts, complaints, type Org } from "../../db/schema";
import type { Db } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { currentCommitment, publishedListEntries } from "../orgs/service";
import {
  CREDIT_PARAMS,
  type CreditEvidence,
  type CreditResult,
  computeCredit,
  type ViolationEvidence,
} from "./formula";
import type { CreditView } from "./schemas";

const DAY = 86_400_000;
/** Evidence listed per factor in a response; the count says how many there are in all. */
export const EVIDENCE_SHOWN = 100;

/** A timestamp parameter both drivers bind the same way (postgres.js does not serialise Dates in raw SQL). */
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function gatherEvidence(db: Db, clock: Clock, org: Org): Promise<CreditEvidence> {
  const now = clock.now();
  const horizon = new Date(now.getTime() - CREDIT_PARAMS.horizonDays * DAY);
  const today = now.toISOString().slice(0, 10);
  const [reviewRows, buyerRows, complaintRows, inspectionRows, alertRows, commitment, entries] =
    await Promise.all([
      // Hidden reviews were judged by a regulator not to be genuine evidence; follow-ups carry no stars.
      db.execute(sql`
        select r.id, r.rating, r.created_at, r.event_id, rc.buyer_ref, so.event_time as delivered_at
        from reviews r
        join receipts rc on rc.id = r.receipt_id
        join items i on i.id = r.item_id
        left join lateral (
          select e.event_time from event_subjects s join events e on e.id = s.event_id
          where s.subject_key = '/01/' || i.gtin || '/21/' || i.serial
            and e.kind = 'sign_off' and e.event_time <= r.created_at
          order by e.event_time desc limit 1
        ) so on true
        where r.seller_org_id = ${org.id} and r.kind = 'review' and not r.hidden
          and r.rating is not null and r.created_at >= ${ts(horizon)}`),
      db.execute(sql`
        select count(distinct coalesce(buyer_ref, '')) as n from receipts
        where seller_org_id = ${org.id} and created_at >= ${ts(horizon)}`),
      db
        .select()
        .from(complaints)
        .where(and(eq(complaints.sellerOrgId, org.id), gte(complaints.createdAt, horizon))),
      db.execute(sql`
        select i.id, i.conclusion, i.issue_date, i.event_id
        from inspections i join lots l on l.id = i.lot_id join products p on p.gtin = l.gtin
        where p.owner_org_id = ${org.id} and i.issue_date >= ${horizon.toISOString().slice(0, 10)}`),
      db
        .select()
        .from(alerts)
        .where(
          and(
            eq(alerts.orgId, org.id),
            eq(alerts.status, "confirmed"),
            gte(alerts.decidedAt, horizon),
          ),
        ),
      currentCommitment(db, org.id),
      publishedListEntries(db, org.id, today),
    ]);

  const upheldViolations: ViolationEvidence[] = complaintRows
    .filter((c) => c.status === "upheld" && c.commitmentId !== null)
    .map((c) => ({
      id: c.id,
      source: "complaint",
      at: c.decidedAt ?? c.createdAt,
      eventId: c.eventId,
    }));
  const byComplaint = new Set(upheldViolations.map((v) => v.id));
  // A confirmed violation alert about a complaint that was also upheld is one violation, not two.
  const alertViolations: ViolationEvidence[] = alertRows
    .filter(
      (a) =>
        a.kind === "commitment_violation" && !byComplaint.has(String(a.details.complaintId ?? "")),
    )
    .map((a) => ({ id: a.id, source: "alert", at: a.decidedAt!, eventId: a.evidence[0] ?? null }));

  return {
    now,
    roles: { seller: org.roles.includes("seller"), producer: org.roles.includes("producer") },
    reviews: rowsOf<Record<string, unknown>>(reviewRows).map((r) => ({
      id: String(r.id),
      rating: Number(r.rating),
      buyerRef: (r.buyer_ref as string | null) ?? null,
      at: date(r.created_at),
      deliveredAt: r.delivered_at === null ? null : date(r.delivered_at),
      eventId: num(r.event_id),
    })),
    distinctBuyers: Number(rowsOf<{ n: unknown }>(buyerRows)[0]?.n ?? 0),
    complaints: complaintRows.map((c) => ({
      id: c.id,
      status: c.status,
      at: c.createdAt,
      answeredAt: c.answeredAt,
      decidedAt: c.decidedAt,
      eventId: c.eventId,
    })),
    answerHours: commitment?.body.afterSales.responseHours ?? null,
    inspections: rowsOf<Record<string, unknown>>(inspectionRows).map((i) => ({
      id: String(i.id),
      conclusion: i.conclusion === "fail" ? "fail" : "pass",
      at: new Date(`${String(i.issue_date).slice(0, 10)}T00:00:00Z`),
      eventId: num(i.event_id),
    })),
    confirmedAlerts: alertRows
      .filter((a) => a.kind !== "commitment_violation")
      .map((a) => ({
        id: a.id,
        kind: a.kind,
        severity: a.severity,
        at: a.decidedAt!,
        evidence: a.evidence,
      })),
    commitmentViolations: [...upheldViolations, ...alertViolations],
    listEntries: entries.map((l) => ({
      id: l.id,
      list: l.list,
      severity: l.severity,
      listedOn: l.listedOn,
    })),
  };
}

export function creditView(
  orgId: string,
  now: Date,
  result: CreditResult,
): z.infer<typeof CreditView> {
  return {
    orgId,
    score: result.score,
    grade: result.grade,
    computedAt: now.toISOString(),
    evidenceStrength: result.evidenceStrength,
    minEvidence: CREDIT_PARAMS.minEvidence,
    halfLifeDays: CREDIT_PARAMS.halfLifeDays,
    bands: CREDIT_PARAMS.bands,
    factors: result.factors.map((f) => ({
      ...f,
      evidenceCount: f.evidence.length,
      evidence: f.evidence.slice(0, EVIDENCE_SHOWN),
    })),
  };
}

export async function orgCredit(db: Db, clock: Clock, org: Org) {
  const evidence = await gatherEvidence(db, clock, org);
  return creditView(org.id, evidence.now, computeCredit(evidence));
}

type CreditSummaryView = Pick<ReturnType<typeof creditView>, "score" | "grade" | "computedAt">;

/**
 * Summaries kept for a short while per database: a scan page shows two organisations' grades,
 * each ≈ 7 queries to compute from evidence, and a grade moves on the scale of days. The
 * `GET /v1/orgs/{id}/credit` breakdown is always computed afresh.
 */
const summaryCaches = new WeakMap<
  object,
  { ttlMs: number; entries: Map<string, { until: number; value: CreditSummaryView }> }
>();
const MAX_CACHED_SUMMARIES = 10_000;

export function enableCreditCache(db: Db, ttlMs: number): void {
  if (ttlMs > 0) summaryCaches.set(db, { ttlMs, entries: new Map() });
  else summaryCaches.delete(db);
}

/** What a profile or a scan page shows: score, grade and when it was computed. */
export async function creditSummary(db: Db, clock: Clock, org: Org): Promise<CreditSummaryView> {
  const cache = summaryCaches.get(db);
  const now = clock.now().getTime();
  const hit = cache?.entries.get(org.id);
  if (hit && hit.until > now) return hit.value;
  const view = await orgCredit(db, clock, org);
  const value = { score: view.score, grade: view.grade, computedAt: view.computedAt };
  if (cache) {
    if (cache.entries.size >= MAX_CACHED_SUMMARIES) cache.entries.clear();
    cache.entries.set(org.id, { until: now + cache.ttlMs, value });
  }
  return value;
}
