// Everything a scan page shows below the identities, read in one query: the timeline with its
// actors, inspection reports with their labs, open recalls, reviews, and a cloned-code alert.
import { type SQL, sql } from "drizzle-orm";
import { jsonDate, jsonValue } from "../../db/json-rows";
import type { Db } from "../../db/types";
import type { ReviewViewT } from "../feedback/schemas";

export interface ContentQuery {
  gtin: string;
  /** Inspections of this lot; of every lot of the product when absent. */
  lotId?: string;
  /** Events touching any of these keys, in any role... */
  anyRole: string[];
  /** ...and those naming these keys in a role of their own: the lot or product itself, not as the context of its items. */
  ownRole: string[];
  /** The most recent events shown. */
  timelineMax: number;
  inspectionsMax: number;
  reviewsShown: number;
  /** The item's key, when an item was scanned: its cloned-code alert is read. */
  itemKey?: string;
}

export interface TimelineRow {
  id: number;
  kind: string;
  bizStep: string | null;
  eventTime: Date;
  /** `zs:destinationRegion` of the document when it is a string. */
  destination: string | null;
  /** `zs:confirmedBy` of the document. */
  confirmedBy: string | null;
  /** Where it happened, as the event names it (EPCIS readPoint / bizLocation ids). */
  readPoint: string | null;
  bizLocation: string | null;
  actor: { id: string; nameZh: string; status: string; regionCode: string } | null;
  /** Set when the event was declared erroneous (its error declaration's fields). */
  correction: { reason: string | null; declaredAt: string | null; note: string | null } | null;
}

export interface InspectionRow {
  id: string;
  lot: string;
  reportNumber: string;
  conclusion: "pass" | "fail";
  issueDate: string;
  pdfSha256: string | null;
  lab: { id: string; nameZh: string; status: string };
}

export interface RecallRow {
  level: string;
  reason: string;
  instructions: string;
  contacts: string;
  lotIds: string[];
  wholeProduct: boolean;
}

export interface ScanContent {
  /** Oldest first. */
  timeline: TimelineRow[];
  inspections: InspectionRow[];
  /** Open recalls of the product, newest first (not yet narrowed to the lot). */
  recalls: RecallRow[];
  latestReviews: ReviewViewT[];
  reviewSummary: { count: number; average: number | null };
  cloned: { details: Record<string, unknown> } | null;
}

const keyIn = (keys: string[]): SQL => (keys.length ? sql`s.subject_key in ${keys}` : sql`false`);

interface ContentJson {
  timeline: (Omit<TimelineRow, "eventTime"> & { eventTime: string })[];
  inspections: InspectionRow[];
  recalls: RecallRow[];
  reviews: (Omit<ReviewViewT, "verifiedPurchase"> & { createdAt: string })[];
  summary: { n: number; mean: number | string | null };
  cloned: { details: Record<string, unknown> } | null;
}

export async function readScanContent(db: Db, q: ContentQuery): Promise<ScanContent> {
  // The events' ids first, as an array the events are then read by: one OR of the two key sets
  // let the planner sort every event of the ledger by time and test each for a subject (over a
  // second per page at 175,000 events, when the key had fewer than `timelineMax` events). The
  // literal predicate matches event_subjects_own_idx, which skips the context rows.
  const eventIds = sql`array(
    select s.event_id from event_subjects s where ${keyIn(q.anyRole)}
    union
    select s.event_id from event_subjects s where ${keyIn(q.ownRole)} and s.role <> 'context')`;
  // Time order as the Dates compare (to the millisecond), ties in arrival order.
  const order = sql`date_trunc('milliseconds', e.event_time)`;
  const result = await db.execute(sql`
    select json_build_object(
      'timeline', (select coalesce(json_agg(json_build_object(
          'id', e.id, 'kind', e.kind, 'bizStep', e.biz_step, 'eventTime', e.event_time,
          'destination', e.destination, 'confirmedBy', e.confirmed_by,
          'readPoint', e.read_point, 'bizLocation', e.biz_location, 'correction', e.correction,
          'actor', case when a.id is null then null else json_build_object(
            'id', a.id, 'nameZh', a.name_zh, 'status', a.status, 'regionCode', a.region_code) end
        ) order by e.t, e.id), '[]'::json)
        from (
          select e.id, e.kind, e.biz_step, e.event_time, e.actor_org_id, e.read_point, e.biz_location, ${order} as t,
            case when jsonb_typeof(e.document->'zs:destinationRegion') = 'string'
              then e.document->>'zs:destinationRegion' end as destination,
            e.document->>'zs:confirmedBy' as confirmed_by,
            (select json_build_object('reason', d.document->'errorDeclaration'->>'reason',
                'declaredAt', d.document->'errorDeclaration'->>'declarationTime',
                'note', d.document->'errorDeclaration'->>'zs:note')
              from events d where d.declares = e.id) as correction
          from events e
          -- A declaration is shown on the event it corrects, not as an event of its own.
          where e.id = any(${eventIds}) and e.declares is null
          order by ${order} desc, e.id desc
          limit ${q.timelineMax}
        ) e left join orgs a on a.id = e.actor_org_id),
      'inspections', (select coalesce(json_agg(json_build_object(
          'id', i.id, 'lot', i.lot, 'reportNumber', i.report_number, 'conclusion', i.conclusion,
          'issueDate', i.issue_date, 'pdfSha256', i.pdf_sha256,
          'lab', json_build_object('id', o.id, 'nameZh', o.name_zh, 'status', o.status)
        ) order by i.issue_date desc, i.created_at desc), '[]'::json)
        from (
          select * from inspections
          where ${q.lotId !== undefined ? sql`lot_id = ${q.lotId}` : sql`gtin = ${q.gtin}`}
          order by issue_date desc, created_at desc
          limit ${q.inspectionsMax}
        ) i join orgs o on o.id = i.inspector_org_id),
      'recalls', (select coalesce(json_agg(json_build_object(
          'level', r.level, 'reason', r.reason, 'instructions', r.instructions,
          'contacts', r.contacts, 'lotIds', r.lot_ids, 'wholeProduct', r.whole_product
        ) order by r.created_at desc), '[]'::json)
        from recalls r where r.gtin = ${q.gtin} and r.status = 'open'),
      'reviews', (select coalesce(json_agg(json_build_object(
          'id', r.id, 'kind', r.kind, 'rating', r.rating, 'text', r.text,
          'createdAt', r.created_at, 'seller', json_build_object('id', r.seller_org_id, 'nameZh', o.name_zh),
          'sellerReply', r.seller_reply, 'eventId', r.event_id
        ) order by r.created_at desc, r.id desc), '[]'::json)
        from (
          select * from reviews where gtin = ${q.gtin} and not hidden
          order by created_at desc, id desc
          limit ${q.reviewsShown}
        ) r join orgs o on o.id = r.seller_org_id),
      'summary', (select json_build_object('n', count(*), 'mean', avg(rating)) from reviews
        where gtin = ${q.gtin} and kind = 'review' and not hidden),
      'cloned', ${
        q.itemKey !== undefined
          ? sql`(select json_build_object('details', a.details) from alerts a
              where a.kind = 'cloned_code' and a.subject_key = ${q.itemKey}
                and a.status in ('open', 'confirmed')
              order by a.created_at asc limit 1)`
          : sql`null::json`
      }
    ) as v`);
  const row = jsonValue<ContentJson>(result);
  if (!row) throw new Error("the scan content query returned no row");
  const mean = row.summary.mean === null ? null : Number(row.summary.mean);
  return {
    timeline: row.timeline.map((e) => ({ ...e, eventTime: jsonDate(e.eventTime) })),
    inspections: row.inspections,
    recalls: row.recalls,
    latestReviews: row.reviews.map((r) => ({
      id: r.id,
      kind: r.kind,
      rating: r.rating,
      text: r.text,
      createdAt: jsonDate(r.createdAt).toISOString(),
      verifiedPurchase: true as const,
      seller: r.seller,
      sellerReply: r.sellerReply,
      eventId: r.eventId,
    })),
    // As feedback/read reviewSummary: the mean to one decimal.
    reviewSummary: {
      count: Number(row.summary.n),
      average: mean === null ? null : Math.round(mean * 10) / 10,
    },
    cloned: row.cloned,
  };
}
