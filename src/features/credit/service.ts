// Gathers an organisation's credit evidence from the database and runs the pure formula over it.
import type { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { jsonDate, jsonDateOrNull, jsonValue } from "../../db/json-rows";
import type { Org } from "../../db/schema";
import type { Db } from "../../db/types";
import { standing } from "../../ledger/append";
import type { Clock } from "../../lib/clock";
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

interface EvidenceJson {
  reviews: Record<string, unknown>[];
  buyers: number;
  complaints: {
    id: string;
    status: "open" | "answered" | "upheld" | "rejected";
    commitmentId: string | null;
    createdAt: string;
    answeredAt: string | null;
    decidedAt: string | null;
    eventId: number | null;
  }[];
  inspections: Record<string, unknown>[];
  alerts: {
    id: string;
    kind: string;
    severity: "low" | "medium" | "high";
    evidence: number[];
    complaintId: unknown;
    decidedAt: string;
  }[];
  responseHours: number | null;
  lists: {
    id: string;
    list: "red" | "black";
    severity: "minor" | "general" | "serious";
    listedOn: string;
  }[];
}

/** Every piece of an organisation's evidence in the horizon, read in one query. */
export async function gatherEvidence(db: Db, clock: Clock, org: Org): Promise<CreditEvidence> {
  const now = clock.now();
  const horizon = new Date(now.getTime() - CREDIT_PARAMS.horizonDays * DAY);
  const today = now.toISOString().slice(0, 10);
  const result = await db.execute(sql`
    select json_build_object(
      -- Hidden reviews were judged by a regulator not to be genuine evidence; follow-ups carry no stars.
      'reviews', (select coalesce(json_agg(json_build_object(
          'id', r.id, 'rating', r.rating, 'created_at', r.created_at, 'event_id', r.event_id,
          'buyer_ref', rc.buyer_ref, 'delivered_at', so.event_time)), '[]'::json)
        from reviews r
        join receipts rc on rc.id = r.receipt_id
        join items i on i.id = r.item_id
        left join lateral (
          select e.event_time from event_subjects s join events e on e.id = s.event_id
          where s.subject_key = '/01/' || i.gtin || '/21/' || i.serial
            and e.kind = 'sign_off' and e.event_time <= r.created_at and ${standing(sql`e.id`)}
          order by e.event_time desc limit 1
        ) so on true
        where r.seller_org_id = ${org.id} and r.kind = 'review' and not r.hidden
          and r.rating is not null and r.created_at >= ${ts(horizon)}),
      'buyers', (select count(distinct coalesce(buyer_ref, '')) from receipts
        where seller_org_id = ${org.id} and created_at >= ${ts(horizon)}),
      'complaints', (select coalesce(json_agg(json_build_object(
          'id', c.id, 'status', c.status, 'commitmentId', c.commitment_id, 'createdAt', c.created_at,
          'answeredAt', c.answered_at, 'decidedAt', c.decided_at, 'eventId', c.event_id)), '[]'::json)
        from complaints c where c.seller_org_id = ${org.id} and c.created_at >= ${ts(horizon)}),
      'inspections', (select coalesce(json_agg(json_build_object(
          'id', i.id, 'conclusion', i.conclusion, 'issue_date', i.issue_date, 'event_id', i.event_id)), '[]'::json)
        from inspections i join lots l on l.id = i.lot_id join products p on p.gtin = l.gtin
        where p.owner_org_id = ${org.id} and i.issue_date >= ${horizon.toISOString().slice(0, 10)}),
      'alerts', (select coalesce(json_agg(json_build_object(
          'id', a.id, 'kind', a.kind, 'severity', a.severity, 'evidence', a.evidence,
          'complaintId', a.details->'complaintId', 'decidedAt', a.decided_at)), '[]'::json)
        from alerts a where a.org_id = ${org.id} and a.status = 'confirmed'
          and a.decided_at >= ${ts(horizon)}),
      'responseHours', (select c.body->'afterSales'->'responseHours' from commitments c
        where c.org_id = ${org.id} and c.current),
      'lists', (select coalesce(json_agg(json_build_object(
          'id', e.id, 'list', e.list, 'severity', e.severity, 'listedOn', e.listed_on)), '[]'::json)
        from list_entries e where e.org_id = ${org.id} and e.removed_at is null
          and e.max_publish_until > ${today}::date and e.listed_on <= ${today}::date)
    ) as v`);
  const found = jsonValue<EvidenceJson>(result);
  if (!found) throw new Error("the credit evidence query returned no row");
  const complaintRows = found.complaints.map((c) => ({
    ...c,
    createdAt: jsonDate(c.createdAt),
    answeredAt: jsonDateOrNull(c.answeredAt),
    decidedAt: jsonDateOrNull(c.decidedAt),
  }));
  const alertRows = found.alerts.map((a) => ({ ...a, decidedAt: jsonDate(a.decidedAt) }));

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
      (a) => a.kind === "commitment_violation" && !byComplaint.has(String(a.complaintId ?? "")),
    )
    .map((a) => ({ id: a.id, source: "alert", at: a.decidedAt!, eventId: a.evidence[0] ?? null }));

  return {
    now,
    roles: { seller: org.roles.includes("seller"), producer: org.roles.includes("producer") },
    reviews: found.reviews.map((r) => ({
      id: String(r.id),
      rating: Number(r.rating),
      buyerRef: (r.buyer_ref as string | null) ?? null,
      at: date(r.created_at),
      deliveredAt: r.delivered_at === null ? null : date(r.delivered_at),
      eventId: num(r.event_id),
    })),
    distinctBuyers: Number(found.buyers),
    complaints: complaintRows.map((c) => ({
      id: c.id,
      status: c.status,
      at: c.createdAt,
      answeredAt: c.answeredAt,
      decidedAt: c.decidedAt,
      eventId: c.eventId,
    })),
    answerHours: found.responseHours,
    inspections: found.inspections.map((i) => ({
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
    listEntries: found.lists.map((l) => ({
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
