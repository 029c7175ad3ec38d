// Pure alert rules: facts in, signals out. The callers (inline.ts, periodic.ts) fetch the facts and raise.
import type { AlertSignal } from "./raise";
import type { Thresholds } from "./thresholds";
import { minTransitHours } from "./transit";

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The UTC day a window ends in: windowed signals of one seller merge into one alert per day. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

export interface DispatchFacts {
  eventId: number;
  subjectKey: string;
  orgId: string | null;
  parcelWeightGrams: number;
  goodsWeightGrams: number;
  waybill: string;
  items: string[];
}

/** 空包: a parcel much lighter than the net weight of the goods it is said to hold. */
export function emptyParcel(f: DispatchFacts, t: Thresholds["emptyParcel"]): AlertSignal | null {
  if (f.goodsWeightGrams < t.minGoodsGrams || f.goodsWeightGrams <= 0) return null;
  const ratio = f.parcelWeightGrams / f.goodsWeightGrams;
  if (ratio >= t.maxWeightRatio) return null;
  return {
    kind: "empty_parcel",
    // Half the weight or less is suspicious; next to nothing is an empty parcel outright.
    severity: ratio < t.maxWeightRatio / 2 ? "high" : "medium",
    subjectKey: f.subjectKey,
    orgId: f.orgId,
    evidence: [f.eventId],
    details: {
      waybill: f.waybill,
      parcelWeightGrams: f.parcelWeightGrams,
      goodsWeightGrams: f.goodsWeightGrams,
      ratio: Math.round(ratio * 1000) / 1000,
      threshold: t.maxWeightRatio,
      items: f.items.slice(0, 100),
    },
    dedupeKey: `empty_parcel:event:${f.eventId}`,
  };
}

export interface TransitFacts {
  dispatchEventId: number;
  signOffEventId: number;
  dispatchedAt: Date;
  signedOffAt: Date;
  fromRegion: string;
  toRegion: string;
  subjectKey: string;
  orgId: string | null;
  carrierOrgId: string | null;
}

/** Dispatch to sign-off faster than anything carries a parcel between the two regions. */
export function impossibleTransit(f: TransitFacts, t: Thresholds["transit"]): AlertSignal | null {
  const floor = minTransitHours(f.fromRegion, f.toRegion, t);
  const hours = (f.signedOffAt.getTime() - f.dispatchedAt.getTime()) / HOUR;
  if (hours >= floor.minHours) return null;
  return {
    kind: "impossible_transit",
    severity: hours < floor.minHours / 2 ? "high" : "medium",
    subjectKey: f.subjectKey,
    orgId: f.orgId,
    evidence: [f.dispatchEventId, f.signOffEventId],
    details: {
      fromRegion: f.fromRegion,
      toRegion: f.toRegion,
      proximity: floor.proximity,
      distanceKm: floor.distanceKm,
      hours: Math.round(hours * 100) / 100,
      minHours: Math.round(floor.minHours * 100) / 100,
      carrierOrgId: f.carrierOrgId,
    },
    dedupeKey: `impossible_transit:dispatch:${f.dispatchEventId}`,
  };
}

export interface BuyerOrders {
  sellerOrgId: string;
  /** The keyed hash of the buyer reference; never the reference itself. */
  buyerRef: string;
  orders: { eventId: number; at: Date }[];
}

/** 刷单: many separate orders from one buyer account to one seller within the window. */
export function salesBurst(
  b: BuyerOrders,
  now: Date,
  t: Thresholds["salesBurst"],
): AlertSignal | null {
  const since = now.getTime() - t.windowHours * HOUR;
  const inWindow = b.orders.filter((o) => o.at.getTime() >= since && o.at <= now);
  const distinct = [...new Set(inWindow.map((o) => o.eventId))];
  if (distinct.length < t.minOrders) return null;
  return {
    kind: "sales_burst",
    severity: distinct.length >= t.minOrders * 3 ? "high" : "medium",
    subjectKey: b.sellerOrgId,
    orgId: b.sellerOrgId,
    evidence: distinct.sort((x, y) => x - y),
    details: {
      buyerRef: b.buyerRef.slice(0, 16),
      orders: distinct.length,
      windowHours: t.windowHours,
      threshold: t.minOrders,
    },
    dedupeKey: `sales_burst:${b.sellerOrgId}:${b.buyerRef.slice(0, 32)}:${dayOf(now)}`,
  };
}

export interface ReviewFact {
  id: string;
  eventId: number | null;
  rating: number | null;
  at: Date;
  /** The sale the review's receipt came from: the evidence when the review has no event of its own. */
  saleEventId: number;
  /** When the reviewed item was signed off (delivered), and by which event, if it was. */
  deliveredAt: Date | null;
  signOffEventId: number | null;
}

/** Ledger events behind reviews: each review's own event (else its sale), and the sign-offs if asked. */
const evidenceOf = (reviews: ReviewFact[], withSignOffs = false) =>
  [
    ...new Set(
      reviews.flatMap((r) => [
        r.eventId ?? r.saleEventId,
        ...(withSignOffs && r.signOffEventId !== null ? [r.signOffEventId] : []),
      ]),
    ),
  ].sort((a, b) => a - b);

/**
 * 刷评: a seller's reviews in the window far above its own usual rate. `baselineCount` is the
 * number of its reviews in the `baselineDays` before the window.
 */
export function reviewBurst(
  sellerOrgId: string,
  windowReviews: ReviewFact[],
  baselineCount: number,
  now: Date,
  t: Thresholds["reviewBurst"],
): AlertSignal | null {
  const windowsInBaseline = (t.baselineDays * 24 * 60) / t.windowMinutes;
  const usual = baselineCount / windowsInBaseline;
  const n = windowReviews.length;
  if (n < t.minReviews || n < t.factor * usual) return null;
  return {
    kind: "review_burst",
    severity: n >= t.minReviews * 3 ? "high" : "medium",
    subjectKey: sellerOrgId,
    orgId: sellerOrgId,
    evidence: evidenceOf(windowReviews),
    details: {
      reviews: n,
      reviewIds: windowReviews.map((r) => r.id).slice(0, 200),
      windowMinutes: t.windowMinutes,
      usualPerWindow: Math.round(usual * 100) / 100,
      threshold: Math.max(t.minReviews, t.factor * usual),
    },
    dedupeKey: `review_burst:${sellerOrgId}:${dayOf(now)}`,
  };
}

/** A review that is 5 stars and written within `fastMinutes` of delivery. */
export const isFastFiveStar = (r: ReviewFact, fastMinutes: number) =>
  r.rating === 5 &&
  r.deliveredAt !== null &&
  r.at.getTime() - r.deliveredAt.getTime() <= fastMinutes * MINUTE;

/** Reviews unlike real buyers': most of a seller's reviews in the window are instant 5 stars. */
export function reviewPattern(
  sellerOrgId: string,
  windowReviews: ReviewFact[],
  now: Date,
  t: Thresholds["reviewPattern"],
): AlertSignal | null {
  const fast = windowReviews.filter((r) => isFastFiveStar(r, t.fastMinutes));
  if (fast.length < t.minReviews) return null;
  const share = fast.length / windowReviews.length;
  if (share < t.minShare) return null;
  return {
    kind: "review_pattern",
    severity: share >= 0.9 ? "high" : "medium",
    subjectKey: sellerOrgId,
    orgId: sellerOrgId,
    evidence: evidenceOf(fast, true),
    details: {
      fastFiveStar: fast.length,
      reviews: windowReviews.length,
      share: Math.round(share * 1000) / 1000,
      fastMinutes: t.fastMinutes,
      reviewIds: fast.map((r) => r.id).slice(0, 200),
    },
    dedupeKey: `review_pattern:${sellerOrgId}:${dayOf(now)}`,
  };
}
