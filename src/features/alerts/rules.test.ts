// The pure alert rules and the thresholds they read, on their own.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emptyParcel,
  impossibleTransit,
  isFastFiveStar,
  type ReviewFact,
  reviewBurst,
  reviewPattern,
  salesBurst,
} from "./rules";
import { DEFAULT_THRESHOLDS as T, Thresholds, ThresholdsInput } from "./thresholds";
import { haversineKm, minTransitHours, PROVINCE_CAPITALS, proximity } from "./transit";

const NOW = new Date("2026-06-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

describe("thresholds", () => {
  it("has a default for every field", () => {
    expect(T.emptyParcel.maxWeightRatio).toBe(0.5);
    expect(T.transit.maxSpeedKmh).toBe(800);
    expect(T.salesBurst.minOrders).toBe(10);
    expect(Thresholds.parse({ salesBurst: { minOrders: 3 } }).salesBurst).toEqual({
      windowHours: 24,
      minOrders: 3,
    });
  });

  it("refuses a negative number, naming the field", () => {
    const result = ThresholdsInput.safeParse({ transit: { sameCountyHours: -1 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["transit", "sameCountyHours"]);
  });

  it("refuses ratios above 1 and fields it does not know", () => {
    expect(ThresholdsInput.safeParse({ emptyParcel: { maxWeightRatio: 1.5 } }).success).toBe(false);
    expect(ThresholdsInput.safeParse({ emptyParcel: { ratio: 0.4 } }).success).toBe(false);
    expect(ThresholdsInput.safeParse({ unknown: 1 }).success).toBe(false);
  });
});

describe("empty parcel", () => {
  const facts = {
    eventId: 7,
    subjectKey: "/01/x/21/y",
    orgId: "org_s",
    waybill: "SF1",
    items: ["/01/x/21/y"],
  };

  it("fires when the parcel weighs under half the goods, with the event as evidence", () => {
    const signal = emptyParcel(
      { ...facts, parcelWeightGrams: 80, goodsWeightGrams: 2500 },
      T.emptyParcel,
    );
    expect(signal).toMatchObject({
      kind: "empty_parcel",
      severity: "high",
      evidence: [7],
      orgId: "org_s",
    });
    expect(signal?.details.ratio).toBe(0.032);
  });

  it("is medium between a quarter and a half of the weight", () => {
    expect(
      emptyParcel({ ...facts, parcelWeightGrams: 1000, goodsWeightGrams: 2500 }, T.emptyParcel)
        ?.severity,
    ).toBe("medium");
  });

  it("stays quiet for light goods the scale cannot judge, and for goods of unknown weight", () => {
    expect(
      emptyParcel({ ...facts, parcelWeightGrams: 5, goodsWeightGrams: 60 }, T.emptyParcel),
    ).toBeNull();
    expect(
      emptyParcel({ ...facts, parcelWeightGrams: 5, goodsWeightGrams: 0 }, T.emptyParcel),
    ).toBeNull();
  });

  it("never fires for a parcel at least as heavy as its goods", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e7 }),
        fc.integer({ min: 0, max: 1e6 }),
        (goods, extra) => {
          expect(
            emptyParcel(
              { ...facts, parcelWeightGrams: goods + extra, goodsWeightGrams: goods },
              T.emptyParcel,
            ),
          ).toBeNull();
        },
      ),
    );
  });
});

describe("transit floor", () => {
  it("knows the capitals: Beijing to Shanghai is about 1070 km", () => {
    expect(haversineKm(PROVINCE_CAPITALS["11"]!, PROVINCE_CAPITALS["31"]!)).toBeGreaterThan(1040);
    expect(haversineKm(PROVINCE_CAPITALS["11"]!, PROVINCE_CAPITALS["31"]!)).toBeLessThan(1100);
    expect(Object.keys(PROVINCE_CAPITALS)).toHaveLength(34);
  });

  it("grows with distance: county, prefecture, province, far province", () => {
    const hours = [
      minTransitHours("331003", "331003", T.transit),
      minTransitHours("331003", "331082", T.transit),
      minTransitHours("331003", "330106", T.transit),
      minTransitHours("331003", "320102", T.transit),
      minTransitHours("331003", "650102", T.transit),
    ].map((f) => f.minHours);
    expect(hours).toEqual([...hours].sort((a, b) => a - b));
    expect(hours[0]).toBe(0.25);
    expect(hours[4]).toBeGreaterThan(5);
    expect(proximity("331003", "320102")).toBe("other_province");
  });

  it("is symmetric and never below the same-province floor between provinces", () => {
    const codes = fc.constantFrom(...Object.keys(PROVINCE_CAPITALS), "99").map((p) => `${p}0102`);
    fc.assert(
      fc.property(codes, codes, (a, b) => {
        const ab = minTransitHours(a, b, T.transit);
        expect(minTransitHours(b, a, T.transit).minHours).toBeCloseTo(ab.minHours, 9);
        if (a.slice(0, 2) !== b.slice(0, 2))
          expect(ab.minHours).toBeGreaterThanOrEqual(T.transit.sameProvinceHours);
      }),
    );
  });
});

describe("impossible transit", () => {
  const base = {
    dispatchEventId: 1,
    signOffEventId: 2,
    fromRegion: "331003",
    subjectKey: "/01/x/21/y",
    orgId: "org_s",
    carrierOrgId: "org_c",
  };

  it("fires for a sign-off 10 minutes after dispatch to another province", () => {
    const signal = impossibleTransit(
      { ...base, toRegion: "110105", dispatchedAt: minutesAgo(10), signedOffAt: NOW },
      T.transit,
    );
    expect(signal).toMatchObject({
      kind: "impossible_transit",
      severity: "high",
      evidence: [1, 2],
    });
    expect(signal?.details).toMatchObject({ proximity: "other_province", hours: 0.17 });
  });

  it("accepts the same trip after a day, and a same-county delivery after an hour", () => {
    expect(
      impossibleTransit(
        { ...base, toRegion: "110105", dispatchedAt: minutesAgo(24 * 60), signedOffAt: NOW },
        T.transit,
      ),
    ).toBeNull();
    expect(
      impossibleTransit(
        { ...base, toRegion: "331003", dispatchedAt: minutesAgo(60), signedOffAt: NOW },
        T.transit,
      ),
    ).toBeNull();
  });
});

describe("sales burst", () => {
  const orders = (n: number, spreadMinutes: number) =>
    Array.from({ length: n }, (_, i) => ({
      eventId: 100 + i,
      at: minutesAgo((i * spreadMinutes) / n),
    }));

  it("fires for many separate orders from one buyer within the window", () => {
    const signal = salesBurst(
      { sellerOrgId: "org_s", buyerRef: "h".repeat(64), orders: orders(12, 600) },
      NOW,
      T.salesBurst,
    );
    expect(signal).toMatchObject({ kind: "sales_burst", subjectKey: "org_s", orgId: "org_s" });
    expect(signal?.evidence).toHaveLength(12);
    expect(signal?.dedupeKey).toContain("2026-06-01");
  });

  it("counts an order of many items once, and ignores orders outside the window", () => {
    const oneOrder = Array.from({ length: 20 }, () => ({ eventId: 5, at: minutesAgo(1) }));
    expect(
      salesBurst({ sellerOrgId: "s", buyerRef: "b", orders: oneOrder }, NOW, T.salesBurst),
    ).toBeNull();
    expect(
      salesBurst(
        { sellerOrgId: "s", buyerRef: "b", orders: orders(12, 10 * 24 * 60) },
        NOW,
        T.salesBurst,
      ),
    ).toBeNull();
  });
});

function review(
  i: number,
  opts: { rating?: number; at?: Date; deliveredMinutesBefore?: number | null } = {},
): ReviewFact {
  const at = opts.at ?? minutesAgo(i);
  return {
    id: `rev_${i}`,
    eventId: null,
    rating: opts.rating ?? 5,
    at,
    saleEventId: 500 + i,
    deliveredAt:
      opts.deliveredMinutesBefore === null
        ? null
        : new Date(at.getTime() - (opts.deliveredMinutesBefore ?? 3 * 24 * 60) * 60_000),
    signOffEventId: opts.deliveredMinutesBefore === null ? null : 900 + i,
  };
}

describe("review burst", () => {
  const window = (n: number) => Array.from({ length: n }, (_, i) => review(i));

  it("fires for many reviews in an hour from a seller that usually gets few", () => {
    const signal = reviewBurst("org_s", window(15), 30, NOW, T.reviewBurst);
    expect(signal).toMatchObject({ kind: "review_burst", orgId: "org_s" });
    // No review events of their own: the sales behind the reviews are the evidence.
    expect(signal?.evidence).toEqual(Array.from({ length: 15 }, (_, i) => 500 + i));
  });

  it("stays quiet for a seller whose usual rate is that high", () => {
    const usualPerHour = 10;
    const baseline = usualPerHour * 24 * T.reviewBurst.baselineDays;
    expect(reviewBurst("org_big", window(15), baseline, NOW, T.reviewBurst)).toBeNull();
    expect(reviewBurst("org_s", window(5), 0, NOW, T.reviewBurst)).toBeNull();
  });
});

describe("review pattern", () => {
  it("fires when most reviews are 5 stars within minutes of delivery, citing the sign-offs", () => {
    const reviews = [
      ...Array.from({ length: 6 }, (_, i) => review(i, { deliveredMinutesBefore: 3 })),
      review(10, { rating: 4 }),
    ];
    const signal = reviewPattern("org_s", reviews, NOW, T.reviewPattern);
    expect(signal).toMatchObject({
      kind: "review_pattern",
      details: { fastFiveStar: 6, reviews: 7 },
    });
    expect(signal?.evidence).toEqual(expect.arrayContaining([500, 900]));
  });

  it("stays quiet for reviews written days after delivery, or without a delivery", () => {
    expect(isFastFiveStar(review(1, { deliveredMinutesBefore: null }), 10)).toBe(false);
    const slow = Array.from({ length: 10 }, (_, i) => review(i));
    expect(reviewPattern("org_s", slow, NOW, T.reviewPattern)).toBeNull();
  });

  it("stays quiet when the fast ones are a minority of the seller's reviews", () => {
    const reviews = [
      ...Array.from({ length: 5 }, (_, i) => review(i, { deliveredMinutesBefore: 2 })),
      ...Array.from({ length: 10 }, (_, i) => review(20 + i)),
    ];
    expect(reviewPattern("org_s", reviews, NOW, T.reviewPattern)).toBeNull();
  });
});
